package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import dev.poa.jobs.IcebergWrites;
import dev.poa.jobs.Progress;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.jobs.ingest.InputBatch;
import dev.poa.jobs.ingest.RawRecords;
import dev.poa.jobs.ingest.RecordBatches;
import dev.poa.jobs.ingest.Validation;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.AttestationValidator;
import dev.poa.udfs.Reasons;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Ingests validator attestations into {@code datanet.validations}: signed verdicts on existing
 * contributions. A repeat of the same (validator, contribution, verdict, attested_at) is dropped
 * and counted; bad records go to {@code datanet.validation_rejects}. {@code read = accepted +
 * duplicate + rejected}; a rerun of a batch changes nothing.
 */
public final class ValidationIngestJob {
  public record Config(List<String> inputs, String format, String batchId) {
    public Config {
      inputs = List.copyOf(inputs);
      if (inputs.isEmpty()) {
        throw new IllegalArgumentException("Give at least one --input");
      }
      InputBatch.checkBatchId(batchId);
    }
  }

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
    lh.migrate();
    InputBatch batch = InputBatch.resolve(spark.sparkContext().hadoopConfiguration(), config.inputs(), config.format(),
        config.batchId(), "v-");
    String batchId = batch.batchId();
    Map<String, String> props = Map.of(IngestJob.BATCH_PROPERTY, batchId, "poa.input-fingerprint", batch.fingerprint());
    Snapshot done = IngestJob.snapshotOfBatch(lh.table(Tables.VALIDATIONS), batchId);
    if (done != null) {
      if (!batch.fingerprint().equals(done.summary().get("poa.input-fingerprint"))) {
        throw new IngestJob.BatchConflictException(
            "Validation batch " + batchId + " was already ingested from other inputs: use a new --batch-id");
      }
      progress.step("validation batch " + batchId + " is already ingested: nothing to do");
      return new Result(batchId, true, -1, spark.table(lh.sparkName(Tables.VALIDATIONS))
          .filter(col("batch_id").equalTo(batchId)).count(), -1, -1, Map.of());
    }
    Timestamp now = Timestamp.from(Instant.now());
    AttestationValidator validator = new AttestationValidator();
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
      Dataset<Row> known = spark.table(lh.sparkName(Tables.CONTRIBUTIONS)).select(col("contribution_id"), lit(true).as("known"));
      Dataset<Row> checked = validated.join(known, new String[] {"contribution_id"}, "left")
          .withColumn("reason2", when(col("reason").isNotNull(), col("reason"))
              .when(col("known").isNull(), lit(Reasons.UNKNOWN_CONTRIBUTION)))
          .withColumn("message2", when(col("reason").isNotNull(), col("message"))
              .when(col("known").isNull(), concat(lit("contribution "), col("contribution_id"), lit(" does not exist"))))
          .localCheckpoint();
      String[] key = {"validator", "contribution_id", "verdict", "attested_at"};
      Dataset<Row> fresh = checked.filter(col("reason2").isNull())
          .withColumn("nth", row_number().over(Window.partitionBy(key[0], key[1], key[2], key[3]).orderBy("ingest_seq")))
          .filter(col("nth").equalTo(1))
          .join(spark.table(lh.sparkName(Tables.VALIDATIONS)).select(key[0], key[1], key[2], key[3]), key, "left_anti")
          .select(col("validator"), col("contribution_id"), col("verdict"), col("attested_at"), col("signature"),
              lit(batchId).as("batch_id"), col("source_file"), col("source_line"), lit(now).as("ingested_at"))
          .localCheckpoint();
      Dataset<Row> rejects = checked.filter(col("reason2").isNotNull())
          .select(lit(batchId).as("batch_id"), col("source_file"), col("source_line"), col("reason2").as("reason"),
              col("message2").as("message"), col("raw_record"), lit(now).as("ingested_at"));
      Map<String, Long> byReason = RecordBatches.countByReason(rejects);
      long rejected = RecordBatches.total(byReason);
      long accepted = fresh.count();
      RecordBatches.appendOnce(lh, rejects, Tables.VALIDATION_REJECTS, batchId, props);
      // last: marks the batch complete
      IcebergWrites.append(fresh, lh.sparkName(Tables.VALIDATIONS), props);
      progress.step(String.format("read %d = accepted %d + duplicate %d + rejected %d", read, accepted,
          read - accepted - rejected, rejected));
      return new Result(batchId, false, read, accepted, read - accepted - rejected, rejected, byReason);
    } finally {
      validated.unpersist();
    }
  }
}
