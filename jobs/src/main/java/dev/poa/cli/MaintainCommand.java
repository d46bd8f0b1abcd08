package dev.poa.cli;

import dev.poa.jobs.Progress;
import dev.poa.jobs.ops.MaintainJob;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Durations;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "maintain",
    mixinStandardHelpOptions = true,
    description = {
      "Compact small files, expire old snapshots and remove orphan files, keeping",
      "every promise.",
      "",
      "Per table, with Iceberg's Spark actions: rewrites small data files to the",
      "table's target size (sorted by its sort order, else bin-packed) and its",
      "manifests; expires snapshots older than --retain, keeping at least the last",
      "--retain-last and every tagged snapshot (the epoch-<E> tags that keep",
      "finalised epochs auditable are created first if missing); removes files no",
      "snapshot references that are older than --orphans-older-than. Holds the",
      "lakehouse lease, so it never races an ingest or a rewards run (exit 8 when",
      "another writer keeps it). Prints and records in ops.maintenance_runs what it",
      "did per table: data files and bytes before/after, manifests, snapshots",
      "expired and kept, orphans removed. A failing table is recorded and the",
      "others are maintained (exit 6).",
      "",
      "--dry-run takes no lease and changes nothing: it prints what would be done.",
    })
final class MaintainCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Option(names = "--tables", split = ",", paramLabel = "T",
      description = "Only these tables (namespace.table, comma-separated); default all.")
  List<String> tables;

  @Option(names = "--retain", paramLabel = "DURATION", defaultValue = "7d",
      description = "Expire snapshots older than this, e.g. 7d, 36h, 0s (default ${DEFAULT-VALUE}).")
  String retain;

  @Option(names = "--retain-last", paramLabel = "N", defaultValue = "" + MaintainJob.DEFAULT_RETAIN_LAST,
      description = "Keep at least the last N snapshots of each table whatever their age (default ${DEFAULT-VALUE}).")
  int retainLast;

  @Option(names = "--orphans-older-than", paramLabel = "DURATION", defaultValue = "3d",
      description = "Remove orphan files only when older than this; at least 1h (default ${DEFAULT-VALUE}).")
  String orphansOlderThan;

  @Option(names = "--dry-run", description = "Print what would be done; change nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    MaintainJob.Config config;
    try {
      config = new MaintainJob.Config(selected(), Durations.parse(retain), retainLast, Durations.parse(orphansOlderThan),
          dryRun);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    MaintainJob.Result r = new MaintainJob(root.lakehouse(), Progress.to(err(), "maintain")).run(config);
    out().println((r.dryRun() ? "dry run, nothing changed: " : "maintenance run " + r.runId() + ": ")
        + r.tables().size() + " table(s), retain " + Durations.format(config.retain()) + " (at least the last "
        + config.retainLast() + "), orphans older than " + Durations.format(config.orphansOlderThan()));
    r.tables().forEach(t -> out().println("  " + t.describe()));
    if (r.tags() != null) {
      out().println(r.tags().describe());
    }
    return r.failed() > 0 ? PoaCli.EXIT_SOME_FAILED : 0;
  }

  private List<TableDefinition> selected() {
    if (tables == null || tables.isEmpty()) {
      return Tables.ALL;
    }
    List<TableDefinition> out = new ArrayList<>();
    for (String name : tables) {
      out.add(Tables.ALL.stream().filter(d -> d.qualifiedName().equals(name.strip())).findFirst()
          .orElseThrow(() -> new BadInputException("no table " + name + ": 'poa tables' lists them")));
    }
    return out;
  }
}
