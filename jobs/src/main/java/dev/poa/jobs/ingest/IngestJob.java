package dev.poa.jobs.ingest;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import dev.poa.jobs.IcebergWrites;
import dev.poa.jobs.PoaSpark;
import dev.poa.jobs.Progress;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.ExitStatus;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.Tables;
import dev.poa.udfs.DatanetPolicy;
import dev.poa.udfs.SubmissionValidator;
import dev.poa.udfs.spark.PoaUdfs;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.spark.CommitMetadata;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Ingests one batch of DataNet submissions: read, validate, deduplicate, commit.
 *
 * <p>Every input record becomes exactly one row of {@code datanet.submissions} (accepted,
 * duplicate, near_duplicate or rejected, with a reason). Commits happen in a fixed order, each an
 * atomic Iceberg commit tagged with the batch id in its snapshot summary ({@code poa.batch-id}):
 *
 * <ol>
 *   <li>{@code datanet.datanets}: DataNets seen for the first time, with the default policy;
 *   <li>{@code datanet.submissions}: the batch's rows, in one append: the batch's record of truth;
 *   <li>{@code datanet.contributions}: one MERGE inserting new contributions and adding to the
 *       submission counts of existing ones (guarded by {@code last_batch_id}, so it is idempotent);
 *   <li>{@code datanet.ingest_runs}: the batch's counts; its presence marks the batch complete.
 * </ol>
 *
 * A failure before step 2 leaves every table as it was (step 1 only adds DataNets, idempotently).
 * A failure after step 2 is finished by rerunning the same batch: the stored submissions are
 * reused as they are, steps 3 and 4 complete. A rerun of a complete batch changes nothing.
 *
 * <p>Shuffles: the exact-duplicate window, the LSH band self-join, the candidate verification
 * joins and, for a batch with more verified pairs than {@code poa.dedup.driver-cc-max-edges}, the
 * connected-components rounds ({@link Deduplication}); the commit writes are distributed by
 * partition (hash mode). Driver work: listing inputs, reading DataNet policies and, up to that
 * many pairs, the near-duplicate clusters (union-find).
 */
public final class IngestJob {
  public static final String BATCH_PROPERTY = "poa.batch-id";

  /**
   * What to ingest and how. {@code sparkCodegen}: run the batch's queries with Spark's code generation
   * (whole-stage and per expression) as the session has it; by default they run without it ({@link
   * #INTERPRETED}).
   */
  public record Config(
      List<String> inputs,
      String format,
      String batchId,
      boolean knownDatanetsOnly,
      long maxContentBytes,
      Deduplication.Settings dedup,
      boolean sparkCodegen) {
    /** A batch whose queries run without Spark's code generation. */
    public Config(List<String> inputs, String format, String batchId, boolean knownDatanetsOnly, long maxContentBytes,
        Deduplication.Settings dedup) {
      this(inputs, format, batchId, knownDatanetsOnly, maxContentBytes, dedup, false);
    }

    public Config {
      inputs = List.copyOf(inputs);
      if (inputs.isEmpty()) {
        throw new BadInputException("Give at least one --input");
      }
      if (format != null && !List.of("jsonl", "csv", "parquet").contains(format)) {
        throw new BadInputException("--format must be jsonl, csv or parquet, got " + format);
      }
      InputBatch.checkBatchId(batchId);
      if (maxContentBytes <= 0) {
        throw new BadInputException("poa.ingest.max-content-bytes must be positive");
      }
      Objects.requireNonNull(dedup, "dedup");
    }
  }

  /** Counts of one batch. {@code read == accepted + duplicate + nearDuplicate + rejected}. */
  public record Result(
      String batchId,
      Outcome outcome,
      long read,
      long accepted,
      long duplicate,
      long nearDuplicate,
      long rejected,
      Map<String, Long> rejectedByReason,
      Map<String, Long> snapshotIds) {
    public boolean reconciles() {
      return read == accepted + duplicate + nearDuplicate + rejected;
    }
  }

  public enum Outcome {
    INGESTED,
    /** A previous run had committed the submissions; this run finished the batch. */
    RESUMED,
    /** The batch was already complete; nothing was written. */
    ALREADY_INGESTED
  }

  /** Thrown when a batch id is reused for different inputs. */
  public static final class BatchConflictException extends RuntimeException implements ExitStatus {
    @Override
    public int exitCode() {
      return ExitStatus.CONFLICT;
    }

    public BatchConflictException(String message) {
      super(message);
    }
  }

  /**
   * The session settings a batch runs with unless {@link Config#sparkCodegen}: no whole-stage code and
   * expressions evaluated as they are, not compiled. A batch's time is its own Java code (validation,
   * MinHash, the shingle sets) and a fixed cost of some 80 small Spark jobs (25 queries, plans of up to 200
   * operators); compiling each plan's generated code (Janino), then the JIT compiling Janino and the
   * generated classes, a large part of it: in a batch of 10 records after two larger ones, the
   * JIT's compilations took 8 of the 15 core-seconds of its 8.4 s. Without code generation (the same
   * assignments; medians of three runs): 10 records 8.6 → 6.2 s, 6,994 records of real text 12.5 → 8.5 s,
   * 100,000 generated records no slower (bench/RESULTS.md, 2026-12-06). {@code factoryMode} is an
   * internal Spark setting, the one that selects the interpreted projections and predicates Spark
   * falls back to when generated code fails to compile. Subexpression elimination is off too: interpreted, it keeps
   * a cache of common subexpressions' values that it empties for every row, 3.7 % of a 100k batch's CPU samples,
   * and the batch's projections share no expensive subexpression (the UDFs run once per row either way). Off, with
   * the UDFs' arrays converted by encoders ({@code PoaUdfs}), the first 100k batch of a JVM took 47.2 s instead of
   * 50.8 s, 3 s less of it compiling (means of 9 and 11 alternated runs, the same assignments; either change alone,
   * no gain: bench/RESULTS.md, 2026-12-08).
   */
  public static final Map<String, String> INTERPRETED = Map.of(
      "spark.sql.codegen.wholeStage", "false",
      "spark.sql.codegen.factoryMode", "NO_CODEGEN",
      "spark.sql.subexpressionElimination.enabled", "false");

  /**
   * The Spark setting that lets adaptive execution coalesce the partitions of a plan it caches, as it does a plain
   * query's: the batch caches its validated rows and the dedup's intermediate results (the representatives, the
   * candidate pairs, the verified pairs), each kept in all of the session's shuffle partitions otherwise, so every
   * stage over them ran that many tasks, most of them empty for a small batch. A batch applies it unless the
   * session sets it itself.
   */
  public static final String COALESCE_CACHED_PLANS = "spark.sql.optimizer.canChangeCachedPlanOutputPartitioning";

  private final SparkSession spark;
  private final Lakehouse lakehouse;
  private final Progress progress;

  public IngestJob(Lakehouse lakehouse, Progress progress) {
    this.spark = lakehouse.spark();
    this.lakehouse = lakehouse;
    this.progress = progress;
  }

  public Result run(Config config) {
    InputBatch batch =
        InputBatch.resolve(spark.sparkContext().hadoopConfiguration(), config.inputs(), config.format(), config.batchId(), "b-");
    try (LakehouseLease lease = lakehouse.lease("ingest --batch-id " + batch.batchId(), progress::step)) {
      lakehouse.migrate();
      return run(config, batch, lease);
    }
  }

  private Result run(Config config, InputBatch batch, LakehouseLease lease) {
    List<InputFile> files = batch.files();
    String format = batch.format();
    String fingerprint = batch.fingerprint();
    String batchId = batch.batchId();
    progress.step("batch " + batchId + ": " + files.size() + " " + format + " file(s)");

    Row done = BatchLedger.completed(lakehouse, Tables.INGEST_RUNS, batchId);
    if (done != null) {
      if (!done.<String>getAs("input_fingerprint").equals(fingerprint)) {
        throw new BatchConflictException(
            "Batch " + batchId + " was already ingested from different inputs (files, sizes or times differ):"
                + " use a new --batch-id for new data");
      }
      progress.step("batch " + batchId + " is already ingested: nothing to do");
      return resultOf(done, Outcome.ALREADY_INGESTED);
    }
    // batches with rows but no completion row; this batch is among them when an earlier run of it stopped midway
    List<String> incomplete = BatchLedger.incomplete(lakehouse, Tables.SUBMISSIONS, Tables.INGEST_RUNS);
    refuseIfAnotherBatchIsIncomplete(batchId, incomplete);
    boolean hasRows = incomplete.contains(batchId);

    spark.sparkContext().setJobGroup("poa-ingest-" + batchId, "poa ingest " + batchId, false);
    Map<String, String> settings = new HashMap<>(config.sparkCodegen() ? Map.of() : INTERPRETED);
    if (spark.conf().get(COALESCE_CACHED_PLANS, null) == null) {
      settings.put(COALESCE_CACHED_PLANS, "true");
    }
    try {
      return PoaSpark.withSettings(spark, settings,
          () -> ingest(config, files, format, fingerprint, batchId, hasRows, lease));
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /** {@code hasRows}: datanet.submissions holds rows of this batch (an earlier run stopped after committing them). */
  private Result ingest(Config config, List<InputFile> files, String format, String fingerprint, String batchId,
      boolean hasRows, LakehouseLease lease) {
    Snapshot committedSubmissions = BatchLedger.committedSnapshot(lakehouse.table(Tables.SUBMISSIONS), batchId);
    // the commit's snapshot may have been expired while its rows stay: then its time comes from the rows
    boolean resuming = committedSubmissions != null || hasRows;
    if (committedSubmissions != null
        && !fingerprint.equals(committedSubmissions.summary().get("poa.input-fingerprint"))) {
      throw new BatchConflictException(
          "Batch " + batchId + " stopped midway and its inputs have changed since (files, sizes or times differ):"
              + " restore the original inputs and rerun it, or roll datanet.submissions back to the snapshot before "
              + committedSubmissions.snapshotId());
    }
    Instant startedAt = !resuming ? Instant.now()
        : committedSubmissions != null ? Instant.parse(committedSubmissions.summary().get("poa.ingested-at"))
        : spark.table(lakehouse.sparkName(Tables.SUBMISSIONS)).filter(col("batch_id").equalTo(batchId))
            .agg(org.apache.spark.sql.functions.min("ingested_at")).first().getTimestamp(0).toInstant();
    Map<String, Long> snapshots = new TreeMap<>();

    Map<String, DatanetPolicy> policies = DatanetRegistry.policies(lakehouse);
    SubmissionValidator validator =
        new SubmissionValidator(policies, config.knownDatanetsOnly(), config.maxContentBytes());
    PoaUdfs.register(spark);

    progress.step("reading and validating records");
    describe("read and validate " + batchId);
    // Signatures are computed once per valid record, for dedup and for the stored rows. The
    // normalised text is not kept: it served the signature, and dedup recomputes it for the few
    // rows whose pairs it verifies (28k of the 100k rows of bench/run ingest), from the content.
    Dataset<Row> validated =
        Deduplication.withMinhash(
                Validation.validate(spark, RawRecords.read(spark, files, format), validator, batchId),
                col("reason").isNull(),
                config.dedup())
            .drop("normalized")
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long read = validated.count();
      progress.step(read + " records read");

      // the DataNets of the batch's valid rows; unknown (null) when finishing a batch an earlier run started
      List<String> batchDatanets = null;
      if (!resuming) {
        Dataset<Row> valid = validated.filter(col("reason").isNull());
        batchDatanets =
            valid.select("datanet").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList().stream()
                .sorted()
                .toList();
        List<String> newDatanets = batchDatanets.stream().filter(d -> !policies.containsKey(d)).toList();
        if (!newDatanets.isEmpty()) {
          progress.step("registering new DataNets with the default policy: " + String.join(", ", newDatanets));
          DatanetRegistry.registerDefaults(lakehouse, newDatanets, startedAt, batchId);
          snapshots.put(Tables.DATANETS.qualifiedName(), lakehouse.currentSnapshotId(Tables.DATANETS));
        }

        progress.step("deduplicating (exact, then MinHash LSH near-duplicates) against stored contributions");
        describe("deduplicate " + batchId);
        Dataset<Row> stored =
            spark.table(lakehouse.sparkName(Tables.CONTRIBUTIONS))
                .select("contribution_id", "datanet", "first_submitted_at", "normalized_sha256", "minhash", "content");
        Dataset<Row> assignments = Deduplication.assign(valid, stored, batchDatanets, config.dedup(), progress);
        Dataset<Row> rows = submissionRows(validated.drop("minhash"), assignments, batchId, format, startedAt);

        progress.step("committing datanet.submissions");
        describe("commit submissions " + batchId);
        lease.assertHeld();
        IcebergWrites.append(
            rows,
            lakehouse.sparkName(Tables.SUBMISSIONS),
            Map.of(BATCH_PROPERTY, batchId, "poa.ingested-at", startedAt.toString(), "poa.input-fingerprint", fingerprint));
      } else {
        progress.step("submissions of " + batchId + " were committed by an earlier run: finishing the batch");
      }
      Snapshot submitted = BatchLedger.committedSnapshot(lakehouse.table(Tables.SUBMISSIONS), batchId);
      snapshots.put(Tables.SUBMISSIONS.qualifiedName(),
          submitted != null ? submitted.snapshotId() : lakehouse.currentSnapshotId(Tables.SUBMISSIONS));

      progress.step("merging into datanet.contributions");
      describe("commit contributions " + batchId);
      lease.assertHeld();
      mergeContributions(validated, batchId, config.dedup().crossDatanet() ? null : batchDatanets);
      snapshots.put(Tables.CONTRIBUTIONS.qualifiedName(), lakehouse.currentSnapshotId(Tables.CONTRIBUTIONS));

      Dataset<Row> batchRows = spark.table(lakehouse.sparkName(Tables.SUBMISSIONS)).filter(col("batch_id").equalTo(batchId));
      // one read of the stored rows for both counts
      Map<String, Long> byStatus = new HashMap<>();
      Map<String, Long> byReason = new TreeMap<>();
      for (Row r : batchRows.groupBy("status", "reason").count().collectAsList()) {
        byStatus.merge(r.getString(0), r.getLong(2), Long::sum);
        if (r.getString(0).equals("rejected")) {
          byReason.put(r.getString(1), r.getLong(2));
        }
      }
      long stored = byStatus.values().stream().mapToLong(Long::longValue).sum();
      if (stored != read) {
        throw new IllegalStateException(
            "Batch " + batchId + ": " + read + " records read but " + stored + " submissions stored;"
                + " the inputs changed since the batch started? Not marking it complete.");
      }
      Result result =
          new Result(
              batchId,
              resuming ? Outcome.RESUMED : Outcome.INGESTED,
              read,
              byStatus.getOrDefault("accepted", 0L),
              byStatus.getOrDefault("duplicate", 0L),
              byStatus.getOrDefault("near_duplicate", 0L),
              byStatus.getOrDefault("rejected", 0L),
              byReason,
              snapshots);
      if (!result.reconciles()) {
        throw new IllegalStateException("Batch " + batchId + " counts do not reconcile: " + result);
      }
      progress.step("committing datanet.ingest_runs");
      lease.assertHeld();
      writeRun(result, config, files, format, fingerprint, startedAt);
      return result;
    } finally {
      validated.unpersist();
    }
  }

  private void describe(String what) {
    spark.sparkContext().setJobDescription(what);
  }

  /** The submissions rows of a batch, in table column order. */
  static Dataset<Row> submissionRows(
      Dataset<Row> validated, Dataset<Row> assignments, String batchId, String format, Instant ingestedAt) {
    Dataset<Row> dedup =
        assignments.withColumnRenamed("reason", "dedup_reason").withColumnRenamed("message", "dedup_message");
    Dataset<Row> j = validated.join(dedup, new String[] {"submission_id"}, "left");
    return j.select(
        col("submission_id"),
        lit(batchId).as("batch_id"),
        col("datanet"),
        col("contributor"),
        col("content_sha256"),
        col("normalized_sha256"),
        col("submitted_at"),
        lit(Timestamp.from(ingestedAt)).as("ingested_at"),
        coalesce(col("status"), lit("rejected")).as("status"),
        col("contribution_id"),
        coalesce(col("reason"), col("dedup_reason")).as("reason"),
        coalesce(col("message"), col("dedup_message")).as("message"),
        col("similarity"),
        col("source_file"),
        col("source_line"),
        lit(format).as("source_format"),
        col("content_type"),
        col("license"),
        col("signature"),
        col("metadata"),
        col("raw_record"), // set by Validation for rejected records only
        col("raw_bytes"));
  }

  /**
   * {@code datanets}: when given, the DataNets whose contributions the batch can add to or count against (dedup
   * within a DataNet), and the MERGE reads and rewrites only their partitions; null reads the whole table.
   */
  private void mergeContributions(Dataset<Row> validated, String batchId, List<String> datanets) {
    // The committed submissions are the record of truth for which rows created a contribution and
    // which ones map onto one: their three small columns are read back and materialised (Spark 4.1
    // cannot plan a MERGE whose source still references an Iceberg table: "No plan for
    // TableReference"). The contents come from the cached batch, joined to the broadcast ids in
    // place, so no content crosses a shuffle before the MERGE's own.
    Dataset<Row> batchSubs =
        spark.table(lakehouse.sparkName(Tables.SUBMISSIONS))
            .filter(col("batch_id").equalTo(batchId).and(col("status").notEqual("rejected")))
            .select("submission_id", "status", "contribution_id")
            .localCheckpoint();
    Dataset<Row> counts = batchSubs.groupBy("contribution_id").agg(count(lit(1)).as("n")).localCheckpoint();
    Dataset<Row> createdHere = batchSubs.filter(col("status").equalTo("accepted")).drop("status");
    Dataset<Row> created =
        validated
            .join(broadcast(createdHere), "submission_id")
            .join(broadcast(counts), "contribution_id")
            .select(
                col("contribution_id"),
                col("n"),
                col("submission_id").as("first_submission_id"),
                col("datanet"),
                col("contributor"),
                col("content"),
                col("content_type"),
                col("license"),
                col("content_sha256"),
                col("normalized_sha256"),
                col("submitted_at").as("first_submitted_at"),
                col("token_count"),
                col("minhash"),
                col("metadata"));
    // contributions of earlier batches that this batch's duplicates map onto: a count, no row to insert
    Dataset<Row> existing = counts.join(createdHere, new String[] {"contribution_id"}, "left_anti");
    Dataset<Row> source = created.unionByName(existing, true);
    String view = "poa_contrib_src_" + Math.abs(batchId.hashCode());
    source.createOrReplaceTempView(view);
    String b = IcebergWrites.sqlString(batchId);
    String sql =
        "MERGE INTO " + lakehouse.sparkName(Tables.CONTRIBUTIONS) + " t USING " + view + " s"
            + " ON t.contribution_id = s.contribution_id" + datanetCondition(datanets)
            + " WHEN MATCHED AND t.last_batch_id <> " + b + " THEN UPDATE SET"
            + "   submission_count = t.submission_count + s.n, last_batch_id = " + b
            + " WHEN NOT MATCHED AND s.first_submission_id IS NOT NULL THEN INSERT"
            + " (contribution_id, datanet, contributor, content, content_type, license, content_sha256,"
            + "  normalized_sha256, first_submitted_at, first_submission_id, batch_id, token_count, minhash,"
            + "  submission_count, last_batch_id, metadata)"
            + " VALUES (s.contribution_id, s.datanet, s.contributor, s.content, s.content_type, s.license,"
            + "  s.content_sha256, s.normalized_sha256, s.first_submitted_at, s.first_submission_id, " + b + ","
            + "  s.token_count, s.minhash, s.n, " + b + ", s.metadata)";
    try {
      CommitMetadata.withCommitProperties(
          Map.of(BATCH_PROPERTY, batchId),
          () -> {
            spark.sql(sql);
            return 0;
          },
          RuntimeException.class);
    } finally {
      spark.catalog().dropTempView(view);
    }
  }

  /**
   * The MERGE's condition on the target's DataNets, a predicate on its partition column: without it, each batch's
   * MERGE read every DataNet's contributions to find its matches.
   */
  private static String datanetCondition(List<String> datanets) {
    if (datanets == null || datanets.isEmpty()) {
      return "";
    }
    List<String> quoted = datanets.stream().map(IcebergWrites::sqlString).toList();
    return " AND t.datanet IN (" + String.join(", ", quoted) + ")";
  }

  private void writeRun(
      Result r, Config config, List<InputFile> files, String format, String fingerprint, Instant startedAt) {
    Map<String, String> settings = new LinkedHashMap<>();
    Deduplication.Settings d = config.dedup();
    settings.put("dedup.threshold", Double.toString(d.threshold()));
    settings.put("dedup.shingle-words", Integer.toString(d.shingleWords()));
    settings.put("dedup.bands", Integer.toString(d.bands()));
    settings.put("dedup.rows-per-band", Integer.toString(d.rowsPerBand()));
    settings.put("dedup.scope", d.crossDatanet() ? "global" : "datanet");
    settings.put("dedup.minhash", d.minhashImpl());
    settings.put("ingest.known-datanets-only", Boolean.toString(config.knownDatanetsOnly()));
    settings.put("ingest.max-content-bytes", Long.toString(config.maxContentBytes()));
    List<String> paths = new ArrayList<>(config.inputs());
    Row row =
        RowFactory.create(
            r.batchId(),
            "committed",
            Timestamp.from(startedAt),
            Timestamp.from(Instant.now()),
            CollectionConverters.asScala(paths).toSeq(),
            fingerprint,
            format,
            r.read(),
            r.accepted(),
            r.duplicate(),
            r.nearDuplicate(),
            r.rejected(),
            CollectionConverters.asScala(r.rejectedByReason()),
            CollectionConverters.asScala(r.snapshotIds()),
            CollectionConverters.asScala(settings));
    Dataset<Row> df = spark.createDataFrame(List.of(row), spark.table(lakehouse.sparkName(Tables.INGEST_RUNS)).schema());
    IcebergWrites.append(df, lakehouse.sparkName(Tables.INGEST_RUNS), Map.of(BATCH_PROPERTY, r.batchId()));
  }

  @SuppressWarnings("unchecked")
  private static Result resultOf(Row run, Outcome outcome) {
    Map<String, Long> reasons = new TreeMap<>();
    if (run.getAs("rejected_by_reason") != null) {
      reasons.putAll(CollectionConverters.asJava((scala.collection.Map<String, Long>) run.getAs("rejected_by_reason")));
    }
    Map<String, Long> snaps = new TreeMap<>();
    if (run.getAs("snapshot_ids") != null) {
      snaps.putAll(CollectionConverters.asJava((scala.collection.Map<String, Long>) run.getAs("snapshot_ids")));
    }
    return new Result(
        run.getAs("batch_id"),
        outcome,
        run.<Long>getAs("rows_read"),
        run.<Long>getAs("accepted"),
        run.<Long>getAs("duplicate"),
        run.<Long>getAs("near_duplicate"),
        run.<Long>getAs("rejected"),
        reasons,
        snaps);
  }

  /**
   * Batches run one after another: a batch whose submissions were committed but which has no
   * ingest run must be finished before another starts, or the next batch would not see its
   * contributions. Found from the rows and the runs table, so a compaction or an expiry of
   * snapshots cannot hide it.
   */
  private static void refuseIfAnotherBatchIsIncomplete(String batchId, List<String> incompleteBatches) {
    List<String> others = new ArrayList<>(incompleteBatches);
    others.remove(batchId);
    if (!others.isEmpty()) {
      String last = others.get(0);
      throw new dev.poa.schemas.NotReadyException(
          "Batch " + last + " stopped before it finished: rerun 'poa ingest --batch-id " + last
              + "' with the same inputs to complete it, then ingest " + batchId);
    }
  }
}
