package dev.poa.jobs.ingest;

import static org.apache.spark.sql.functions.col;

import dev.poa.jobs.IcebergWrites;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What the record-batch ingest jobs (inference logs, training gradients, validator attestations)
 * share: the shape of a validated record, the reject counts by reason, and appends that happen
 * once per batch (a rerun after a crash skips what is committed).
 */
public final class RecordBatches {
  private RecordBatches() {}

  /**
   * The schema of validated records: where each came from (source_file, source_line,
   * ingest_seq), why it was rejected (reason, message; null when valid), the record's own
   * {@code fields}, and its raw text when rejected (raw_record).
   */
  public static StructType validated(StructField... fields) {
    StructType s = new StructType()
        .add("source_file", DataTypes.StringType, false)
        .add("source_line", DataTypes.LongType, false)
        .add("ingest_seq", DataTypes.LongType, false)
        .add("reason", DataTypes.StringType, true)
        .add("message", DataTypes.StringType, true);
    for (StructField f : fields) {
      s = s.add(f);
    }
    return s.add("raw_record", DataTypes.StringType, true);
  }

  /** A nullable field of {@link #validated}. */
  public static StructField field(String name, org.apache.spark.sql.types.DataType type) {
    return DataTypes.createStructField(name, type, true);
  }

  /** Rejected rows by reason (sorted); their total is the sum of the values. */
  public static Map<String, Long> countByReason(Dataset<Row> rejects) {
    Map<String, Long> byReason = new TreeMap<>();
    for (Row r : rejects.groupBy("reason").count().collectAsList()) {
      byReason.put(r.getString(0), r.getLong(1));
    }
    return byReason;
  }

  public static long total(Map<String, Long> byReason) {
    return byReason.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Appends {@code rows} unless this batch already committed to {@code table} (see
   * {@link BatchLedger#committed}); returns the snapshot id that holds the batch's rows (the new
   * one, the earlier commit's, or the current one when that commit's snapshot was expired).
   */
  public static long appendOnce(Lakehouse lh, Dataset<Row> rows, TableDefinition table, String batchId,
      Map<String, String> snapshotProperties) {
    Snapshot committed = BatchLedger.committedSnapshot(lh.table(table), batchId);
    if (committed != null) {
      return committed.snapshotId();
    }
    if (BatchLedger.hasRows(lh, table, batchId)) {
      return lh.currentSnapshotId(table);
    }
    IcebergWrites.append(rows, lh.sparkName(table), snapshotProperties);
    return lh.currentSnapshotId(table);
  }

  /**
   * The completion row of a record batch, in the column order its runs tables share: when, from
   * what, how many of each outcome, the snapshots holding its rows, then {@code more} columns of
   * its kind.
   */
  public static Row runRow(String batchId, Instant startedAt, List<String> inputs, String fingerprint, long read,
      long accepted, long duplicate, long rejected, Map<String, Long> byReason, Map<String, Long> snapshots,
      Object... more) {
    List<Object> values = new ArrayList<>(List.of(batchId, Timestamp.from(startedAt), Timestamp.from(Instant.now()),
        CollectionConverters.asScala(new ArrayList<>(inputs)).toSeq(), fingerprint, read, accepted, duplicate, rejected,
        CollectionConverters.asScala(byReason), CollectionConverters.asScala(snapshots)));
    values.addAll(java.util.Arrays.asList(more));
    return RowFactory.create(values.toArray());
  }

  /** Appends a batch's completion row to its runs table: the last commit of the batch. */
  public static void complete(Lakehouse lh, TableDefinition runs, Row run, String batchId) {
    IcebergWrites.append(lh.spark().createDataFrame(List.of(run), lh.spark().table(lh.sparkName(runs)).schema()),
        lh.sparkName(runs), Map.of(IngestJob.BATCH_PROPERTY, batchId));
  }

  /** The rows a batch holds in a table. */
  public static long rowsOfBatch(Lakehouse lh, TableDefinition table, String batchId) {
    return lh.spark().table(lh.sparkName(table)).filter(col("batch_id").equalTo(batchId)).count();
  }

  /** A sketch as the Scala sequence a Spark row holds for {@code array<float>}, or null. */
  public static scala.collection.immutable.Seq<Float> floats(float[] values) {
    if (values == null) {
      return null;
    }
    List<Float> l = new ArrayList<>(values.length);
    for (float f : values) {
      l.add(f);
    }
    return CollectionConverters.asScala(l).toSeq();
  }
}
