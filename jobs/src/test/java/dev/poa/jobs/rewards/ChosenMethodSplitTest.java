package dev.poa.jobs.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poa.SharedSpark;
import dev.poa.jobs.IcebergWrites;
import dev.poa.jobs.Progress;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import dev.poa.udfs.rewards.FeeSplit;
import dev.poa.udfs.rewards.RewardPolicy;
import dev.poa.udfs.rewards.ShareWeights;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Which shares pay an inference: those of its chosen method (gradient where a published summary row
 * attributed it by gradient, else span where one attributed it by span), without slashed
 * contributions; none when no method attributed it, nothing for shares of an inference not served.
 * Every amount is checked against {@link FeeSplit} applied by hand to the weights that must count.
 */
class ChosenMethodSplitTest {
  static final String EPOCH = "2026-07-01";
  static final Timestamp NOW = Timestamp.from(Instant.parse("2026-07-01T12:00:00Z"));
  static final String TREASURY = "0x" + "ee".repeat(20);
  static final String OWNER = "0x" + "0a".repeat(20);
  static final String A = "0x" + "a1".repeat(20);
  static final String B = "0x" + "b2".repeat(20);
  static final String C = "0x" + "c3".repeat(20);
  static final String D = "0x" + "d4".repeat(20);

  @Test
  void theChosenMethodsSharesPayAndNoOthers(@TempDir Path dir) throws Exception {
    Lakehouse lh = SharedSpark.lakehouse(dir).lakehouse();
    lh.migrate();
    RewardPolicy policy = RewardPolicy.defaults(TREASURY);
    append(lh, Tables.ADAPTERS, List.of(RowFactory.create("ad0", "notes", OWNER, seq(List.of("notes")), 8, 16.0,
        seq(List.of("q_proj")), "file:///adapter", "explicit", null, 0L, NOW)));
    Map<String, BigDecimal> fees = Map.of("r1", fee("1000000000000000007"), "r2", fee("999999999999999999999"),
        "r3", fee("5000000000000000003"), "r5", fee("123456789"));
    List<Row> logs = new ArrayList<>();
    fees.forEach((r, f) -> logs.add(RowFactory.create(r, "ad0", NOW, EPOCH, null, "x", f, null, null, null, "t", "t",
        0L, NOW)));
    append(lh, Tables.INFERENCE_LOGS, logs);
    append(lh, Tables.INFERENCE_SUMMARY, List.of(
        summary("r1", "span", true, fees.get("r1")), summary("r1", "gradient", true, fees.get("r1")),
        summary("r2", "span", true, fees.get("r2")), summary("r2", "gradient", false, fees.get("r2")),
        summary("r3", "span", false, fees.get("r3"))));
    append(lh, Tables.SCORES, List.of(
        // r1: both methods attributed it: gradient pays (B, and C twice: one contributor, two contributions)
        score("r1", "c-a1", A, "span", 1.0), score("r1", "c-b1", B, "gradient", 0.5),
        score("r1", "c-c1", C, "gradient", 0.3), score("r1", "c-c2", C, "gradient", 0.2),
        // r2: gradient did not attribute it: span pays
        score("r2", "c-a2", A, "span", 0.7), score("r2", "c-d2", D, "span", 0.3), score("r2", "c-b2", B, "gradient", 1.0),
        // r3: no method attributed it, r4 was not served: no contributor is paid for either
        score("r3", "c-a3", A, "span", 1.0), score("r4", "c-d4", D, "span", 1.0)));
    Map<String, Long> snapshots = new TreeMap<>();
    for (TableDefinition t : RewardsJob.INPUTS) {
      snapshots.put(t.qualifiedName(), lh.currentSnapshotId(t));
    }

    Map<List<String>, BigInteger> expected = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
    expect(expected, policy, fees.get("r1"), Map.of(B, w(0.5), C, w(0.3).add(w(0.2))));
    expect(expected, policy, fees.get("r2"), Map.of(A, w(0.7), D, w(0.3)));
    expect(expected, policy, fees.get("r3"), Map.of());
    expect(expected, policy, fees.get("r5"), Map.of());
    Map<List<String>, BigInteger> derived = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
    try (RewardsJob.Derivation d = new RewardsJob(lh, Progress.SILENT).derive(EPOCH, policy, snapshots)) {
      for (Row r : d.payouts().collectAsList()) {
        derived.put(List.of(r.getString(0), r.getString(1)), ((BigDecimal) r.getAs("amount_wei")).toBigIntegerExact());
      }
      BigInteger total = fees.values().stream().map(BigDecimal::toBigIntegerExact).reduce(BigInteger.ZERO, BigInteger::add);
      assertEquals(total, d.totalWei());
    }
    assertEquals(expected, derived);
  }

  /** What FeeSplit gives for one fee, with no validator earning: the validators' part goes to the treasury. */
  static void expect(Map<List<String>, BigInteger> expected, RewardPolicy policy, BigDecimal fee,
      Map<String, BigInteger> weights) {
    for (FeeSplit.Payout p : FeeSplit.split(fee.toBigIntegerExact(), policy, OWNER, weights)) {
      List<String> key = p.address() == null ? List.of(TREASURY, "treasury") : List.of(p.address(), p.role());
      if (p.amount().signum() > 0) {
        expected.merge(key, p.amount(), BigInteger::add);
      }
    }
  }

  static BigInteger w(double share) {
    return BigInteger.valueOf(ShareWeights.weight(share, RewardsJob.SHARE_BITS));
  }

  static BigDecimal fee(String wei) {
    return new BigDecimal(wei);
  }

  static Row summary(String request, String method, boolean attributed, BigDecimal fee) {
    return RowFactory.create(EPOCH, request, "ad0", method, attributed, null, null, null, 0.4, 4, fee, null);
  }

  static Row score(String request, String contribution, String contributor, String method, double share) {
    return RowFactory.create(EPOCH, request, "ad0", contribution, contributor, "notes", method, share, share, 1, null);
  }

  static void append(Lakehouse lh, TableDefinition t, List<Row> rows) {
    IcebergWrites.append(lh.spark().createDataFrame(rows, lh.spark().table(lh.sparkName(t)).schema()), lh.sparkName(t),
        Map.of());
  }

  static scala.collection.immutable.Seq<String> seq(List<String> l) {
    return CollectionConverters.asScala(l).toSeq();
  }
}
