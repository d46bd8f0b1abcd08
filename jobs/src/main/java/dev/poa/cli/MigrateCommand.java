package dev.poa.cli;

import dev.poa.jobs.rewards.EpochTags;
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
      "rewritten. Then tags, on every table a finalised epoch read, the snapshot it",
      "read (tag epoch-<E>, from the manifests' input_snapshots), so that snapshot",
      "expiry keeps it for 'poa audit'. Idempotent.",
    })
final class MigrateCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Override
  public Integer call() {
    MigrationResult r;
    EpochTags.Repair tags;
    var lh = root.lakehouse();
    try (var lease = lh.lease("migrate", m -> err().println("poa: " + m))) {
      r = lh.migrate();
      lease.assertHeld();
      tags = EpochTags.ensure(lh);
    }
    r.steps().forEach(s -> out().println(s.describe()));
    out().println(r.changedCount() == 0 ? "lakehouse is up to date" : r.changedCount() + " table(s) changed");
    out().println(tags.describe());
    return 0;
  }
}
