package dev.poa.cli;

import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "tables",
    mixinStandardHelpOptions = true,
    description = "List every table with its row count, current snapshot id, last commit time and schema version.")
final class TablesCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Override
  public Integer call() {
    Lakehouse lh = root.lakehouse();
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"table", "rows", "snapshot_id", "last_commit", "schema_version"});
    for (TableDefinition def : Tables.ALL) {
      if (!lh.exists(def)) {
        cells.add(new String[] {def.qualifiedName(), "-", "-", "-", "missing: run poa migrate"});
        continue;
      }
      Table t = lh.table(def);
      Snapshot s = t.currentSnapshot();
      String rows = s == null ? "0" : s.summary().getOrDefault("total-records", "?");
      cells.add(new String[] {
        def.qualifiedName(),
        rows,
        s == null ? "-" : Long.toString(s.snapshotId()),
        s == null ? "-" : Instant.ofEpochMilli(s.timestampMillis()).toString(),
        t.properties().getOrDefault(TableDefinition.SCHEMA_VERSION_PROPERTY, "?")
      });
    }
    out().print(TableFormat.render(cells, null));
    return 0;
  }
}
