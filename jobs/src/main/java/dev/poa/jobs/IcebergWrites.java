package dev.poa.jobs;

import java.util.Map;
import org.apache.spark.sql.DataFrameWriterV2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;

/** Appends to Iceberg tables (with properties recorded in the snapshot summary), or replaces partitions of them. */
public final class IcebergWrites {
  private IcebergWrites() {}

  public static void append(Dataset<Row> rows, String table, Map<String, String> snapshotProperties) {
    DataFrameWriterV2<Row> w = rows.writeTo(table);
    for (Map.Entry<String, String> e : snapshotProperties.entrySet()) {
      w = w.option("snapshot-property." + e.getKey(), e.getValue());
    }
    try {
      w.append();
    } catch (NoSuchTableException e) {
      throw missing(table, e);
    }
  }

  /** Replaces the partitions of {@code table} that {@code rows} fall in, with them (one commit). */
  public static void overwritePartitions(Dataset<Row> rows, String table) {
    try {
      rows.writeTo(table).overwritePartitions();
    } catch (NoSuchTableException e) {
      throw missing(table, e);
    }
  }

  /** {@code value} as a SQL string literal, quotes doubled, for the statements (MERGE, DELETE) the jobs build. */
  public static String sqlString(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  private static IllegalStateException missing(String table, NoSuchTableException e) {
    return new IllegalStateException("Table " + table + " does not exist: run 'poa migrate'", e);
  }
}
