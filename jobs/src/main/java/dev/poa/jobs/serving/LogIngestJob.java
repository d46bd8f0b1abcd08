package dev.poa.jobs.serving;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import dev.poa.jobs.Progress;
import dev.poa.jobs.ingest.BatchLedger;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.jobs.ingest.InputBatch;
import dev.poa.jobs.ingest.InputFile;
import dev.poa.jobs.ingest.RawRecords;
import dev.poa.jobs.ingest.RecordBatches;
import dev.poa.jobs.ingest.Validation;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.Tables;
import dev.poa.udfs.InferenceLogValidator;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Ingests inference logs into {@code serving.inference_logs}. Delivery is at least once: a
 * request_id seen before (in this batch, first by file order, or stored) is dropped and counted;
 * bad records go to {@code serving.inference_log_rejects} with a reason. Every record read is
 * accounted for: {@code rows_read = accepted + duplicate_request + rejected}.
 *
 * <p>Commits: rejects, then logs, then {@code serving.log_ingest_runs} (the completion marker),
 * each tagged with the batch id; a rerun skips the tables the batch already committed to.
 */
public final class LogIngestJob {
  public record Config(List<String> inputs, String format, String batchId) {
    public Config {
      inputs = List.copyOf(inputs);
      if (inputs.isEmpty()) {
        throw new BadInputException("Give at least one --input");
      }
      InputBatch.checkBatchId(batchId);
    }
  }

  public record Result(String batchId, boolean alreadyIngested, long read, long accepted, long duplicateRequest,
      long rejected, Map<String, Long> rejectedByReason) {
    public boolean reconciles() {
      return read == accepted + duplicateRequest + rejected;
    }
  }

  static final StructType VALIDATED = RecordBatches.validated(
      RecordBatches.field("request_id", DataTypes.StringType),
      RecordBatches.field("adapter_id", DataTypes.StringType),
      RecordBatches.field("served_at", DataTypes.TimestampType),
      RecordBatches.field("epoch", DataTypes.StringType),
      RecordBatches.field("prompt", DataTypes.StringType),
      RecordBatches.field("completion", DataTypes.StringType),
      RecordBatches.field("fee_wei", DataTypes.createDecimalType(38, 0)),
      RecordBatches.field("gradient_sketch", DataTypes.createArrayType(DataTypes.FloatType, false)),
      RecordBatches.field("sketch_spec", DataTypes.StringType),
      RecordBatches.field("metadata", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType)));

  private final Lakehouse lh;
  private final SparkSession spark;
  private final Progress progress;

  public LogIngestJob(Lakehouse lh, Progress progress) {
    this.lh = lh;
    this.spark = lh.spark();
    this.progress = progress;
  }

  public Result run(Config config) {
    InputBatch batch =
        InputBatch.resolve(spark.sparkContext().hadoopConfiguration(), config.inputs(), config.format(), config.batchId(), "l-");
    try (LakehouseLease lease = lh.lease("logs ingest --batch-id " + batch.batchId(), progress::step)) {
      lh.migrate();
      return run(config, batch, lease);
    }
  }

  private Result run(Config config, InputBatch batch, LakehouseLease lease) {
    List<InputFile> files = batch.files();
    String format = batch.format();
    String fingerprint = batch.fingerprint();
    String batchId = batch.batchId();
    Row done = BatchLedger.completed(lh, Tables.LOG_INGEST_RUNS, batchId);
    if (done != null) {
      if (!fingerprint.equals(done.getAs("input_fingerprint"))) {
        throw new IngestJob.BatchConflictException(
            "Log batch " + batchId + " was already ingested from different inputs: use a new --batch-id");
      }
      progress.step("log batch " + batchId + " is already ingested: nothing to do");
      return new Result(batchId, true, done.getAs("rows_read"), done.getAs("accepted"), done.getAs("duplicate_request"),
          done.getAs("rejected"), Map.of());
    }
    Instant startedAt = Instant.now();
    InferenceLogValidator validator = new InferenceLogValidator(new HashSet<>(
        spark.table(lh.sparkName(Tables.ADAPTERS)).select("adapter_id").as(Encoders.STRING()).collectAsList()));
    progress.step("log batch " + batchId + ": reading and validating " + files.size() + " file(s)");
    JavaRDD<Row> rows = RawRecords.read(spark, files, format).javaRDD().map(r -> validate(r, validator));
    Dataset<Row> validated = spark.createDataFrame(rows, VALIDATED).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long read = validated.count();
      Dataset<Row> valid = validated.filter(col("reason").isNull())
          .withColumn("nth", row_number().over(Window.partitionBy("request_id").orderBy("ingest_seq")));
      // Late logs: an epoch whose rewards are finalised takes no more inferences; they go to
      // the first epoch not finalised (epochs are finalised in order).
      List<Row> lastFinal = spark.table(lh.sparkName(Tables.MANIFESTS))
          .agg(org.apache.spark.sql.functions.max("epoch")).collectAsList();
      org.apache.spark.sql.Column epoch = col("epoch");
      if (!lastFinal.isEmpty() && !lastFinal.get(0).isNullAt(0)) {
        String open = dev.poa.udfs.Epochs.next(lastFinal.get(0).getString(0));
        epoch = org.apache.spark.sql.functions.when(col("epoch").lt(open), org.apache.spark.sql.functions.lit(open))
            .otherwise(col("epoch"));
      }
      Dataset<Row> fresh = valid.filter(col("nth").equalTo(1))
          .join(spark.table(lh.sparkName(Tables.INFERENCE_LOGS)).select("request_id"), new String[] {"request_id"}, "left_anti")
          .select(col("request_id"), col("adapter_id"), col("served_at"), epoch.as("epoch"), col("prompt"), col("completion"),
              col("fee_wei"), col("gradient_sketch"), col("sketch_spec"), col("metadata"),
              org.apache.spark.sql.functions.lit(batchId).as("batch_id"), col("source_file"), col("source_line"),
              org.apache.spark.sql.functions.lit(Timestamp.from(startedAt)).as("ingested_at"))
          .localCheckpoint();
      Dataset<Row> rejects = validated.filter(col("reason").isNotNull())
          .select(org.apache.spark.sql.functions.lit(batchId).as("batch_id"), col("source_file"), col("source_line"),
              col("request_id"), col("reason"), col("message"), col("raw_record"),
              org.apache.spark.sql.functions.lit(Timestamp.from(startedAt)).as("ingested_at"));
      Map<String, Long> byReason = RecordBatches.countByReason(rejects);
      long rejected = RecordBatches.total(byReason);
      Map<String, Long> snapshots = new TreeMap<>();
      Map<String, String> props = Map.of(IngestJob.BATCH_PROPERTY, batchId);
      lease.assertHeld();
      snapshots.put(Tables.INFERENCE_LOG_REJECTS.qualifiedName(),
          RecordBatches.appendOnce(lh, rejects, Tables.INFERENCE_LOG_REJECTS, batchId, props));
      snapshots.put(Tables.INFERENCE_LOGS.qualifiedName(),
          RecordBatches.appendOnce(lh, fresh, Tables.INFERENCE_LOGS, batchId, props));
      long accepted = RecordBatches.rowsOfBatch(lh, Tables.INFERENCE_LOGS, batchId);
      Result result = new Result(batchId, false, read, accepted, read - accepted - rejected, rejected, byReason);
      lease.assertHeld();
      RecordBatches.complete(lh, Tables.LOG_INGEST_RUNS, RecordBatches.runRow(batchId, startedAt, config.inputs(),
          fingerprint, read, accepted, result.duplicateRequest(), rejected, byReason, snapshots), batchId);
      progress.step(String.format("read %d = accepted %d + duplicate_request %d + rejected %d",
          read, accepted, result.duplicateRequest(), rejected));
      return result;
    } finally {
      validated.unpersist();
    }
  }

  static Row validate(Row r, InferenceLogValidator validator) {
    String file = r.getString(0);
    long line = r.getLong(2);
    InferenceLogValidator.Validated v = RawRecords.validate(r,
        (reason, message) -> new InferenceLogValidator.Validated(reason, message, null, null, null, null, null, null,
            null, null, null),
        validator::validateJsonText, validator::validateJsonLine);
    String rawText = v.valid() ? null : RawRecords.asText(r);
    return RowFactory.create(file, line, Validation.ingestSeq(r.getInt(1), line), v.reason(), v.message(), v.requestId(),
        v.adapterId(), v.servedAt() == null ? null : Timestamp.from(v.servedAt()), v.epoch(), v.prompt(), v.completion(),
        v.feeWei() == null ? null : new BigDecimal(v.feeWei()),
        RecordBatches.floats(v.sketch()), v.sketchSpec(),
        v.metadata() == null ? null : CollectionConverters.asScala(v.metadata()), rawText);
  }
}
