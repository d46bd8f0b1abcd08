package dev.poa.cli;

import dev.poa.jobs.rewards.Audit;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "manifest",
    mixinStandardHelpOptions = true,
    description = "Read reward manifests.",
    subcommands = {ManifestCommand.ProofCommand.class})
final class ManifestCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa manifest proof");
  }

  @Command(
      name = "proof",
      mixinStandardHelpOptions = true,
      description = {
        "Print an address's amount, cumulative amount and Merkle proof for an epoch.",
        "",
        "Read from the epoch's manifest file, whose tree is rebuilt and checked",
        "against the recorded root. A claim contract verifies",
        "(address, cumulative) with the proof and pays cumulative minus what it paid.",
      })
  static final class ProofCommand extends CliCommand implements Callable<Integer> {
    @ParentCommand ManifestCommand parent;

    @Option(names = "--epoch", required = true, paramLabel = "E", description = "Epoch id or any timestamp inside it.")
    String epoch;

    @Option(names = "--address", required = true, paramLabel = "A", description = "Recipient address.")
    String address;

    @Override
    public Integer call() throws IOException {
      Audit.Proof p = new Audit(parent.root.lakehouse()).proof(epoch, address);
      out().printf("address     %s%nepoch       %s%namount      %s wei%ncumulative  %s wei%nroot        %s%nproof%n",
          p.address(), epoch, p.epochAmount(), p.cumulative(), p.root());
      p.proof().forEach(h -> out().println("  " + h));
      return 0;
    }
  }
}
