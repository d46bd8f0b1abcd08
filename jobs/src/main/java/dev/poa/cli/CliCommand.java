package dev.poa.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every poa command prints through: the writers of its invocation (picocli's, set by {@link PoaCli#execute}
 * for the whole command tree), never System.out/err, so a test or an embedding caller reads them without
 * swapping the process's streams.
 */
abstract class CliCommand {
  @Spec CommandSpec spec;

  /** Standard output: what a command prints for a person or a script. */
  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** Standard error: progress, warnings. */
  PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
