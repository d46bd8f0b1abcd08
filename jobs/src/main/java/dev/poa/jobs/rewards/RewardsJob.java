package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.poa.jobs.IcebergWrites;
import dev.poa.jobs.Progress;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import dev.poa.udfs.Epochs;
import dev.poa.udfs.SubmissionValidator;
import dev.poa.udfs.rewards.FeeSplit;
import dev.poa.udfs.rewards.LargestRemainder;
import dev.poa.udfs.rewards.MerkleDump;
import dev.poa.udfs.rewards.RewardPolicy;
import dev.poa.udfs.rewards.StandardMerkleTree;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Turns an epoch's fees into exact payouts and a Merkle manifest. Every input is read at a
 * snapshot pinned at the start (and recorded), so the epoch can be re-derived later by
 * {@link #derive} with the same snapshot ids (what {@code poa audit} does).
 *
 * <p>Per inference: the attribution method is gradient when the inference is attributed by
 * gradient, else span when attributed by span, else none (unattributed). Contributor weights
 * are the chosen method's shares as fixed-point integers (round(share·2^40), summed per
 * contributor), without the rows of contributions a validator declared invalid before the
 * epoch's end (slashing). {@link FeeSplit} splits the fee exactly. The validators' parts are
 * pooled and split by the number of contributions each validator attested valid (before the
 * epoch's end) that earned in the epoch; with none, the pool goes to the treasury. Leaves are
 * (address, cumulative amount over all finalised epochs up to this one); epochs are finalised
 * in order.
 */
public final class RewardsJob {
  public record Config(String epoch, RewardPolicy policy, String manifestDir) {}

  public record Result(String epoch, boolean alreadyFinalised, String root, BigInteger totalWei,
      BigInteger cumulativeTotalWei, long recipients, String manifestPath, Map<String, Long> inputSnapshots) {}

  /** What an epoch derives to: its payouts, leaves, tree. */
  public record Derived(String epoch, List<Payout> payouts, List<StandardMerkleTree.Leaf> leaves, StandardMerkleTree tree,
      BigInteger totalWei, BigInteger feesWei, Map<String, Long> inputSnapshots) {
    public BigInteger cumulativeTotal() {
      return leaves.stream().map(StandardMerkleTree.Leaf::amount).reduce(BigInteger.ZERO, BigInteger::add);
    }
  }

  /** One row of rewards.epoch_payouts. */
  public record Payout(String address, String role, BigInteger amount, BigInteger cumulative) {}

  public static final class ManifestMismatchException extends IllegalStateException {
    public ManifestMismatchException(String m) {
      super(m);
    }
  }

  static final List<TableDefinition> INPUTS = List.of(Tables.INFERENCE_LOGS, Tables.INFERENCE_SUMMARY, Tables.SCORES,
      Tables.ADAPTERS, Tables.VALIDATIONS, Tables.EPOCH_PAYOUTS);
  static final String POOL = "validator-pool";
  static final int SHARE_BITS = 40;

  private final Lakehouse lh;
  private final SparkSession spark;
  private final Progress progress;

  public RewardsJob(Lakehouse lh, Progress progress) {
    this.lh = lh;
    this.spark = lh.spark();
    this.progress = progress;
  }

  public Result run(Config config) throws IOException {
    lh.migrate();
    String epoch = Epochs.resolve(config.epoch());
    List<Row> done = spark.table(lh.sparkName(Tables.MANIFESTS)).filter(col("epoch").equalTo(epoch)).collectAsList();
    List<Row> later = spark.table(lh.sparkName(Tables.MANIFESTS)).filter(col("epoch").gt(epoch)).select("epoch").limit(1)
        .collectAsList();
    Map<String, Long> snapshots = new TreeMap<>();
    for (TableDefinition t : INPUTS) {
      snapshots.put(t.qualifiedName(), lh.currentSnapshotId(t));
    }
    if (!done.isEmpty()) {
      Row m = done.get(0);
      // recompute on today's tables, without the epoch's own payouts: it must give the same root
      Derived again = derive(epoch, config.policy(), snapshots);
      if (!again.tree().root().equals(m.getAs("root")) || !config.policy().toJson().equals(m.getAs("policy_json"))) {
        throw new ManifestMismatchException("Epoch " + epoch + " is finalised with root " + m.getAs("root")
            + ", but recomputing it now gives " + again.tree().root()
            + " (late inputs or another policy): run 'poa audit --epoch " + epoch + "' to see what differs");
      }
      progress.step("epoch " + epoch + " is already finalised; recomputation matches");
      return new Result(epoch, true, m.getAs("root"), ((BigDecimal) m.getAs("total_wei")).toBigIntegerExact(),
          ((BigDecimal) m.getAs("cumulative_total_wei")).toBigIntegerExact(), m.getAs("recipients"),
          m.getAs("manifest_path"), snapshots);
    }
    if (!later.isEmpty()) {
      throw new IllegalStateException("Epoch " + later.get(0).getString(0) + " is already finalised: epochs are"
          + " finalised in order (cumulative amounts build on earlier epochs)");
    }
    Derived d = derive(epoch, config.policy(), snapshots);
    String path = config.manifestDir().replaceAll("/+$", "") + "/epoch-" + epoch + ".json";
    byte[] bytes = manifestJson(d, config.policy()).getBytes(StandardCharsets.UTF_8);
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    fs.setWriteChecksum(false); // no .crc beside the file: its sha256 is in rewards.epoch_manifests
    try (OutputStream out = fs.create(p, true)) {
      out.write(bytes);
    }
    String sha = HexFormat.of().formatHex(SubmissionValidator.sha256(bytes));
    progress.step("manifest written: " + path + " (sha256 " + sha + ")");
    StructType schema = spark.table(lh.sparkName(Tables.EPOCH_PAYOUTS)).schema();
    List<Row> rows = new ArrayList<>();
    for (Payout x : d.payouts()) {
      rows.add(RowFactory.create(epoch, x.address(), x.role(), new BigDecimal(x.amount()), new BigDecimal(x.cumulative())));
    }
    var w = spark.createDataFrame(rows, schema).writeTo(lh.sparkName(Tables.EPOCH_PAYOUTS))
        .option("snapshot-property.poa.epoch", epoch);
    try {
      w.overwrite(col("epoch").equalTo(epoch));
    } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
      throw new IllegalStateException(e);
    }
    Row manifest = RowFactory.create(epoch, config.policy().version(), config.policy().toJson(), d.tree().root(),
        new BigDecimal(d.totalWei()), new BigDecimal(d.cumulativeTotal()), (long) d.leaves().size(), path, sha,
        CollectionConverters.asScala(d.inputSnapshots()), "finalised", Timestamp.from(Instant.now()));
    // written last: the epoch is finalised once this row exists
    IcebergWrites.append(spark.createDataFrame(List.of(manifest), spark.table(lh.sparkName(Tables.MANIFESTS)).schema()),
        lh.sparkName(Tables.MANIFESTS), Map.of("poa.epoch", epoch));
    progress.step(String.format("epoch %s finalised: %d payout rows, %d recipients, root %s", epoch, d.payouts().size(),
        d.leaves().size(), d.tree().root()));
    return new Result(epoch, false, d.tree().root(), d.totalWei(), d.cumulativeTotal(), d.leaves().size(), path,
        d.inputSnapshots());
  }

  private Dataset<Row> at(TableDefinition t, Map<String, Long> snapshots) {
    long id = snapshots.getOrDefault(t.qualifiedName(), -1L);
    return id < 0 ? spark.table(lh.sparkName(t)).limit(0)
        : spark.read().option("versionAsOf", id).table(lh.sparkName(t));
  }

  static final StructType PAYOUT = new StructType()
      .add("address", DataTypes.StringType, false)
      .add("role", DataTypes.StringType, false)
      .add("amount", DataTypes.createDecimalType(38, 0), false);

  /**
   * Derives an epoch from the given snapshots (earlier epochs' payouts give the previous
   * cumulative amounts; the epoch's own rows, if any, are ignored).
   */
  public Derived derive(String epoch, RewardPolicy policy, Map<String, Long> snapshots) {
    Dataset<Row> logs = at(Tables.INFERENCE_LOGS, snapshots).filter(col("epoch").equalTo(epoch))
        .select("request_id", "adapter_id", "fee_wei");
    Dataset<Row> chosen = at(Tables.INFERENCE_SUMMARY, snapshots)
        .filter(col("epoch").equalTo(epoch).and(col("attributed")))
        .groupBy("request_id")
        .agg(max(when(col("method").equalTo("gradient"), lit(2)).otherwise(lit(1))).as("m"))
        .select(col("request_id"), when(col("m").equalTo(2), lit("gradient")).otherwise(lit("span")).as("method"));
    Timestamp end = Timestamp.from(Epochs.end(epoch));
    Dataset<Row> validations = at(Tables.VALIDATIONS, snapshots).filter(col("attested_at").lt(lit(end)));
    // slashing: a contribution with a negative verdict attested before the epoch's end earns nothing
    Dataset<Row> slashed = validations.filter(col("verdict").equalTo("invalid")).select("contribution_id").distinct();
    Dataset<Row> earning = at(Tables.SCORES, snapshots).filter(col("epoch").equalTo(epoch))
        .join(chosen, new String[] {"request_id", "method"})
        .join(slashed, new String[] {"contribution_id"}, "left_anti")
        .withColumn("w", round(col("share").multiply(lit(Math.scalb(1.0, SHARE_BITS)))).cast("long"))
        .filter(col("w").gt(0));
    // the validators' part: by the number of contributions each attested valid that earned in the epoch
    List<Row> validatorWeights = validations.filter(col("verdict").equalTo("valid"))
        .join(earning.select("contribution_id").distinct(), "contribution_id")
        .groupBy("validator").agg(org.apache.spark.sql.functions.count_distinct(col("contribution_id")).as("n"))
        .orderBy("validator").collectAsList();
    Dataset<Row> weights = earning
        .groupBy("request_id", "contributor").agg(sum("w").as("w"))
        .groupBy("request_id").agg(collect_list(struct(col("contributor"), col("w"))).as("weights"));
    Dataset<Row> inputs = logs
        .join(at(Tables.ADAPTERS, snapshots).select("adapter_id", "owner"), "adapter_id")
        .join(weights, new String[] {"request_id"}, "left")
        .select("request_id", "owner", "fee_wei", "weights");
    JavaRDD<Row> split = inputs.javaRDD().flatMap(r -> {
      Map<String, BigInteger> w = new TreeMap<>();
      if (!r.isNullAt(3)) {
        for (Row x : r.<Row>getList(3)) {
          w.merge(x.getString(0), BigInteger.valueOf(x.getLong(1)), BigInteger::add);
        }
      }
      List<Row> out = new ArrayList<>();
      for (FeeSplit.Payout p : FeeSplit.split(((BigDecimal) r.get(2)).toBigIntegerExact(), policy, r.getString(1), w)) {
        // validators' parts are pooled over the epoch (address "" until split below)
        boolean validator = p.address() == null;
        out.add(RowFactory.create(validator ? "" : p.address(), validator ? POOL : p.role(), new BigDecimal(p.amount())));
      }
      return out.iterator();
    });
    List<Row> aggregated = spark.createDataFrame(split, PAYOUT).groupBy("address", "role").agg(sum("amount").as("amount"))
        .filter(col("amount").gt(0)).orderBy("address", "role").collectAsList();
    Map<String, BigInteger> byKey = new TreeMap<>(); // "address role" → amount
    BigInteger pool = BigInteger.ZERO;
    for (Row r : aggregated) {
      BigInteger a = ((BigDecimal) r.get(2)).toBigIntegerExact();
      if (POOL.equals(r.getString(1))) {
        pool = pool.add(a);
      } else {
        byKey.merge(r.getString(0) + " " + r.getString(1), a, BigInteger::add);
      }
    }
    if (pool.signum() > 0) {
      if (validatorWeights.isEmpty()) {
        // nobody attested a contribution that earned: the validators' part goes to the treasury
        byKey.merge(policy.treasury() + " treasury", pool, BigInteger::add);
      } else {
        List<LargestRemainder.Part> parts = new ArrayList<>();
        for (Row v : validatorWeights) {
          parts.add(new LargestRemainder.Part(v.getString(0), BigInteger.valueOf(v.getLong(1))));
        }
        BigInteger[] amounts = LargestRemainder.split(pool, parts);
        for (int i = 0; i < parts.size(); i++) {
          if (amounts[i].signum() > 0) {
            byKey.merge(parts.get(i).key() + " validator", amounts[i], BigInteger::add);
          }
        }
      }
    }
    List<Row> perAddress = new ArrayList<>();
    byKey.forEach((k, a) -> {
      String[] ar = k.split(" ", 2);
      perAddress.add(RowFactory.create(ar[0], ar[1], new BigDecimal(a)));
    });
    BigInteger fees = BigInteger.ZERO;
    for (Row r : logs.agg(sum("fee_wei")).collectAsList()) {
      fees = r.isNullAt(0) ? BigInteger.ZERO : ((BigDecimal) r.get(0)).toBigIntegerExact();
    }
    Dataset<Row> previousRows = at(Tables.EPOCH_PAYOUTS, snapshots).filter(col("epoch").lt(epoch));
    Map<String, BigInteger> cumulative = new TreeMap<>();
    for (Row r : previousRows.groupBy("address").agg(max("cumulative_wei")).collectAsList()) {
      cumulative.put(r.getString(0), ((BigDecimal) r.get(1)).toBigIntegerExact());
    }
    BigInteger total = BigInteger.ZERO;
    Map<String, BigInteger> thisEpoch = new TreeMap<>();
    for (Row r : perAddress) {
      BigInteger a = ((BigDecimal) r.get(2)).toBigIntegerExact();
      thisEpoch.merge(r.getString(0), a, BigInteger::add);
      total = total.add(a);
    }
    if (!total.equals(fees)) {
      throw new IllegalStateException("payouts " + total + " do not reconcile with the epoch's fees " + fees);
    }
    thisEpoch.forEach((a, v) -> cumulative.merge(a, v, BigInteger::add));
    List<Payout> payouts = new ArrayList<>();
    for (Row r : perAddress) {
      payouts.add(new Payout(r.getString(0), r.getString(1), ((BigDecimal) r.get(2)).toBigIntegerExact(),
          cumulative.get(r.getString(0))));
    }
    List<StandardMerkleTree.Leaf> leaves = new ArrayList<>();
    cumulative.forEach((a, v) -> leaves.add(new StandardMerkleTree.Leaf(a, v)));
    if (leaves.isEmpty()) {
      throw new IllegalArgumentException("Epoch " + epoch + " has nothing to pay (no fees in it or before it)");
    }
    return new Derived(epoch, payouts, leaves, StandardMerkleTree.of(leaves), total, fees, snapshots);
  }

  /** The manifest file: a standard-v1 dump plus the epoch's metadata. Same epoch, same bytes. */
  public static String manifestJson(Derived d, RewardPolicy policy) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("epoch", d.epoch());
    extra.put("root", d.tree().root());
    extra.put("total_wei", d.totalWei().toString());
    extra.put("cumulative_total_wei", d.cumulativeTotal().toString());
    extra.put("recipients", d.leaves().size());
    extra.put("policy", policy.version());
    extra.put("input_snapshots", new TreeMap<>(d.inputSnapshots()));
    List<Map<String, String>> payouts = new ArrayList<>();
    for (Payout p : d.payouts()) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("address", p.address());
      m.put("role", p.role());
      m.put("amount_wei", p.amount().toString());
      payouts.add(m);
    }
    extra.put("payouts", payouts);
    return MerkleDump.toJson(MerkleDump.of(d.tree(), extra));
  }

}
