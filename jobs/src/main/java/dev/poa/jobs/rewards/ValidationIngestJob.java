package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import dev.poa.jobs.Progress;
import dev.poa.jobs.ingest.BatchLedger;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.jobs.ingest.InputBatch;
import dev.poa.jobs.ingest.RawRecords;
import dev.poa.jobs.ingest.RecordBatches;
import dev.poa.jobs.ingest.Validation;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.Tables;
import dev.poa.udfs.AttestationTypedData;
import dev.poa.udfs.AttestationValidator;
import dev.poa.udfs.Reasons;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Ingests validator attestations into {@code datanet.validations}: EIP-712 signed verdicts
 * ({@link AttestationTypedData}) of registered validators on existing contributions. A record is
 * rejected, with its reason, when its signature does not cover all its fields
 * ({@code signature_mismatch}), its contribution does not exist ({@code unknown_contribution}), its
 * time is ahead of the ingest's clock by more than the allowed skew ({@code attested_in_future}) or
 * before the contribution was submitted ({@code attested_before_contribution}), or its validator is
 * not registered for the contribution's DataNet at that time in {@code datanet.validators}
 * ({@code unknown_validator}). A repeat of the same (validator, contribution, verdict,
 * attested_at) is dropped and counted. {@code read = accepted + duplicate + rejected}.
 *
 * <p>Commits: rejects, then attestations (each once per batch), then the completion row in
 * {@code datanet.validation_ingest_runs}; a rerun of a complete batch changes nothing.
 */
public final class ValidationIngestJob {
  /**
   * @param chainId chain id of the typed data's domain ({@code poa.chain.id})
   * @param maxClockSkew how far ahead of this ingest's clock an attestation may be dated
   */
  public record Config(List<String> inputs, String format, String batchId, long chainId, Duration maxClockSkew) {
    public Config {
      inputs = List.copyOf(inputs);
      if (inputs.isEmpty()) {
        throw new BadInputException("Give at least one --input");
      }
      InputBatch.checkBatchId(batchId);
      if (chainId <= 0) {
        throw new BadInputException("poa.chain.id must be a positive chain id");
      }
    }

    /** Development defaults: the local chain's id (31337) and five minutes of skew. */
    public static Config of(List<String> inputs, String format, String batchId) {
      return new Config(inputs, format, batchId, DEFAULT_CHAIN_ID, DEFAULT_MAX_CLOCK_SKEW);
    }
  }

  /** The chain id of the attestations' EIP-712 domain when poa.chain.id is not set (anvil's). */
  public static final long DEFAULT_CHAIN_ID = 31337;

  /** How far after the ingest's clock an attested_at may be when poa.validation.max-clock-skew is not set. */
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  public record Result(String batchId, boolean alreadyIngested, long read, long accepted, long duplicate, long rejected,
      Map<String, Long> rejectedByReason) {}

  static final StructType VALIDATED = RecordBatches.validated(
      RecordBatches.field("validator", DataTypes.StringType),
      RecordBatches.field("contribution_id", DataTypes.StringType),
      RecordBatches.field("verdict", DataTypes.StringType),
      RecordBatches.field("attested_at", DataTypes.TimestampType),
      RecordBatches.field("signature", DataTypes.StringType));

  private final Lakehouse lh;
  private final SparkSession spark;
  private final Progress progress;

  public ValidationIngestJob(Lakehouse lh, Progress progress) {
    this.lh = lh;
    this.spark = lh.spark();
    this.progress = progress;
  }

  public Result run(Config config) {
    InputBatch batch = InputBatch.resolve(spark.sparkContext().hadoopConfiguration(), config.inputs(), config.format(),
        config.batchId(), "v-");
    try (LakehouseLease lease = lh.lease("validations ingest --batch-id " + batch.batchId(), progress::step)) {
      lh.migrate();
      return run(config, batch, lease);
    }
  }

  private Result run(Config config, InputBatch batch, LakehouseLease lease) {
    String batchId = batch.batchId();
    Row done = BatchLedger.completed(lh, Tables.VALIDATION_INGEST_RUNS, batchId);
    // batches from before the runs table: their attestations' commit (the last one) marked them complete
    Snapshot legacy = done == null ? BatchLedger.committedSnapshot(lh.table(Tables.VALIDATIONS), batchId) : null;
    if (done != null || legacy != null) {
      String fingerprint = done != null ? done.getAs("input_fingerprint") : legacy.summary().get("poa.input-fingerprint");
      if (!batch.fingerprint().equals(fingerprint)) {
        throw new IngestJob.BatchConflictException(
            "Validation batch " + batchId + " was already ingested from other inputs: use a new --batch-id");
      }
      progress.step("validation batch " + batchId + " is already ingested: nothing to do");
      if (done != null) {
        return new Result(batchId, true, done.getAs("rows_read"), done.getAs("accepted"), done.getAs("duplicate"),
            done.getAs("rejected"), Map.of());
      }
      return new Result(batchId, true, -1, RecordBatches.rowsOfBatch(lh, Tables.VALIDATIONS, batchId), -1, -1, Map.of());
    }
    Instant startedAt = Instant.now();
    Timestamp now = Timestamp.from(startedAt);
    AttestationValidator validator = new AttestationValidator(config.chainId());
    JavaRDD<Row> rows = RawRecords.read(spark, batch.files(), batch.format()).javaRDD().map(r -> {
      AttestationValidator.Validated v = RawRecords.validate(r,
          (reason, message) -> new AttestationValidator.Validated(reason, message, null, null, null, null, null),
          validator::validateJsonText, validator::validateJsonLine);
      return RowFactory.create(r.getString(0), r.getLong(2), Validation.ingestSeq(r.getInt(1), r.getLong(2)), v.reason(),
          v.message(), v.validator(), v.contributionId(), v.verdict(),
          v.attestedAt() == null ? null : Timestamp.from(v.attestedAt()), v.signature(),
          v.valid() ? null : RawRecords.asText(r));
    });
    Dataset<Row> validated = spark.createDataFrame(rows, VALIDATED).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long read = validated.count();
      Dataset<Row> checked = check(validated, startedAt.plus(config.maxClockSkew())).localCheckpoint();
      String[] key = {"validator", "contribution_id", "verdict", "attested_at"};
      Dataset<Row> fresh = checked.filter(col("reason2").isNull())
          .withColumn("nth", row_number().over(Window.partitionBy(key[0], key[1], key[2], key[3]).orderBy("ingest_seq")))
          .filter(col("nth").equalTo(1))
          .join(spark.table(lh.sparkName(Tables.VALIDATIONS)).select(key[0], key[1], key[2], key[3]), key, "left_anti")
          .select(col("validator"), col("contribution_id"), col("verdict"), col("attested_at"), col("signature"),
              lit(batchId).as("batch_id"), col("source_file"), col("source_line"), lit(now).as("ingested_at"),
              lit(AttestationTypedData.SCHEME).as("scheme"), col("datanet"))
          .localCheckpoint();
      Dataset<Row> rejects = checked.filter(col("reason2").isNotNull())
          .select(lit(batchId).as("batch_id"), col("source_file"), col("source_line"), col("reason2").as("reason"),
              col("message2").as("message"), col("raw_record"), lit(now).as("ingested_at"));
      Map<String, Long> byReason = RecordBatches.countByReason(rejects);
      long rejected = RecordBatches.total(byReason);
      Map<String, String> props = Map.of(IngestJob.BATCH_PROPERTY, batchId, "poa.input-fingerprint", batch.fingerprint());
      Map<String, Long> snapshots = new TreeMap<>();
      lease.assertHeld();
      snapshots.put(Tables.VALIDATION_REJECTS.qualifiedName(),
          RecordBatches.appendOnce(lh, rejects, Tables.VALIDATION_REJECTS, batchId, props));
      snapshots.put(Tables.VALIDATIONS.qualifiedName(),
          RecordBatches.appendOnce(lh, fresh, Tables.VALIDATIONS, batchId, props));
      long accepted = RecordBatches.rowsOfBatch(lh, Tables.VALIDATIONS, batchId);
      lease.assertHeld();
      RecordBatches.complete(lh, Tables.VALIDATION_INGEST_RUNS, RecordBatches.runRow(batchId, startedAt, config.inputs(),
          batch.fingerprint(), read, accepted, read - accepted - rejected, rejected, byReason, snapshots), batchId);
      progress.step(String.format("read %d = accepted %d + duplicate %d + rejected %d", read, accepted,
          read - accepted - rejected, rejected));
      return new Result(batchId, false, read, accepted, read - accepted - rejected, rejected, byReason);
    } finally {
      validated.unpersist();
    }
  }

  /**
   * The checks that need the lakehouse, as columns {@code reason2}/{@code message2} (the first
   * failing check, or the record's own reason), plus the contribution's {@code datanet}.
   */
  private Dataset<Row> check(Dataset<Row> validated, Instant latestAllowed) {
    Dataset<Row> contributions = spark.table(lh.sparkName(Tables.CONTRIBUTIONS))
        .select(col("contribution_id"), col("datanet"), col("first_submitted_at"));
    Dataset<Row> withContribution = validated.join(contributions, new String[] {"contribution_id"}, "left");
    // registered: a registration of the validator for the contribution's DataNet whose period holds attested_at
    Dataset<Row> registrations = spark.table(lh.sparkName(Tables.VALIDATORS))
        .select(col("address"), explode(col("datanets")).as("reg_datanet"), col("valid_from"), col("valid_until"));
    Dataset<Row> registered = withContribution.filter(col("reason").isNull())
        .join(registrations, col("validator").equalTo(col("address")).and(col("datanet").equalTo(col("reg_datanet")))
            .and(col("attested_at").geq(col("valid_from")))
            .and(col("valid_until").isNull().or(col("attested_at").lt(col("valid_until")))))
        .select(col("ingest_seq"), lit(true).as("registered")).distinct();
    Dataset<Row> all = withContribution.join(registered, new String[] {"ingest_seq"}, "left");
    Column unknownContribution = col("datanet").isNull();
    Column future = col("attested_at").gt(lit(Timestamp.from(latestAllowed)));
    Column early = col("attested_at").lt(col("first_submitted_at"));
    Column unregistered = col("registered").isNull();
    return all
        .withColumn("reason2", when(col("reason").isNotNull(), col("reason"))
            .when(unknownContribution, lit(Reasons.UNKNOWN_CONTRIBUTION))
            .when(future, lit(Reasons.ATTESTED_IN_FUTURE))
            .when(early, lit(Reasons.ATTESTED_BEFORE_CONTRIBUTION))
            .when(unregistered, lit(Reasons.UNKNOWN_VALIDATOR)))
        .withColumn("message2", when(col("reason").isNotNull(), col("message"))
            .when(unknownContribution, concat(lit("contribution "), col("contribution_id"), lit(" does not exist")))
            .when(future, concat(lit("attested_at "), col("attested_at").cast("string"),
                lit(" is later than this ingest's clock allows (" + latestAllowed + ")")))
            .when(early, concat(lit("attested_at "), col("attested_at").cast("string"), lit(" is before contribution "),
                col("contribution_id"), lit(" was submitted ("), col("first_submitted_at").cast("string"), lit(")")))
            .when(unregistered, concat(lit("validator "), col("validator"), lit(" is not registered for DataNet "),
                col("datanet"), lit(" at "), col("attested_at").cast("string"), lit(" (poa validators add)"))));
  }
}
