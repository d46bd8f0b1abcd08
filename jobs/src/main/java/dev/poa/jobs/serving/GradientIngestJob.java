package dev.poa.jobs.serving;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
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
import dev.poa.udfs.Reasons;
import dev.poa.udfs.TrainingGradientValidator;
import java.sql.Timestamp;
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
 * Ingests the training gradient sketches of one adapter into {@code models.training_gradients}.
 * A record must name a contribution of the adapter's training set and carry a sketch of the
 * adapter's spec (the spec of its stored sketches, or of the batch's first valid record). A
 * contribution that already has a sketch keeps it: a repeat is dropped and counted, like a
 * repeated request_id of a log. Rejected records go to {@code models.training_gradient_rejects}.
 * {@code read = accepted + duplicate + rejected}.
 */
public final class GradientIngestJob {
  public record Config(String adapterId, List<String> inputs, String format, String batchId) {
    public Config {
      inputs = List.copyOf(inputs);
      if (inputs.isEmpty()) {
        throw new BadInputException("Give at least one --input");
      }
      InputBatch.checkBatchId(batchId);
    }
  }

  public record Result(String batchId, boolean alreadyIngested, long read, long accepted, long duplicate,
      long rejected, Map<String, Long> rejectedByReason, String sketchSpec) {
    public boolean reconciles() {
      return read == accepted + duplicate + rejected;
    }
  }

  static final StructType VALIDATED = RecordBatches.validated(
      RecordBatches.field("contribution_id", DataTypes.StringType),
      RecordBatches.field("sketch", DataTypes.createArrayType(DataTypes.FloatType, false)),
      RecordBatches.field("sketch_spec", DataTypes.StringType));

  private final Lakehouse lh;
  private final SparkSession spark;
  private final Progress progress;

  public GradientIngestJob(Lakehouse lh, Progress progress) {
    this.lh = lh;
    this.spark = lh.spark();
    this.progress = progress;
  }

  public Result run(Config config) {
    String adapterId = config.adapterId();
    InputBatch batch = InputBatch.resolve(spark.sparkContext().hadoopConfiguration(), config.inputs(),
        config.format(), config.batchId(), "g-");
    try (LakehouseLease lease = lh.lease("gradients ingest --adapter " + adapterId + " --batch-id " + batch.batchId(),
        progress::step)) {
      lh.migrate();
      return run(config, batch, lease);
    }
  }

  private Result run(Config config, InputBatch batch, LakehouseLease lease) {
    String adapterId = config.adapterId();
    if (spark.table(lh.sparkName(Tables.ADAPTERS)).filter(col("adapter_id").equalTo(adapterId)).isEmpty()) {
      throw new BadInputException("Adapter " + adapterId + " is not registered (poa adapters register)");
    }
    String batchId = batch.batchId();
    Map<String, String> props = Map.of(IngestJob.BATCH_PROPERTY, batchId, "poa.adapter-id", adapterId,
        "poa.input-fingerprint", batch.fingerprint());
    Row done = BatchLedger.completed(lh, Tables.GRADIENT_INGEST_RUNS, batchId);
    // batches from before the runs table: their sketches' commit (the last one) marked them complete
    Snapshot legacy = done == null ? BatchLedger.committedSnapshot(lh.table(Tables.TRAINING_GRADIENTS), batchId) : null;
    if (done != null || legacy != null) {
      String fingerprint = done != null ? done.getAs("input_fingerprint") : legacy.summary().get("poa.input-fingerprint");
      String adapter = done != null ? done.getAs("adapter_id") : legacy.summary().get("poa.adapter-id");
      if (!batch.fingerprint().equals(fingerprint) || !adapterId.equals(adapter)) {
        throw new IngestJob.BatchConflictException(
            "Gradient batch " + batchId + " was already ingested from other inputs or for another adapter: use a new --batch-id");
      }
      progress.step("gradient batch " + batchId + " is already ingested: nothing to do");
      if (done != null) {
        return new Result(batchId, true, done.getAs("rows_read"), done.getAs("accepted"), done.getAs("duplicate"),
            done.getAs("rejected"), Map.of(), done.getAs("sketch_spec"));
      }
      long accepted = RecordBatches.rowsOfBatch(lh, Tables.TRAINING_GRADIENTS, batchId);
      long rejected = RecordBatches.rowsOfBatch(lh, Tables.TRAINING_GRADIENT_REJECTS, batchId);
      return new Result(batchId, true, -1, accepted, -1, rejected, Map.of(), legacy.summary().get("poa.sketch-spec"));
    }
    Instant startedAt = Instant.now();
    Timestamp ingestedAt = Timestamp.from(startedAt);
    progress.step("gradient batch " + batchId + " of adapter " + adapterId + ": reading " + batch.files().size() + " file(s)");
    TrainingGradientValidator validator = new TrainingGradientValidator();
    JavaRDD<Row> rows = RawRecords.read(spark, batch.files(), batch.format()).javaRDD().map(r -> validate(r, validator));
    Dataset<Row> validated = spark.createDataFrame(rows, VALIDATED).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long read = validated.count();
      Dataset<Row> stored = spark.table(lh.sparkName(Tables.TRAINING_GRADIENTS)).filter(col("adapter_id").equalTo(adapterId));
      List<Row> storedSpec = stored.select("sketch_spec").limit(1).collectAsList();
      String spec;
      if (!storedSpec.isEmpty()) {
        spec = storedSpec.get(0).getString(0);
      } else {
        List<Row> first = validated.filter(col("reason").isNull()).orderBy("ingest_seq").select("sketch_spec").limit(1).collectAsList();
        spec = first.isEmpty() ? null : first.get(0).getString(0);
      }
      Dataset<Row> trainingSet = spark.table(lh.sparkName(Tables.ADAPTER_TRAINING_SET))
          .filter(col("adapter_id").equalTo(adapterId)).select(col("contribution_id"), lit(true).as("in_set"));
      Column specMismatch = spec == null ? lit(false) : col("sketch_spec").notEqual(lit(spec));
      Dataset<Row> checked = validated
          .join(trainingSet, new String[] {"contribution_id"}, "left")
          .withColumn("reason2", when(col("reason").isNotNull(), col("reason"))
              .when(col("in_set").isNull(), lit(Reasons.NOT_IN_TRAINING_SET))
              .when(specMismatch, lit(Reasons.SKETCH_SPEC_MISMATCH)))
          .withColumn("message2", when(col("reason").isNotNull(), col("message"))
              .when(col("in_set").isNull(), concat(lit("contribution "), col("contribution_id"),
                  lit(" is not in the training set of adapter " + adapterId)))
              .when(specMismatch, concat(lit("sketch_spec "), col("sketch_spec"),
                  lit(" differs from the adapter's spec " + spec))))
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        Dataset<Row> fresh = checked.filter(col("reason2").isNull())
            .withColumn("nth", row_number().over(Window.partitionBy("contribution_id").orderBy("ingest_seq")))
            .filter(col("nth").equalTo(1))
            .join(stored.select("contribution_id"), new String[] {"contribution_id"}, "left_anti")
            .select(lit(adapterId).as("adapter_id"), col("contribution_id"), col("sketch"), col("sketch_spec"),
                lit(batchId).as("batch_id"), lit(ingestedAt).as("ingested_at"))
            .localCheckpoint();
        Dataset<Row> rejects = checked.filter(col("reason2").isNotNull())
            .select(lit(batchId).as("batch_id"), lit(adapterId).as("adapter_id"), col("source_file"),
                col("source_line"), col("contribution_id"), col("reason2").as("reason"), col("message2").as("message"),
                col("raw_record"), lit(ingestedAt).as("ingested_at"))
            .localCheckpoint();
        Map<String, Long> byReason = RecordBatches.countByReason(rejects);
        long rejected = RecordBatches.total(byReason);
        long accepted = fresh.count();
        // Rejects, then sketches (each once per batch), then the completion row.
        lease.assertHeld();
        Map<String, Long> snapshots = new TreeMap<>();
        snapshots.put(Tables.TRAINING_GRADIENT_REJECTS.qualifiedName(),
            RecordBatches.appendOnce(lh, rejects, Tables.TRAINING_GRADIENT_REJECTS, batchId, props));
        Map<String, String> sketchProps = new TreeMap<>(props);
        if (spec != null) {
          sketchProps.put("poa.sketch-spec", spec);
        }
        snapshots.put(Tables.TRAINING_GRADIENTS.qualifiedName(),
            RecordBatches.appendOnce(lh, fresh, Tables.TRAINING_GRADIENTS, batchId, sketchProps));
        accepted = RecordBatches.rowsOfBatch(lh, Tables.TRAINING_GRADIENTS, batchId);
        lease.assertHeld();
        RecordBatches.complete(lh, Tables.GRADIENT_INGEST_RUNS, RecordBatches.runRow(batchId, startedAt, config.inputs(),
            batch.fingerprint(), read, accepted, read - accepted - rejected, rejected, byReason, snapshots, adapterId, spec),
            batchId);
        Result result = new Result(batchId, false, read, accepted, read - accepted - rejected, rejected, byReason, spec);
        progress.step(String.format("read %d = accepted %d + duplicate %d + rejected %d", read, accepted,
            result.duplicate(), rejected));
        return result;
      } finally {
        checked.unpersist();
      }
    } finally {
      validated.unpersist();
    }
  }

  static Row validate(Row r, TrainingGradientValidator validator) {
    String file = r.getString(0);
    long line = r.getLong(2);
    TrainingGradientValidator.Validated v = RawRecords.validate(r,
        (reason, message) -> new TrainingGradientValidator.Validated(reason, message, null, null, null),
        validator::validateJsonText, validator::validateJsonLine);
    String rawText = v.valid() ? null : RawRecords.asText(r);
    if (rawText != null && rawText.length() > 4096) {
      // a sketch is long; its first 4 KiB say what was wrong
      rawText = rawText.substring(0, 4096) + "…";
    }
    return RowFactory.create(file, line, Validation.ingestSeq(r.getInt(1), line), v.reason(), v.message(),
        v.contributionId(), RecordBatches.floats(v.sketch()), v.sketchSpec(), rawText);
  }
}
