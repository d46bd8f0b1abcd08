package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/**
 * The manifest's rows read ahead on a thread of their own: all rows, in the partitions' order; at
 * most the given number of batches ahead of the caller; a failed job's error thrown to the caller;
 * and a reader that stops when the caller closes early.
 */
class ReadAheadRowsTest {
  /** ids 0 … n-1 in three partitions, in id order. */
  static Dataset<Row> ids(long n) {
    return SharedSpark.spark().range(0, n, 1, 3).toDF("id");
  }

  @Test
  void everyRowComesInThePartitionsOrder() {
    long n = 5L * ReadAheadRows.BATCH + 17;
    List<Long> seen = new ArrayList<>();
    try (ReadAheadRows rows = new ReadAheadRows(ids(n), 2)) {
      rows.forEachRemaining(r -> seen.add(r.getLong(0)));
      assertFalse(rows.hasNext());
    }
    assertEquals(n, seen.size());
    for (int i = 0; i < seen.size(); i++) {
      assertEquals(i, seen.get(i));
    }
  }

  @Test
  void theReaderGoesAheadByAtMostTheGivenBatches() throws InterruptedException {
    try (ReadAheadRows rows = new ReadAheadRows(ids(10L * ReadAheadRows.BATCH), 3)) {
      long until = System.nanoTime() + 30_000_000_000L;
      while (rows.waiting() < 3 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      // three batches read before the first row is asked for, and no more than three
      assertEquals(3, rows.waiting());
      Thread.sleep(300);
      assertEquals(3, rows.waiting());
      assertEquals(0L, rows.next().getLong(0));
    }
  }

  @Test
  void aFailedJobFailsTheCallerWithItsError() {
    UDF1<Long, Long> failAt = id -> {
      if (id == 3L * ReadAheadRows.BATCH) {
        throw new IllegalArgumentException("row " + id + " refused");
      }
      return id;
    };
    Dataset<Row> failing = ids(6L * ReadAheadRows.BATCH)
        .select(udf(failAt, DataTypes.LongType).apply(col("id")).as("id"));
    long[] read = {0};
    Throwable e;
    try (ReadAheadRows rows = new ReadAheadRows(failing, 2)) {
      e = assertThrows(Throwable.class, () -> rows.forEachRemaining(r -> read[0]++));
    }
    Throwable cause = e;
    while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
      cause = cause.getCause();
    }
    assertTrue(String.valueOf(cause.getMessage()).contains("refused"), e.toString());
    assertTrue(read[0] < 3L * ReadAheadRows.BATCH, "rows after the failing one were read: " + read[0]);
  }

  @Test
  void closingEarlyStopsTheReader() throws Exception {
    ReadAheadRows rows = new ReadAheadRows(ids(20L * ReadAheadRows.BATCH), 1);
    assertEquals(0L, rows.next().getLong(0));
    rows.close();
    // a reader left waiting to hand its next batch would time out here
    rows.reader().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }
}
