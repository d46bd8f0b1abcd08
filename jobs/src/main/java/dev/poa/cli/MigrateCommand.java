package dev.poa.cli;

import dev.poa.schemas.MigrationResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = {
      "Create missing tables and evolve existing ones to the current schema.",
      "",
      "Evolution is in place: added columns are metadata-only, no data file is",
      "rewritten. Idempotent.",
    })
final class MigrateCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Override
  public Integer call() {
    MigrationResult r;
    var lh = root.lakehouse();
    try (var lease = lh.lease("migrate", m -> System.err.println("poa: " + m))) {
      r = lh.migrate();
    }
    r.steps().forEach(s -> System.out.println(s.describe()));
    System.out.println(r.changedCount() == 0 ? "lakehouse is up to date" : r.changedCount() + " table(s) changed");
    return 0;
  }
}
