package dev.poa.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "docs",
    mixinStandardHelpOptions = true,
    description = {
      "Write the generated reference docs (docs/reference) from the code.",
      "",
      "The CLI reference (one AsciiDoc page per command, by picocli's man page generator), every poa.* setting",
      "with its default and meaning, and every table with its columns, partitioning and sort order.",
      "--check writes nothing and exits 1 when the files differ from what the code generates (CI runs it).",
    })
final class DocsCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Where the reference lives (default: docs/reference of the poa checkout).")
  Path dir;

  @Option(names = "--check", description = "Only compare; exit 1 when a file is missing, stale or no longer generated.")
  boolean check;

  @Override
  public Integer call() throws IOException {
    Path target = dir != null ? dir : Path.of(root.env().getOrDefault("POA_HOME", ".")).resolve("docs/reference");
    PrintWriter out = out();
    if (check) {
      List<String> stale = ReferenceDocs.stale(target);
      if (stale.isEmpty()) {
        out.println(target + ": up to date");
        return 0;
      }
      PrintWriter err = err();
      stale.forEach(s -> err.println("poa: " + s));
      err.println("poa: error: " + target + " is not what the code generates: run ./poa docs and commit the result");
      return PoaCli.EXIT_FAILED;
    }
    List<String> changed = ReferenceDocs.write(target);
    out.println(target + (changed.isEmpty() ? ": up to date" : ": " + changed.size() + " file(s) written or removed"));
    changed.forEach(c -> out.println("  " + c));
    return 0;
  }
}
