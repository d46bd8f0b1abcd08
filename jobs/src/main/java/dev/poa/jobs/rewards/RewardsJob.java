package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.poa.jobs.ConflictException;
import dev.poa.jobs.PoaSpark;
import dev.poa.jobs.Progress;
import dev.poa.jobs.attribution.PublishedAttribution;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.ExitStatus;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.NotReadyException;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import dev.poa.udfs.Epochs;
import dev.poa.udfs.SubmissionValidator;
import dev.poa.udfs.rewards.FeeSplit;
import dev.poa.udfs.rewards.LargestRemainder;
import dev.poa.udfs.rewards.MerkleDump;
import dev.poa.udfs.rewards.RewardPolicy;
import dev.poa.udfs.rewards.ShareWeights;
import dev.poa.udfs.rewards.StandardMerkleTree;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Turns an epoch's fees into exact payouts and a Merkle manifest. Every input is read at a
 * snapshot pinned at the start (and recorded), so the epoch can be re-derived later by
 * {@link #derive} with the same snapshot ids (what {@code poa audit} does).
 *
 * <p>It guards itself: under the lakehouse lease, it refuses ({@link NotReadyException}) an epoch
 * that has not ended, that has an earlier epoch with inferences not yet final, or whose inferences
 * are not all covered by the epoch's published attribution ({@link #requireReady}); and the
 * manifest row, which finalises the epoch, is committed only if no other row of the epoch was
 * committed meanwhile.
 *
 * <p>Per inference: the attribution method is gradient when the inference is attributed by
 * gradient, else span when attributed by span, else none (unattributed); only the rows of the
 * published attribution runs count ({@link PublishedAttribution}). Contributor weights are the
 * chosen method's shares as fixed-point integers (round(share·2^40), summed per contributor),
 * without the rows of contributions that a quorum of validators declared invalid before the
 * epoch's end (slashing; {@link RewardRules}). {@link FeeSplit} splits the fee exactly. The
 * validators' parts are pooled and split by the number of contributions each validator attested
 * valid (before the epoch's end) that earned in the epoch; with none, the pool goes to the
 * treasury. Leaves are (address, cumulative amount over all finalised epochs up to this one);
 * epochs are finalised in order, each with its chain number stored in its manifest row.
 */
public final class RewardsJob {
  /** What to finalise, with which policy and validation rules, and where the manifest file goes. */
  public record Config(String epoch, RewardPolicy policy, String manifestDir, RewardRules rules) {
    public Config(String epoch, RewardPolicy policy, String manifestDir) {
      this(epoch, policy, manifestDir, RewardRules.DEFAULT);
    }
  }

  public record Result(String epoch, boolean alreadyFinalised, String root, BigInteger totalWei,
      BigInteger cumulativeTotalWei, long recipients, String manifestPath, Map<String, Long> inputSnapshots) {}

  /**
   * What an epoch derives to. The payout rows and leaves stay in Spark (cached: close the
   * derivation); the driver holds only the Merkle tree, i.e. 32 bytes per leaf and node.
   */
  public static final class Derivation implements AutoCloseable {
    private final String epoch;
    /** The payout rows as they come out of the sorted leaves: in (address, role) order, which Spark does not know. */
    private final Dataset<Row> payoutsInLeafOrder;
    private final Dataset<Row> leaves;
    private final List<Dataset<Row>> cached;
    private final StandardMerkleTree tree;
    private final BigInteger totalWei;
    private final BigInteger cumulativeTotalWei;
    private final long payoutRows;
    private final Map<String, Long> inputSnapshots;

    Derivation(String epoch, Dataset<Row> payoutsInLeafOrder, Dataset<Row> leaves, List<Dataset<Row>> cached,
        StandardMerkleTree tree, BigInteger totalWei, BigInteger cumulativeTotalWei, long payoutRows,
        Map<String, Long> inputSnapshots) {
      this.epoch = epoch;
      this.payoutsInLeafOrder = payoutsInLeafOrder;
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

    /**
     * address, role, amount_wei, cumulative_wei: the epoch's rows of rewards.epoch_payouts, sorted within
     * each partition (as the table's writer requires; the manifest reads them unsorted, in the same order).
     */
    public Dataset<Row> payouts() {
      return payoutsInLeafOrder.sortWithinPartitions("address", "role");
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
      try (CachedOrder values = inCachedOrder(leaves.select("address", "cumulative_wei"), 1)) {
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
          // a million rows and more: written as bytes, as the values are (MerkleDump.RawArray), to the stream g writes to
          MerkleDump.RawArray rawPayouts = MerkleDump.RawArray.start(g, out, "payouts");
          // not sorted again: the leaves' order is already (address, role), which CachedOrder checks row by row
          // (a sort of every partition's payout rows, for each manifest written or audited, sorted nothing)
          try (CachedOrder rows = inCachedOrder(payoutsInLeafOrder.select("address", "role", "amount_wei"), 2)) {
            while (rows.hasNext()) {
              Row r = rows.next();
              rawPayouts.startObject();
              rawPayouts.stringField("address", r.getString(0));
              rawPayouts.stringField("role", r.getString(1));
              rawPayouts.stringField("amount_wei", MerkleDump.RawArray.decimal(((BigDecimal) r.get(2)).toBigIntegerExact()));
              rawPayouts.endObject();
            }
          }
          rawPayouts.end();
        });
      }
    }

    /** The sha256 of {@link #writeManifest}'s bytes, without keeping them. */
    public String manifestSha256(RewardPolicy policy) throws IOException {
      MessageDigest sha = SubmissionValidator.sha256Digest();
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

  public static final class ManifestMismatchException extends IllegalStateException implements ExitStatus {
    @Override
    public int exitCode() {
      return ExitStatus.CONFLICT;
    }

    public ManifestMismatchException(String m) {
      super(m);
    }
  }

  /** A wei amount of the epoch does not fit {@code decimal(38,0)}: nothing is written. */
  public static final class AmountOverflowException extends dev.poa.schemas.BadInputException {
    public AmountOverflowException(String m, Throwable cause) {
      super(m, cause);
    }
  }

  static final List<TableDefinition> INPUTS = List.of(Tables.INFERENCE_LOGS, Tables.INFERENCE_SUMMARY, Tables.SCORES,
      Tables.ATTRIBUTION_RUNS, Tables.ADAPTERS, Tables.VALIDATIONS, Tables.VALIDATORS, Tables.EPOCH_PAYOUTS);
  static final int SHARE_BITS = 40;

  private final Lakehouse lh;
  private final SparkSession spark;
  private final Progress progress;
  /** table → the ref (tag name or snapshot id) through which its pinned snapshot is read. */
  private final Map<String, String> refs;

  public RewardsJob(Lakehouse lh, Progress progress) {
    this(lh, progress, Map.of());
  }

  private RewardsJob(Lakehouse lh, Progress progress, Map<String, String> refs) {
    this.lh = lh;
    this.spark = lh.spark();
    this.progress = progress;
    this.refs = Map.copyOf(refs);
  }

  /**
   * The same job reading the given tables through the given refs (a tag name, or a snapshot id)
   * instead of the snapshot ids it derives from: how {@code poa audit} reads through the epoch's
   * tags. Each ref must point at that snapshot id (the caller checks).
   */
  public RewardsJob readingThrough(Map<String, String> refs) {
    return new RewardsJob(lh, progress, refs);
  }

  public Result run(Config config) throws IOException {
    String epoch = Epochs.resolve(config.epoch());
    try (LakehouseLease lease = lh.lease("rewards --epoch " + epoch, progress::step)) {
      lh.migrate();
      return run(config, epoch, lease);
    }
  }

  private Result run(Config config, String epoch, LakehouseLease lease) throws IOException {
    long manifestsRead = lh.currentSnapshotId(Tables.MANIFESTS);
    List<Row> manifests = spark.table(lh.sparkName(Tables.MANIFESTS)).orderBy("epoch").collectAsList();
    Row done = manifests.stream().filter(m -> epoch.equals(m.getAs("epoch"))).findFirst().orElse(null);
    Map<String, Long> snapshots = new TreeMap<>();
    for (TableDefinition t : INPUTS) {
      snapshots.put(t.qualifiedName(), lh.currentSnapshotId(t));
    }
    if (done != null) {
      return alreadyFinalised(config, epoch, done, snapshots);
    }
    String later = manifests.isEmpty() ? null : manifests.get(manifests.size() - 1).getAs("epoch");
    if (later != null && later.compareTo(epoch) > 0) {
      throw new ConflictException("Epoch " + later + " is already finalised: epochs are finalised in order (cumulative"
          + " amounts build on earlier epochs), so " + epoch + " can no longer be");
    }
    requireReady(epoch, manifests, snapshots);
    try (Derivation d = derive(epoch, config.policy(), config.rules(), snapshots)) {
      progress.step(String.format("derived: %d payout rows, %d recipients, root %s", d.payoutRows(), d.recipients(),
          d.root()));
      String path = config.manifestDir().replaceAll("/+$", "") + "/epoch-" + epoch + ".json";
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.setWriteChecksum(false); // no .crc beside the file: its sha256 is in rewards.epoch_manifests
      MessageDigest digest = SubmissionValidator.sha256Digest();
      lease.assertHeld();
      try (OutputStream out = new DigestOutputStream(new java.io.BufferedOutputStream(fs.create(p, true), 1 << 16), digest)) {
        d.writeManifest(out, config.policy());
      }
      String sha = HexFormat.of().formatHex(digest.digest());
      progress.step("manifest written: " + path + " (sha256 " + sha + ")");
      lease.assertHeld();
      var w = d.payouts().select(lit(epoch).as("epoch"), col("address"), col("role"), col("amount_wei"), col("cumulative_wei"))
          .writeTo(lh.sparkName(Tables.EPOCH_PAYOUTS)).option("snapshot-property.poa.epoch", epoch)
          // the rows come out of the range-partitioned, sorted leaves already in the table's order (address, role):
          // the table's own distribution (range, for a sorted table) sampled and shuffled them again, two jobs
          .option("distribution-mode", "none");
      try {
        w.overwrite(col("epoch").equalTo(epoch));
      } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
        throw new IllegalStateException(e);
      }
      long chainEpoch = nextChainEpoch(manifests);
      Row manifest = RowFactory.create(epoch, config.policy().version(), config.policy().toJson(), d.root(),
          new BigDecimal(d.totalWei()), new BigDecimal(d.cumulativeTotalWei()), d.recipients(), path, sha,
          CollectionConverters.asScala(d.inputSnapshots()), "finalised", Timestamp.from(Instant.now()), chainEpoch,
          CollectionConverters.asScala(config.rules().toMap()));
      // the snapshots it read are tagged before the epoch is final, so snapshot expiry never takes them
      lease.assertHeld();
      EpochTags.tag(lh, epoch, d.inputSnapshots());
      // written last: the epoch is finalised once this row exists
      lease.assertHeld();
      commitManifestRow(manifest, epoch, manifestsRead);
      progress.step(String.format("epoch %s finalised as chain epoch #%d: %d payout rows, %d recipients, root %s", epoch,
          chainEpoch, d.payoutRows(), d.recipients(), d.root()));
      return new Result(epoch, false, d.root(), d.totalWei(), d.cumulativeTotalWei(), d.recipients(), path,
          d.inputSnapshots());
    }
  }

  /**
   * A rerun of a finalised epoch: recomputed on today's tables under the validation rules it was
   * finalised with (a later change of poa.validation.quorum applies to later epochs), it must give
   * the same root with the same policy.
   */
  private Result alreadyFinalised(Config config, String epoch, Row m, Map<String, Long> snapshots) {
    RewardRules recorded = RewardRules.of(settingsOf(m));
    try (Derivation again = derive(epoch, config.policy(), recorded, snapshots)) {
      if (!again.root().equals(m.getAs("root")) || !config.policy().toJson().equals(m.getAs("policy_json"))) {
        throw new ManifestMismatchException("Epoch " + epoch + " is finalised with root " + m.getAs("root")
            + ", but recomputing it now gives " + again.root()
            + " (late inputs or another policy): run 'poa audit --epoch " + epoch + "' to see what differs");
      }
    }
    EpochTags.Repair tags = EpochTags.ensure(lh, List.of(m));
    if (tags.created() > 0) {
      progress.step(tags.describe());
    }
    progress.step("epoch " + epoch + " is already finalised (" + recorded + "); recomputation matches");
    return new Result(epoch, true, m.getAs("root"), ((BigDecimal) m.getAs("total_wei")).toBigIntegerExact(),
        ((BigDecimal) m.getAs("cumulative_total_wei")).toBigIntegerExact(), m.getAs("recipients"),
        m.getAs("manifest_path"), snapshots);
  }

  /**
   * The preconditions of finalising an epoch, each refused with {@link NotReadyException} naming
   * what to run or wait for: the epoch has ended; every earlier epoch with inferences is final
   * (epochs are finalised in order, and one left behind could never be paid); and every inference
   * of the epoch, as of the pinned snapshot of the logs, is covered by the published attribution
   * run(s) of the epoch (a run that covers fewer ran before some of the epoch's logs arrived).
   */
  void requireReady(String epoch, List<Row> manifests, Map<String, Long> snapshots) {
    Instant end = Epochs.end(epoch);
    if (Instant.now().isBefore(end)) {
      throw new NotReadyException("Epoch " + epoch + " has not ended: it ends at " + end + " (UTC days); run"
          + " 'poa rewards --epoch " + epoch + "' after that");
    }
    Dataset<Row> logs = at(Tables.INFERENCE_LOGS, snapshots);
    java.util.Set<String> finalised = new java.util.HashSet<>();
    manifests.forEach(m -> finalised.add(m.getAs("epoch")));
    for (Row r : logs.filter(col("epoch").lt(epoch)).select("epoch").distinct().orderBy("epoch").collectAsList()) {
      if (!finalised.contains(r.getString(0))) {
        throw new NotReadyException("Epoch " + r.getString(0) + " has inferences and is not finalised: epochs are"
            + " finalised in order; run 'poa rewards --epoch " + r.getString(0) + "' first");
      }
    }
    PublishedAttribution published = PublishedAttribution.of(epoch, at(Tables.ATTRIBUTION_RUNS, snapshots));
    List<PublishedAttribution.Run> runs = published.runs();
    List<String> keys = new ArrayList<>();
    runs.forEach(r -> keys.add(r.rowRunId()));
    if (keys.isEmpty()) {
      keys.add(null); // rows written without any run (before runs were recorded)
    }
    Coverage coverage = coverage(logs.filter(col("epoch").equalTo(epoch)),
        published.rows(at(Tables.INFERENCE_SUMMARY, snapshots)), keys);
    long inferences = coverage.inferences();
    if (inferences == 0) {
      return; // nothing to attribute: the epoch pays nothing, and its leaves carry the earlier epochs'
    }
    for (int k = 0; k < keys.size(); k++) {
      String key = keys.get(k);
      long n = coverage.covered()[k];
      if (n == 0) {
        throw new NotReadyException("Epoch " + epoch + " has " + inferences + " inference(s) and no published attribution:"
            + " run 'poa attribute --epoch " + epoch + "' first");
      }
      if (n < inferences) {
        String which = runs.stream().filter(r -> java.util.Objects.equals(r.rowRunId(), key)).findFirst()
            .map(PublishedAttribution.Run::describe).orElse("attribution");
        throw new NotReadyException("Epoch " + epoch + ": " + which + " attributed " + n + " of its " + inferences
            + " inference(s); " + (inferences - n) + " (e.g. " + coverage.firstMissing()[k] + ") were ingested after it ran:"
            + " run 'poa attribute --epoch " + epoch + "' again");
      }
    }
  }

  /**
   * How far each published run covers the epoch's inferences: the epoch's log rows, those whose
   * request has a row of run {@code keys[k]} in the summary, and the smallest request id without one.
   */
  record Coverage(long inferences, long[] covered, String[] firstMissing) {}

  /**
   * {@link Coverage} in one Spark job: the epoch's log rows and the published summary rows are
   * grouped by request together (one shuffle), then summed into one row; a distinct, a join, a
   * checkpoint and two counts took four jobs and two scans of the logs.
   */
  static Coverage coverage(Dataset<Row> epochLogs, Dataset<Row> publishedSummary, List<String> keys) {
    Column noRun = lit(null).cast("string");
    Dataset<Row> rows = epochLogs.select(col("request_id"), lit(1L).as("logged"), noRun.as("run_id"), lit(false).as("summary"))
        .unionByName(publishedSummary.select(col("request_id"), lit(0L).as("logged"), col("run_id"), lit(true).as("summary")));
    List<Column> perRequest = new ArrayList<>();
    perRequest.add(sum("logged").as("logged"));
    for (int k = 0; k < keys.size(); k++) {
      Column ofRun = col("summary").and(col("run_id").eqNullSafe(lit(keys.get(k)).cast("string")));
      perRequest.add(max(ofRun).as("c" + k));
    }
    Dataset<Row> requests = rows.groupBy("request_id")
        .agg(perRequest.get(0), perRequest.subList(1, perRequest.size()).toArray(Column[]::new))
        .filter(col("logged").gt(0));
    List<Column> totals = new ArrayList<>();
    for (int k = 0; k < keys.size(); k++) {
      totals.add(coalesce(sum(when(col("c" + k), col("logged"))), lit(0L)));
      totals.add(org.apache.spark.sql.functions.min(when(col("c" + k).equalTo(false), col("request_id"))));
    }
    Row r = requests.agg(coalesce(sum("logged"), lit(0L)), totals.toArray(Column[]::new)).first();
    long[] covered = new long[keys.size()];
    String[] firstMissing = new String[keys.size()];
    for (int k = 0; k < keys.size(); k++) {
      covered[k] = r.getLong(1 + 2 * k);
      firstMissing[k] = r.getString(2 + 2 * k);
    }
    return new Coverage(r.getLong(0), covered, firstMissing);
  }

  /** The chain number of the next finalised epoch: one more than the last (stored, or its position). */
  static long nextChainEpoch(List<Row> manifestsByEpoch) {
    long last = 0;
    for (int i = 0; i < manifestsByEpoch.size(); i++) {
      Row m = manifestsByEpoch.get(i);
      Long stored = m.isNullAt(m.fieldIndex("chain_epoch")) ? null : m.getAs("chain_epoch");
      last = Math.max(last, stored != null ? stored : i + 1);
    }
    return last + 1;
  }

  /**
   * Appends the manifest row only if no row of this epoch was committed since the snapshot this
   * run read: Iceberg validates it at commit (serializable isolation), so two writers can never
   * both finalise one epoch, lease or not.
   */
  private void commitManifestRow(Row manifest, String epoch, long readSnapshot) {
    var w = spark.createDataFrame(List.of(manifest), spark.table(lh.sparkName(Tables.MANIFESTS)).schema())
        .writeTo(lh.sparkName(Tables.MANIFESTS)).option("snapshot-property.poa.epoch", epoch)
        .option("isolation-level", "serializable");
    if (readSnapshot >= 0) {
      w = w.option("validate-from-snapshot-id", Long.toString(readSnapshot));
    }
    try {
      w.overwrite(col("epoch").equalTo(epoch));
    } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
      throw new IllegalStateException(e);
    } catch (RuntimeException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof org.apache.iceberg.exceptions.ValidationException) {
          throw new ConflictException("Another run finalised epoch " + epoch + " while this one ran (" + c.getMessage()
              + "): its manifest row stands; run 'poa audit --epoch " + epoch + "'", e);
        }
      }
      throw e;
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> settingsOf(Row manifest) {
    if (!List.of(manifest.schema().fieldNames()).contains("settings") || manifest.isNullAt(manifest.fieldIndex("settings"))) {
      return null;
    }
    return CollectionConverters.asJava((scala.collection.Map<String, String>) manifest.getAs("settings"));
  }

  private Dataset<Row> at(TableDefinition t, Map<String, Long> snapshots) {
    long id = snapshots.getOrDefault(t.qualifiedName(), -1L);
    return id < 0 ? spark.table(lh.sparkName(t)).limit(0)
        : spark.read().option("versionAsOf", refs.getOrDefault(t.qualifiedName(), Long.toString(id)))
            .table(lh.sparkName(t));
  }

  static final StructType PAYOUT = new StructType()
      .add("address", DataTypes.StringType, false)
      .add("role", DataTypes.StringType, false)
      .add("amount", DataTypes.createDecimalType(38, 0), false);

  /** {@link #derive(String, RewardPolicy, RewardRules, Map)} under the default rules. */
  public Derivation derive(String epoch, RewardPolicy policy, Map<String, Long> snapshots) {
    return derive(epoch, policy, RewardRules.DEFAULT, snapshots);
  }

  /**
   * Derives an epoch from the given snapshots (earlier epochs' payouts give the previous
   * cumulative amounts; the epoch's own rows, if any, are ignored). Every wei amount is summed
   * with ANSI arithmetic and checked: an amount beyond {@code decimal(38,0)} fails loudly
   * ({@link AmountOverflowException}) instead of turning into a null that would reconcile as zero.
   */
  public Derivation derive(String epoch, RewardPolicy policy, RewardRules rules, Map<String, Long> snapshots) {
    return PoaSpark.withSettings(spark, DERIVATION_SETTINGS, () -> {
      List<Dataset<Row>> cached = new ArrayList<>();
      try {
        return derive(epoch, policy, rules, snapshots, cached);
      } catch (ArithmeticException e) {
        cached.forEach(Dataset::unpersist);
        throw overflow(epoch, e);
      } catch (RuntimeException e) {
        cached.forEach(Dataset::unpersist);
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
          if (c instanceof ArithmeticException a) {
            throw overflow(epoch, a);
          }
        }
        throw e;
      }
    });
  }

  /**
   * Session settings while an epoch is derived (the previous values are put back after).
   *
   * <ul>
   *   <li>ANSI arithmetic: an overflowing wei sum fails instead of turning into a null.
   *   <li>Sort-based aggregation for {@code collect_list}: the object hash aggregate gives up on
   *       hashing beyond 128 keys and sorts anyway, and its output is unsorted, so the join and the
   *       leaf order after it sorted the same rows again; the sort aggregate reads input that is
   *       already in key order (after a sort-merge join or within a range partition) and keeps it.
   *       At 1M recipients the derivation went from 42 s to 35–38 s (bench/RESULTS.md).
   * </ul>
   */
  static final Map<String, String> DERIVATION_SETTINGS = Map.of("spark.sql.ansi.enabled", "true",
      "spark.sql.execution.useObjectHashAggregateExec", "false");

  private static AmountOverflowException overflow(String epoch, Throwable cause) {
    String m = cause.getMessage() == null ? cause.toString() : cause.getMessage().lines().findFirst().orElse("");
    return new AmountOverflowException("A wei amount of epoch " + epoch + " does not fit decimal(38,0) (at most 10^38 - 1"
        + " wei): nothing was written (" + m + ")", cause);
  }

  private Derivation derive(String epoch, RewardPolicy policy, RewardRules rules, Map<String, Long> snapshots,
      List<Dataset<Row>> cached) {
    Dataset<Row> logs = at(Tables.INFERENCE_LOGS, snapshots).filter(col("epoch").equalTo(epoch))
        .select("request_id", "adapter_id", "fee_wei");
    PublishedAttribution published = PublishedAttribution.of(epoch, at(Tables.ATTRIBUTION_RUNS, snapshots));
    Dataset<Row> summaries = published.rows(at(Tables.INFERENCE_SUMMARY, snapshots));
    Dataset<Row> scores = published.rows(at(Tables.SCORES, snapshots));
    Dataset<Row> attestations = countedAttestations(epoch, rules, snapshots);
    Dataset<Row> slashed = slashed(attestations, rules.quorum());
    Dataset<Row> earning = earningShares(scores, chosenMethods(summaries), slashed);
    List<Row> validatorWeights = validatorWeights(epoch, rules, attestations, earning, snapshots);
    Dataset<Row> served = logs.join(at(Tables.ADAPTERS, snapshots).select("adapter_id", "owner"), "adapter_id");
    // the validators' parts are summed by the split itself, into one pool row (or, when no validator earns,
    // straight into the treasury's row, where the pool would go): a separate pass over the fees cost a scan of
    // the logs and a Spark job
    boolean poolToTreasury = validatorWeights.isEmpty();
    Dataset<Row> split = splitFees(served, summaries, scores, slashed, policy, poolToTreasury)
        .groupBy("address", "role").agg(sum("amount").as("amount_wei"))
        .filter(col("amount_wei").isNull().or(col("amount_wei").gt(0))).persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(split);
    BigInteger fees = weiSum(logs, "fee_wei", lit(true), "the epoch's fees");
    BigInteger[] sums = weiSums(split, "amount_wei", "the epoch's payouts", lit(true), col("address").equalTo(POOL));
    BigInteger total = sums[0];
    if (!total.equals(fees)) {
      throw new IllegalStateException("payouts " + total + " do not reconcile with the epoch's fees " + fees);
    }
    // the pool's rows are validators' (role validator), which no row of the split has: nothing to sum with
    List<Row> poolRows = poolToTreasury ? List.of() : poolPayouts(sums[1], validatorWeights, policy).stream()
        .filter(r -> ((BigDecimal) r.get(2)).signum() > 0).toList();
    Dataset<Row> perRole = split.filter(col("address").notEqual(POOL))
        .unionByName(spark.createDataFrame(poolRows, PAYOUT).withColumnRenamed("amount", "amount_wei"));
    // in address order once, as the tree and the manifest read them: later reads in that order sort nothing.
    // Hashed after the range partitioning, which evaluates its input twice (sample, then shuffle)
    Dataset<Row> leaves = leaves(perRole, at(Tables.EPOCH_PAYOUTS, snapshots).filter(col("epoch").lt(epoch)))
        .withColumn("leaf_hash", LEAF_HASH.apply(col("address"), col("cumulative_wei")))
        .persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(leaves);
    // not cached: each of its two readers (the manifest, the table write) explodes the cached leaves again,
    // cheaper than caching 1M rows
    Dataset<Row> payouts = payoutRows(leaves);
    // the leaves' count, their cumulative total and the payout rows' count in one pass over the cached leaves
    Row counts = leaves.agg(org.apache.spark.sql.functions.count(lit(1)),
        sum(col("cumulative_wei")), org.apache.spark.sql.functions.count(when(col("cumulative_wei").isNull(), lit(1))),
        coalesce(sum(when(col("roles").isNotNull(), org.apache.spark.sql.functions.size(col("roles")))), lit(0L))).first();
    long n = counts.getLong(0);
    if (n == 0) {
      throw new BadInputException("Epoch " + epoch + " has nothing to pay (no fees in it or before it)");
    }
    if (n > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("Epoch " + epoch + " has " + n + " recipients: more than one Merkle tree holds");
    }
    if (counts.getLong(2) > 0 || counts.isNullAt(1)) {
      throw new ArithmeticException("an address's cumulative amount overflows decimal(38,0)");
    }
    BigInteger cumulativeTotal = ((BigDecimal) counts.get(1)).toBigIntegerExact();
    return new Derivation(epoch, payouts, leaves, cached, leafTree(leaves, n),
        total, cumulativeTotal, counts.getLong(3), snapshots);
  }

  /**
   * The payout rows of {@link #leaves}: each leaf carries its address's rows of the epoch, sorted by
   * role, so the rows come out of leaves sorted by address in (address, role) order, without a join,
   * a shuffle or a sort (Spark does not know that order; {@link #inCachedOrder} checks it).
   */
  static Dataset<Row> payoutRows(Dataset<Row> leaves) {
    return leaves.select(col("address"), explode(col("roles")).as("r"), col("cumulative_wei"))
        .select(col("address"), col("r.role").as("role"), col("r.amount_wei").as("amount_wei"), col("cumulative_wei"));
  }

  /** Per attributed inference, the method whose shares pay: gradient where it attributed it, else span. */
  static Dataset<Row> chosenMethods(Dataset<Row> summary) {
    return summary.filter(col("attributed"))
        .groupBy("request_id")
        .agg(max(when(col("method").equalTo("gradient"), lit(2)).otherwise(lit(1))).as("m"))
        .select(col("request_id"), when(col("m").equalTo(2), lit("gradient")).otherwise(lit("span")).as("method"));
  }

  /**
   * The attestations that count for the epoch: attested before its end and, under the registry
   * rule, by a validator registered for the contribution's DataNet at that time.
   */
  private Dataset<Row> countedAttestations(String epoch, RewardRules rules, Map<String, Long> snapshots) {
    Dataset<Row> attested = at(Tables.VALIDATIONS, snapshots)
        .filter(col("attested_at").lt(lit(Timestamp.from(Epochs.end(epoch)))));
    if (!rules.registry()) {
      return attested.select("validator", "contribution_id", "verdict", "attested_at");
    }
    Dataset<Row> registrations = registrations(snapshots);
    return attested.filter(col("datanet").isNotNull())
        .join(registrations, col("validator").equalTo(col("address")).and(col("datanet").equalTo(col("reg_datanet")))
            .and(col("attested_at").geq(col("valid_from")))
            .and(col("valid_until").isNull().or(col("attested_at").lt(col("valid_until")))), "left_semi")
        .select("validator", "contribution_id", "verdict", "attested_at");
  }

  /** One row per (validator, DataNet) registration period, at the pinned registry. */
  private Dataset<Row> registrations(Map<String, Long> snapshots) {
    return at(Tables.VALIDATORS, snapshots).select(col("address"),
        org.apache.spark.sql.functions.explode(col("datanets")).as("reg_datanet"), col("valid_from"), col("valid_until"));
  }

  /** Contributions that a quorum of distinct validators attested invalid before the epoch's end. */
  static Dataset<Row> slashed(Dataset<Row> attestations, int quorum) {
    return attestations.filter(col("verdict").equalTo("invalid"))
        .groupBy("contribution_id").agg(org.apache.spark.sql.functions.count_distinct(col("validator")).as("n"))
        .filter(col("n").geq(quorum)).select("contribution_id");
  }

  /**
   * The chosen method's share rows of each inference, without slashed contributions, as fixed-point
   * weights: the contributions that earn in the epoch, which the validators' weights count. (The
   * split applies the same rule to each request's rows itself, {@link #splitRequest}.) Joined on
   * the request alone, the rows of other methods getting no weight (one chosen row per request).
   */
  static Dataset<Row> earningShares(Dataset<Row> scores, Dataset<Row> chosen, Dataset<Row> slashed) {
    return scores.join(chosen.withColumnRenamed("method", "chosen_method"), "request_id")
        .withColumn("w", when(col("method").equalTo(col("chosen_method")), SHARE_WEIGHT.apply(col("share"))))
        .filter(col("w").gt(0)).drop("chosen_method")
        .join(slashed, new String[] {"contribution_id"}, "left_anti");
  }

  /**
   * The validators' weights: the number of contributions each attested valid that earned in the
   * epoch; under the registry rule, only validators registered (for that DataNet) during the epoch.
   */
  private List<Row> validatorWeights(String epoch, RewardRules rules, Dataset<Row> attestations, Dataset<Row> earning,
      Map<String, Long> snapshots) {
    Dataset<Row> vouched = attestations.filter(col("verdict").equalTo("valid"))
        .join(earning.select("contribution_id", "datanet").distinct(), "contribution_id");
    if (rules.registry()) {
      Timestamp start = Timestamp.from(Epochs.start(epoch));
      Timestamp end = Timestamp.from(Epochs.end(epoch));
      vouched = vouched.join(registrations(snapshots), col("validator").equalTo(col("address"))
          .and(col("datanet").equalTo(col("reg_datanet"))).and(col("valid_from").lt(lit(end)))
          .and(col("valid_until").isNull().or(col("valid_until").gt(lit(start)))), "left_semi");
    }
    return vouched.groupBy("validator").agg(org.apache.spark.sql.functions.count_distinct(col("contribution_id")).as("n"))
        .orderBy("validator").collectAsList();
  }

  /** The address of the validators' pool row in the split's output (no address is empty). */
  static final String POOL = "";

  /**
   * Every served inference's fee split exactly ({@link FeeSplit}, on the executors): one row per
   * contributor part, and per partition one row per (address, role) of the other parts, which
   * repeat (an adapter's owner, the treasury, the validators' pool) and are summed before the
   * shuffle. The validators' parts go to the pool row ({@link #POOL}, role validator), or to the
   * treasury's row when {@code poolToTreasury} (no validator earns in the epoch).
   *
   * <p>An inference's fee, its attributed methods (published summary rows) and its share rows are
   * shuffled together by request, one exchange, and each request is split where its rows meet, as
   * {@link #chosenMethods} and {@link #earningShares} define its weights: the chosen method's
   * shares, slashed contributions left out. Two sort-merge joins (the shares with the chosen
   * methods, then the weights with the fees) and a {@code collect_list} of the weights did the
   * same with two more sorts and the nested lists converted to Java rows.
   *
   * <p>The exchange has {@code spark.sql.shuffle.partitions} partitions, which AQE does not coalesce:
   * coalesced to one partition per core, each of two tasks sorted and partially summed half of the
   * epoch's rows at once (1.5M at 1M recipients), more than a task's share of execution memory in a
   * 1.5 GB driver, and spilled them to disk (bench/RESULTS.md, 2026-12-04, night).
   */
  private Dataset<Row> splitFees(Dataset<Row> served, Dataset<Row> summaries, Dataset<Row> scores, Dataset<Row> slashed,
      RewardPolicy policy, boolean poolToTreasury) {
    Column noText = lit(null).cast(DataTypes.StringType);
    Column noWei = lit(null).cast(WEI);
    Column noWeight = lit(null).cast(DataTypes.LongType);
    Dataset<Row> fees = served.select(col("request_id"), lit(FEE).as("kind"), noText.as("method"),
        col("owner").as("address"), col("fee_wei"), noWeight.as("w"));
    Dataset<Row> methods = summaries.filter(col("attributed")).select(col("request_id"), lit(METHOD).as("kind"),
        col("method"), noText.as("address"), noWei.as("fee_wei"), noWeight.as("w"));
    Dataset<Row> shares = scores.withColumn("w", SHARE_WEIGHT.apply(col("share"))).filter(col("w").gt(0))
        .join(slashed, new String[] {"contribution_id"}, "left_anti")
        .select(col("request_id"), lit(SHARE).as("kind"), col("method"), col("contributor").as("address"), noWei.as("fee_wei"),
            col("w"));
    Dataset<Row> byRequest = fees.unionByName(methods).unionByName(shares)
        .repartition(PoaSpark.shufflePartitions(spark), col("request_id")).sortWithinPartitions("request_id");
    List<String> validatorsTo = poolToTreasury ? List.of(policy.treasury(), "treasury") : List.of(POOL, "validator");
    JavaRDD<Row> split = byRequest.javaRDD().mapPartitions(rows -> splitPartition(rows, policy, validatorsTo));
    return spark.createDataFrame(split, PAYOUT);
  }

  /** The kinds of {@link #splitFees}'s rows (request_id, kind, method, address, fee_wei, w). */
  private static final int FEE = 0;
  private static final int METHOD = 1;
  private static final int SHARE = 2;

  /**
   * {@link #splitFees} of one partition of rows sorted by request: the contributors' rows as the
   * requests are split, then the other parts summed over the partition (a concatenated stream is
   * lazy: the sums are read only once every request is split).
   */
  private static Iterator<Row> splitPartition(Iterator<Row> rows, RewardPolicy policy, List<String> validatorsTo) {
    Map<List<String>, BigInteger> summed = new java.util.HashMap<>();
    Stream<Row> contributors = StreamSupport.stream(Spliterators.spliteratorUnknownSize(byRequest(rows),
        Spliterator.ORDERED), false).flatMap(request -> splitRequest(request, policy, validatorsTo, summed).stream());
    Stream<Row> rest = Stream.of(summed).flatMap(m -> m.entrySet().stream()
        .map(e -> RowFactory.create(e.getKey().get(0), e.getKey().get(1), new BigDecimal(e.getValue()))));
    return Stream.concat(contributors, rest).iterator();
  }

  /** Consecutive rows with the same request id (column 0), a list at a time. */
  private static Iterator<List<Row>> byRequest(Iterator<Row> rows) {
    return new Iterator<>() {
      private Row pending = rows.hasNext() ? rows.next() : null;

      public boolean hasNext() {
        return pending != null;
      }

      public List<Row> next() {
        if (pending == null) {
          throw new java.util.NoSuchElementException();
        }
        List<Row> request = new ArrayList<>();
        String id = pending.getString(0);
        do {
          request.add(pending);
          pending = rows.hasNext() ? rows.next() : null;
        } while (pending != null && id.equals(pending.getString(0)));
        return request;
      }
    };
  }

  /**
   * One request's fee rows split by the weights of its chosen method (gradient where a published
   * summary row attributed it by gradient, else span where one attributed it; none: unattributed);
   * the contributors' rows are returned, the other parts added to {@code summed}.
   */
  private static List<Row> splitRequest(List<Row> request, RewardPolicy policy, List<String> validatorsTo,
      Map<List<String>, BigInteger> summed) {
    List<Row> fees = new ArrayList<>(1);
    boolean attributed = false;
    boolean gradient = false;
    for (Row r : request) {
      if (r.getInt(1) == FEE) {
        fees.add(r);
      } else if (r.getInt(1) == METHOD) {
        attributed = true;
        gradient |= "gradient".equals(r.getString(2));
      }
    }
    List<Row> out = new ArrayList<>();
    if (fees.isEmpty()) {
      return out; // shares of an inference not served in the epoch pay nothing
    }
    Map<String, BigInteger> w = new TreeMap<>();
    if (attributed) {
      String chosen = gradient ? "gradient" : "span";
      for (Row r : request) {
        if (r.getInt(1) == SHARE && chosen.equals(r.getString(2))) {
          w.merge(r.getString(3), BigInteger.valueOf(r.getLong(5)), BigInteger::add);
        }
      }
    }
    for (Row fee : fees) {
      for (FeeSplit.Payout p : FeeSplit.split(((BigDecimal) fee.get(4)).toBigIntegerExact(), policy, fee.getString(3), w)) {
        if (p.address() == null) { // the validators' part
          summed.merge(validatorsTo, p.amount(), BigInteger::add);
        } else if (p.role().equals("contributor")) {
          out.add(RowFactory.create(p.address(), p.role(), new BigDecimal(p.amount())));
        } else {
          summed.merge(List.of(p.address(), p.role()), p.amount(), BigInteger::add);
        }
      }
    }
    return out;
  }

  /**
   * The validators' pool split by their weights (largest remainder, ties to the smaller address);
   * with no weight, the pool goes to the treasury.
   */
  static List<Row> poolPayouts(BigInteger pool, List<Row> validatorWeights, RewardPolicy policy) {
    List<Row> rows = new ArrayList<>();
    if (pool.signum() <= 0) {
      return rows;
    }
    if (validatorWeights.isEmpty()) {
      rows.add(RowFactory.create(policy.treasury(), "treasury", new BigDecimal(pool)));
      return rows;
    }
    List<LargestRemainder.Part> parts = new ArrayList<>();
    for (Row v : validatorWeights) {
      parts.add(new LargestRemainder.Part(v.getString(0), BigInteger.valueOf(v.getLong(1))));
    }
    BigInteger[] amounts = LargestRemainder.split(pool, parts);
    for (int i = 0; i < parts.size(); i++) {
      rows.add(RowFactory.create(parts.get(i).key(), "validator", new BigDecimal(amounts[i])));
    }
    return rows;
  }

  /**
   * Every address paid so far, with its cumulative amount (earlier epochs' + this one's) and its rows
   * of the epoch ({@code roles}: (role, amount_wei) sorted by role; null when it earned nothing in
   * the epoch), in address order: range-partitioned and sorted within each partition.
   *
   * <p>The epoch's rows and the earlier cumulative amounts (one per address) go through one range
   * partitioning by address, and each address is aggregated where it lands: the epoch's rows are
   * shuffled once, where an aggregate, a join and a global sort shuffled them twice and the sort's
   * sampling ran the aggregate and the join again.
   */
  static Dataset<Row> leaves(Dataset<Row> perRole, Dataset<Row> earlierPayouts) {
    Column noWei = lit(null).cast(WEI);
    Dataset<Row> rows = perRole.select(col("address"), lit(true).as("earned_now"), col("role"), col("amount_wei"),
            noWei.as("previous"))
        .unionByName(earlierPayouts.groupBy("address").agg(max("cumulative_wei").as("previous"))
            .select(col("address"), lit(false).as("earned_now"), lit("").as("role"), noWei.as("amount_wei"),
                col("previous")));
    return rows.repartitionByRange(col("address"))
        .groupBy("address").agg(sum(when(col("earned_now"), col("amount_wei"))).as("earned"),
            max("previous").as("previous"),
            array_sort(collect_list(when(col("earned_now"), struct(col("role"), col("amount_wei"))))).as("roles"))
        .select(col("address"), coalesce(col("previous"), lit(BigDecimal.ZERO))
                .plus(coalesce(col("earned"), lit(BigDecimal.ZERO))).cast(WEI).as("cumulative_wei"),
            when(org.apache.spark.sql.functions.size(col("roles")).gt(0), col("roles")).as("roles"))
        .sortWithinPartitions("address");
  }

  /**
   * The rows of a dataset read from the cached leaves (range-partitioned by address, sorted within
   * each partition), partition after partition: in address order, and by its first {@code keys}
   * columns (strings) strictly ascending, which is checked as they go by. Spark does not see the
   * order of a cached plan, so an {@code orderBy} sampled and shuffled the whole cache again for
   * each read. The rows are read ahead ({@link ReadAheadRows}), so the next partition is fetched
   * while the caller writes this one's.
   */
  static CachedOrder inCachedOrder(Dataset<Row> rows, int keys) {
    // the Dataset's own iterator (rows travel in Spark's binary format): no orderBy, so no exchange
    return new CachedOrder(new ReadAheadRows(rows, READ_AHEAD_BATCHES), keys);
  }

  /**
   * Batches of {@link ReadAheadRows#BATCH} rows read ahead of the manifest: 16 are 65,536 rows, half
   * of a partition of a million leaves, so the next partition's job starts while the manifest still
   * writes this one's rows; tens of megabytes of rows on the driver.
   */
  static final int READ_AHEAD_BATCHES = 16;

  /** {@link #inCachedOrder}'s rows: close it when done, or when leaving early. */
  static final class CachedOrder implements Iterator<Row>, AutoCloseable {
    private final ReadAheadRows rows;
    private final int keys;
    private Row previous;

    CachedOrder(ReadAheadRows rows, int keys) {
      this.rows = rows;
      this.keys = keys;
    }

    public boolean hasNext() {
      return rows.hasNext();
    }

    public Row next() {
      Row r = rows.next();
      if (previous != null && compareKeys(previous, r, keys) >= 0) {
        throw new IllegalStateException("rows out of address order: " + r + " after " + previous);
      }
      previous = r;
      return r;
    }

    @Override
    public void close() {
      rows.close();
    }
  }

  /** The order of two rows by their first {@code keys} columns, all strings (addresses, roles: ASCII). */
  static int compareKeys(Row a, Row b, int keys) {
    for (int k = 0; k < keys; k++) {
      int c = a.getString(k).compareTo(b.getString(k));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** A partition's leaf hashes, packed, with its first and last address (null when it is empty). */
  record HashBlock(String first, String last, byte[] hashes) implements java.io.Serializable {}

  /**
   * The tree of the leaf hashes (hashed on the executors) in address order: all the tree needs on
   * the driver. One job, each task packing its partition's hashes into one array, which the tree
   * copies into its own pages: a local iterator ran a job per partition, one after the other, and
   * an array per hash is a million objects for the garbage collector to trace. Read in the cached
   * order, which is checked ({@link #inCachedOrder}).
   */
  static StandardMerkleTree leafTree(Dataset<Row> leaves, long n) {
    List<HashBlock> parts = leaves.select("address", "leaf_hash").javaRDD().mapPartitions(rows -> {
      java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
      String first = null;
      String last = null;
      while (rows.hasNext()) {
        Row r = rows.next();
        byte[] h = (byte[]) r.get(1);
        if (h == null || h.length != 32) {
          throw new IllegalStateException("a leaf without a 32-byte hash: " + r.getString(0));
        }
        if (last != null && last.compareTo(r.getString(0)) >= 0) {
          throw new IllegalStateException("leaves out of address order: " + r.getString(0) + " after " + last);
        }
        first = first == null ? r.getString(0) : first;
        last = r.getString(0);
        block.writeBytes(h);
      }
      return List.of(new HashBlock(first, last, block.toByteArray())).iterator();
    }).collect();
    List<byte[]> blocks = new ArrayList<>();
    String last = null;
    for (HashBlock b : parts) {
      if (b.first() == null) {
        continue;
      }
      if (last != null && last.compareTo(b.first()) >= 0) {
        throw new IllegalStateException("leaf partitions out of address order: " + b.first() + " after " + last);
      }
      last = b.last();
      blocks.add(b.hashes());
    }
    StandardMerkleTree tree = StandardMerkleTree.ofPackedLeafHashes(blocks);
    if (tree.size() != n) {
      throw new IllegalStateException(tree.size() + " leaf hashes for the " + n + " leaves counted");
    }
    return tree;
  }

  /**
   * The exact sum of a wei column over the rows where {@code which} holds (0 when there are none),
   * in one pass that also counts nulls in the column over all rows: with ANSI arithmetic off, an
   * overflowing sum becomes null, which must fail here rather than reconcile as zero.
   */
  static BigInteger weiSum(Dataset<Row> rows, String column, Column which, String what) {
    return weiSums(rows, column, what, which)[0];
  }

  /** {@link #weiSum} over several subsets of the rows at once, in one pass. */
  static BigInteger[] weiSums(Dataset<Row> rows, String column, String what, Column... which) {
    List<Column> aggs = new ArrayList<>();
    for (Column w : which) {
      aggs.add(sum(when(w, col(column))));
      aggs.add(org.apache.spark.sql.functions.count(when(w, lit(1))));
    }
    aggs.add(org.apache.spark.sql.functions.count(when(col(column).isNull(), lit(1))));
    Row r = rows.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
    if (r.getLong(2 * which.length) > 0) {
      throw new ArithmeticException(what + " overflows decimal(38,0)");
    }
    BigInteger[] out = new BigInteger[which.length];
    for (int k = 0; k < which.length; k++) {
      if (r.isNullAt(2 * k) && r.getLong(2 * k + 1) > 0) {
        throw new ArithmeticException(what + " overflows decimal(38,0)");
      }
      out[k] = r.isNullAt(2 * k) ? BigInteger.ZERO : ((BigDecimal) r.get(2 * k)).toBigIntegerExact();
    }
    return out;
  }

  static final org.apache.spark.sql.types.DecimalType WEI = DataTypes.createDecimalType(38, 0);

  /**
   * A share's fixed-point weight, round(share·2^40) half up ({@link ShareWeights}: the same value as
   * Spark's {@code round} and ANSI cast, without a decimal string per row).
   */
  static final UserDefinedFunction SHARE_WEIGHT = udf((UDF1<Double, Long>) share ->
      share == null ? null : ShareWeights.weight(share, SHARE_BITS), DataTypes.LongType);

  /** keccak256(keccak256(abi.encode(address, uint256))) of a leaf, on the executors. */
  static final UserDefinedFunction LEAF_HASH = udf((UDF2<String, BigDecimal, byte[]>) (address, amount) ->
      amount == null ? null // an overflow, reported by the sum of the leaves
          : StandardMerkleTree.leafHash(new StandardMerkleTree.Leaf(address, amount.toBigIntegerExact())),
      DataTypes.BinaryType);

}
