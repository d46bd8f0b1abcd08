package dev.poa.jobs.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The manifest reads the cached leaves in their partitions' order, without an orderBy: rows come
 * through in that order, and rows out of (address, role) order are refused, not written.
 */
class CachedOrderTest {
  static final StructType ROWS = new StructType().add("address", DataTypes.StringType).add("role", DataTypes.StringType);

  /** The rows, in the given order (one partition), read by {@link RewardsJob#inCachedOrder}. */
  static List<Row> read(List<Row> rows, int keys) {
    Dataset<Row> d = SharedSpark.spark().createDataFrame(rows, ROWS).coalesce(1);
    List<Row> out = new ArrayList<>();
    try (RewardsJob.CachedOrder it = RewardsJob.inCachedOrder(d, keys)) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void rowsInOrderPassAndRowsOutOfOrderAreRefused() {
    List<Row> ordered = List.of(RowFactory.create("0x01", "contributor"), RowFactory.create("0x01", "owner"),
        RowFactory.create("0x02", "contributor"), RowFactory.create("0x0a", "treasury"));
    assertEquals(ordered, read(ordered, 2));
    List<Row> swapped = List.of(ordered.get(0), ordered.get(2), ordered.get(1), ordered.get(3));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> read(swapped, 2));
    assertTrue(e.getMessage().startsWith("rows out of address order"), e.getMessage());
    // by address alone, an address twice is out of order too (values have one row per address)
    assertThrows(IllegalStateException.class, () -> read(ordered, 1));
  }

  /**
   * The manifest reads the payout rows straight out of the leaves, unsorted: an address paid in
   * several roles (rows arriving in any order, from several partitions) comes out once per role, in
   * role order, after the addresses before it, which {@link RewardsJob#inCachedOrder} accepts.
   */
  @Test
  void payoutRowsComeOutOfTheLeavesInAddressAndRoleOrder() {
    StructType perRole = new StructType().add("address", DataTypes.StringType).add("role", DataTypes.StringType)
        .add("amount_wei", RewardsJob.WEI);
    List<Row> rows = List.of(RowFactory.create("0x0b", "treasury", new BigDecimal(5)),
        RowFactory.create("0x0a", "validator", new BigDecimal(1)), RowFactory.create("0x0b", "contributor", new BigDecimal(7)),
        RowFactory.create("0x0a", "contributor", new BigDecimal(2)), RowFactory.create("0x0a", "owner", new BigDecimal(3)),
        RowFactory.create("0x0c", "owner", new BigDecimal(4)));
    Dataset<Row> byRole = SharedSpark.spark().createDataFrame(rows, perRole).repartition(3);
    StructType earlierRows = new StructType().add("epoch", DataTypes.StringType).add("address", DataTypes.StringType)
        .add("cumulative_wei", RewardsJob.WEI);
    Dataset<Row> earlier = SharedSpark.spark().createDataFrame(
        List.of(RowFactory.create("2026-01-01", "0x0c", new BigDecimal(10))), earlierRows);
    Dataset<Row> payouts = RewardsJob.payoutRows(RewardsJob.leaves(byRole, earlier)).select("address", "role", "amount_wei",
        "cumulative_wei");
    List<Row> out = new ArrayList<>();
    try (RewardsJob.CachedOrder it = RewardsJob.inCachedOrder(payouts, 2)) {
      it.forEachRemaining(out::add);
    }
    assertEquals(List.of(RowFactory.create("0x0a", "contributor", new BigDecimal(2), new BigDecimal(6)),
        RowFactory.create("0x0a", "owner", new BigDecimal(3), new BigDecimal(6)),
        RowFactory.create("0x0a", "validator", new BigDecimal(1), new BigDecimal(6)),
        RowFactory.create("0x0b", "contributor", new BigDecimal(7), new BigDecimal(12)),
        RowFactory.create("0x0b", "treasury", new BigDecimal(5), new BigDecimal(12)),
        RowFactory.create("0x0c", "owner", new BigDecimal(4), new BigDecimal(14))), out);
  }
}
