package dev.poa.jobs.ingest;

import static org.apache.spark.sql.functions.col;

import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import java.util.List;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * Which batches a lakehouse holds, from what survives every table operation a data engineer runs:
 * the completion rows of the runs tables (one per committed batch of each kind), the rows
 * themselves (every batch-fed table has a {@code batch_id} column), and the ancestry of the
 * current snapshot. Never {@code table.snapshots()} alone: after a rollback it still lists the
 * rolled-back snapshots; after {@code expire_snapshots} it has lost old ones; and a compaction's
 * snapshot hides the batch that came before it.
 */
public final class BatchLedger {
  private BatchLedger() {}

  /** The completion row of a batch in its runs table ({@code batch_id} column), or null. */
  public static Row completed(Lakehouse lh, TableDefinition runs, String batchId) {
    List<Row> rows = lh.spark().table(lh.sparkName(runs)).filter(col("batch_id").equalTo(batchId)).limit(1)
        .collectAsList();
    return rows.isEmpty() ? null : rows.get(0);
  }

  /**
   * The snapshot among the current snapshot's ancestors that committed this batch to the table
   * (tagged {@code poa.batch-id}), or null: a rolled-back commit is not an ancestor, an expired
   * one is gone.
   */
  public static Snapshot committedSnapshot(Table table, String batchId) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      return null;
    }
    for (Snapshot s : SnapshotUtil.ancestorsOf(current.snapshotId(), table::snapshot)) {
      if (batchId.equals(s.summary().get(IngestJob.BATCH_PROPERTY))) {
        return s;
      }
    }
    return null;
  }

  /** True when the table holds rows of the batch (whatever its snapshot history now says). */
  public static boolean hasRows(Lakehouse lh, TableDefinition table, String batchId) {
    return !lh.spark().table(lh.sparkName(table)).filter(col("batch_id").equalTo(batchId)).limit(1).isEmpty();
  }

  /**
   * True when the batch's commit to the table is in place: its snapshot is an ancestor of the
   * current one, or (after snapshot expiry) its rows are there.
   */
  public static boolean committed(Lakehouse lh, TableDefinition table, String batchId) {
    return committedSnapshot(lh.table(table), batchId) != null || hasRows(lh, table, batchId);
  }

  /**
   * Batches with rows in {@code data} but no completion row in {@code runs}, sorted: they stopped
   * midway. Reads only the {@code batch_id} column.
   */
  public static List<String> incomplete(Lakehouse lh, TableDefinition data, TableDefinition runs) {
    return lh.spark().table(lh.sparkName(data)).select("batch_id").distinct()
        .join(lh.spark().table(lh.sparkName(runs)).select("batch_id"), new String[] {"batch_id"}, "left_anti")
        .orderBy("batch_id").as(Encoders.STRING()).collectAsList();
  }
}
