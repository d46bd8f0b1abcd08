package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.poa.jobs.IcebergWrites;
import dev.poa.jobs.Progress;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import dev.poa.udfs.Epochs;
import dev.poa.udfs.rewards.FeeSplit;
import dev.poa.udfs.rewards.LargestRemainder;
import dev.poa.udfs.rewards.MerkleDump;
import dev.poa.udfs.rewards.RewardPolicy;
import dev.poa.udfs.rewards.StandardMerkleTree;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Iterator;
import java.math.BigInteger;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
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
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.storage.StorageLevel;
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

  /**
   * What an epoch derives to. The payout rows and leaves stay in Spark (cached: close the
   * derivation); the driver holds only the Merkle tree, i.e. 32 bytes per leaf and node.
   */
  public static final class Derivation implements AutoCloseable {
    private final String epoch;
    private final Dataset<Row> payouts;
    private final Dataset<Row> leaves;
    private final List<Dataset<Row>> cached;
    private final StandardMerkleTree tree;
    private final BigInteger totalWei;
    private final BigInteger cumulativeTotalWei;
    private final long payoutRows;
    private final Map<String, Long> inputSnapshots;

    Derivation(String epoch, Dataset<Row> payouts, Dataset<Row> leaves, List<Dataset<Row>> cached, StandardMerkleTree tree,
        BigInteger totalWei, BigInteger cumulativeTotalWei, long payoutRows, Map<String, Long> inputSnapshots) {
      this.epoch = epoch;
      this.payouts = payouts;
      this.leaves = leaves;
      this.cached = cached;
      this.tree = tree;
      this.totalWei = totalWei;
      this.cumulativeTotalWei = cumulativeTotalWei;
      this.payoutRows = payoutRows;
      this.inputSnapshots = Map.copyOf(inputSnapshots);
    }

    public String epoch() {
      return epoch;
    }

    /** address, role, amount_wei, cumulative_wei: the epoch's rows of rewards.epoch_payouts. */
    public Dataset<Row> payouts() {
      return payouts;
    }

    /** address, cumulative_wei, leaf_hash: one per address paid in this epoch or before. */
    public Dataset<Row> leaves() {
      return leaves;
    }

    public String root() {
      return tree.root();
    }

    public BigInteger totalWei() {
      return totalWei;
    }

    public BigInteger cumulativeTotalWei() {
      return cumulativeTotalWei;
    }

    public long recipients() {
      return tree.size();
    }

    public long payoutRows() {
      return payoutRows;
    }

    public Map<String, Long> inputSnapshots() {
      return inputSnapshots;
    }

    /**
     * The manifest file: a standard-v1 dump plus the epoch's metadata and payout rows, streamed
     * from Spark partition by partition (values by address, payouts by address and role). Same
     * epoch, same bytes.
     */
    public void writeManifest(OutputStream out, RewardPolicy policy) throws IOException {
      Iterator<Row> values = leaves.select("address", "cumulative_wei").orderBy("address").toLocalIterator();
      Iterator<StandardMerkleTree.Leaf> leafValues = new Iterator<>() {
        public boolean hasNext() {
          return values.hasNext();
        }

        public StandardMerkleTree.Leaf next() {
          Row r = values.next();
          return new StandardMerkleTree.Leaf(r.getString(0), ((BigDecimal) r.get(1)).toBigIntegerExact());
        }
      };
      MerkleDump.write(out, tree, leafValues, g -> {
        g.writeStringField("epoch", epoch);
        g.writeStringField("root", tree.root());
        g.writeStringField("total_wei", totalWei.toString());
        g.writeStringField("cumulative_total_wei", cumulativeTotalWei.toString());
        g.writeNumberField("recipients", tree.size());
        g.writeStringField("policy", policy.version());
        g.writeObjectField("input_snapshots", new TreeMap<>(inputSnapshots));
        g.writeArrayFieldStart("payouts");
        Iterator<Row> rows = payouts.select("address", "role", "amount_wei").orderBy("address", "role").toLocalIterator();
        while (rows.hasNext()) {
          Row r = rows.next();
          g.writeStartObject();
          g.writeStringField("address", r.getString(0));
          g.writeStringField("role", r.getString(1));
          g.writeStringField("amount_wei", ((BigDecimal) r.get(2)).toBigIntegerExact().toString());
          g.writeEndObject();
        }
        g.writeEndArray();
      });
    }

    /** The sha256 of {@link #writeManifest}'s bytes, without keeping them. */
    public String manifestSha256(RewardPolicy policy) throws IOException {
      MessageDigest sha = sha256();
      try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
        writeManifest(out, policy);
      }
      return HexFormat.of().formatHex(sha.digest());
    }

    @Override
    public void close() {
      cached.forEach(Dataset::unpersist);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

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
      try (Derivation again = derive(epoch, config.policy(), snapshots)) {
        if (!again.root().equals(m.getAs("root")) || !config.policy().toJson().equals(m.getAs("policy_json"))) {
          throw new ManifestMismatchException("Epoch " + epoch + " is finalised with root " + m.getAs("root")
              + ", but recomputing it now gives " + again.root()
              + " (late inputs or another policy): run 'poa audit --epoch " + epoch + "' to see what differs");
        }
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
    try (Derivation d = derive(epoch, config.policy(), snapshots)) {
      progress.step(String.format("derived: %d payout rows, %d recipients, root %s", d.payoutRows(), d.recipients(),
          d.root()));
      String path = config.manifestDir().replaceAll("/+$", "") + "/epoch-" + epoch + ".json";
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.setWriteChecksum(false); // no .crc beside the file: its sha256 is in rewards.epoch_manifests
      MessageDigest digest = sha256();
      try (OutputStream out = new DigestOutputStream(new java.io.BufferedOutputStream(fs.create(p, true), 1 << 16), digest)) {
        d.writeManifest(out, config.policy());
      }
      String sha = HexFormat.of().formatHex(digest.digest());
      progress.step("manifest written: " + path + " (sha256 " + sha + ")");
      var w = d.payouts().select(lit(epoch).as("epoch"), col("address"), col("role"), col("amount_wei"), col("cumulative_wei"))
          .writeTo(lh.sparkName(Tables.EPOCH_PAYOUTS)).option("snapshot-property.poa.epoch", epoch);
      try {
        w.overwrite(col("epoch").equalTo(epoch));
      } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
        throw new IllegalStateException(e);
      }
      Row manifest = RowFactory.create(epoch, config.policy().version(), config.policy().toJson(), d.root(),
          new BigDecimal(d.totalWei()), new BigDecimal(d.cumulativeTotalWei()), d.recipients(), path, sha,
          CollectionConverters.asScala(d.inputSnapshots()), "finalised", Timestamp.from(Instant.now()));
      // written last: the epoch is finalised once this row exists
      IcebergWrites.append(spark.createDataFrame(List.of(manifest), spark.table(lh.sparkName(Tables.MANIFESTS)).schema()),
          lh.sparkName(Tables.MANIFESTS), Map.of("poa.epoch", epoch));
      progress.step(String.format("epoch %s finalised: %d payout rows, %d recipients, root %s", epoch, d.payoutRows(),
          d.recipients(), d.root()));
      return new Result(epoch, false, d.root(), d.totalWei(), d.cumulativeTotalWei(), d.recipients(), path,
          d.inputSnapshots());
    }
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
  public Derivation derive(String epoch, RewardPolicy policy, Map<String, Long> snapshots) {
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
    Dataset<Row> aggregated = spark.createDataFrame(split, PAYOUT).groupBy("address", "role")
        .agg(sum("amount").as("amount")).filter(col("amount").gt(0)).persist(StorageLevel.MEMORY_AND_DISK());
    List<Dataset<Row>> cached = new ArrayList<>(List.of(aggregated));
    BigInteger pool = BigInteger.ZERO;
    for (Row r : aggregated.filter(col("role").equalTo(POOL)).agg(sum("amount")).collectAsList()) {
      pool = r.isNullAt(0) ? BigInteger.ZERO : ((BigDecimal) r.get(0)).toBigIntegerExact();
    }
    List<Row> validatorRows = new ArrayList<>();
    if (pool.signum() > 0) {
      if (validatorWeights.isEmpty()) {
        // nobody attested a contribution that earned: the validators' part goes to the treasury
        validatorRows.add(RowFactory.create(policy.treasury(), "treasury", new BigDecimal(pool)));
      } else {
        List<LargestRemainder.Part> parts = new ArrayList<>();
        for (Row v : validatorWeights) {
          parts.add(new LargestRemainder.Part(v.getString(0), BigInteger.valueOf(v.getLong(1))));
        }
        BigInteger[] amounts = LargestRemainder.split(pool, parts);
        for (int i = 0; i < parts.size(); i++) {
          validatorRows.add(RowFactory.create(parts.get(i).key(), "validator", new BigDecimal(amounts[i])));
        }
      }
    }
    Dataset<Row> perRole = aggregated.filter(col("role").notEqual(POOL))
        .unionByName(spark.createDataFrame(validatorRows, PAYOUT))
        .groupBy("address", "role").agg(sum("amount").as("amount_wei"))
        .filter(col("amount_wei").gt(0)).persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(perRole);
    BigInteger fees = BigInteger.ZERO;
    for (Row r : logs.agg(sum("fee_wei")).collectAsList()) {
      fees = r.isNullAt(0) ? BigInteger.ZERO : ((BigDecimal) r.get(0)).toBigIntegerExact();
    }
    BigInteger total = BigInteger.ZERO;
    for (Row r : perRole.agg(sum("amount_wei")).collectAsList()) {
      total = r.isNullAt(0) ? BigInteger.ZERO : ((BigDecimal) r.get(0)).toBigIntegerExact();
    }
    if (!total.equals(fees)) {
      cached.forEach(Dataset::unpersist);
      throw new IllegalStateException("payouts " + total + " do not reconcile with the epoch's fees " + fees);
    }
    // leaves: every address paid so far, with its cumulative amount (previous epochs' + this one's)
    Dataset<Row> previous = at(Tables.EPOCH_PAYOUTS, snapshots).filter(col("epoch").lt(epoch))
        .groupBy("address").agg(max("cumulative_wei").as("previous"));
    Dataset<Row> leaves = perRole.groupBy("address").agg(sum("amount_wei").as("earned"))
        .join(previous, new String[] {"address"}, "full_outer")
        .select(col("address"), coalesce(col("previous"), lit(BigDecimal.ZERO))
            .plus(coalesce(col("earned"), lit(BigDecimal.ZERO))).cast(WEI).as("cumulative_wei"))
        .withColumn("leaf_hash", LEAF_HASH.apply(col("address"), col("cumulative_wei")))
        .persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(leaves);
    Dataset<Row> payouts = perRole.join(leaves.select("address", "cumulative_wei"), "address")
        .select("address", "role", "amount_wei", "cumulative_wei").persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(payouts);
    long n = leaves.count();
    if (n == 0) {
      cached.forEach(Dataset::unpersist);
      throw new IllegalArgumentException("Epoch " + epoch + " has nothing to pay (no fees in it or before it)");
    }
    if (n > Integer.MAX_VALUE / 2) {
      cached.forEach(Dataset::unpersist);
      throw new IllegalArgumentException("Epoch " + epoch + " has " + n + " recipients: more than one Merkle tree holds");
    }
    // the driver gets the leaf hashes (hashed on the executors), in address order: all the tree needs
    byte[][] hashes = new byte[(int) n][];
    Iterator<Row> it = leaves.select("leaf_hash").orderBy(leaves.col("address")).toLocalIterator();
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = (byte[]) it.next().get(0);
    }
    BigInteger cumulativeTotal = BigInteger.ZERO;
    for (Row r : leaves.agg(sum("cumulative_wei")).collectAsList()) {
      cumulativeTotal = ((BigDecimal) r.get(0)).toBigIntegerExact();
    }
    return new Derivation(epoch, payouts, leaves, cached, StandardMerkleTree.ofLeafHashes(hashes), total, cumulativeTotal,
        payouts.count(), snapshots);
  }

  static final org.apache.spark.sql.types.DecimalType WEI = DataTypes.createDecimalType(38, 0);

  /** keccak256(keccak256(abi.encode(address, uint256))) of a leaf, on the executors. */
  static final UserDefinedFunction LEAF_HASH = udf((UDF2<String, BigDecimal, byte[]>) (address, amount) ->
      StandardMerkleTree.leafHash(new StandardMerkleTree.Leaf(address, amount.toBigIntegerExact())), DataTypes.BinaryType);

}
