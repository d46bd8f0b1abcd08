package dev.poa.jobs.ingest;

import static org.apache.spark.sql.functions.col;

import dev.poa.jobs.IcebergWrites;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
   * Appends {@code rows} unless this batch already committed to {@code table}; returns the
   * snapshot id that holds the batch's rows (the new one, or the earlier commit's).
   */
  public static long appendOnce(Lakehouse lh, Dataset<Row> rows, TableDefinition table, String batchId,
      Map<String, String> snapshotProperties) {
    Snapshot committed = IngestJob.snapshotOfBatch(lh.table(table), batchId);
    if (committed != null) {
      return committed.snapshotId();
    }
    IcebergWrites.append(rows, lh.sparkName(table), snapshotProperties);
    return lh.currentSnapshotId(table);
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
