package dev.poa.jobs.ingest;

import dev.poa.udfs.SubmissionValidator;
import dev.poa.udfs.ValidatedSubmission;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Applies the input contract ({@link SubmissionValidator}) to raw records: a map over records,
 * no shuffle. It runs as Java on the CPU by design: strict UTF-8, typed JSON, EIP-55 checksums and
 * secp256k1 signature recovery have no SQL equivalent; the GPU-friendly work (hashing, LSH joins,
 * components) comes after it, in built-in expressions.
 */
public final class Validation {
  public static final StructType SCHEMA =
      new StructType()
          .add("submission_id", DataTypes.StringType, false)
          .add("source_file", DataTypes.StringType, false)
          .add("source_line", DataTypes.LongType, false)
          .add("ingest_seq", DataTypes.LongType, false)
          .add("reason", DataTypes.StringType, true)
          .add("message", DataTypes.StringType, true)
          .add("datanet", DataTypes.StringType, true)
          .add("contributor", DataTypes.StringType, true)
          .add("content", DataTypes.StringType, true)
          .add("content_type", DataTypes.StringType, true)
          .add("license", DataTypes.StringType, true)
          .add("submitted_at", DataTypes.TimestampType, true)
          .add("metadata", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), true)
          .add("signature", DataTypes.StringType, true)
          .add("content_sha256", DataTypes.StringType, true)
          .add("normalized", DataTypes.StringType, true)
          .add("normalized_sha256", DataTypes.StringType, true)
          .add("token_count", DataTypes.IntegerType, false)
          .add("raw_record", DataTypes.StringType, true)
          .add("raw_bytes", DataTypes.BinaryType, true);

  private Validation() {}

  /** Deterministic id of a record: same batch, file and line give the same id. */
  public static String submissionId(String batchId, String sourceFile, long line) {
    return "s_" + SubmissionValidator.sha256Hex(batchId + "\n" + sourceFile + "\n" + line).substring(0, 32);
  }

  /** Ingest order: file order, then position in the file. */
  public static long ingestSeq(int fileIndex, long line) {
    return ((long) fileIndex << 40) | line;
  }

  public static Dataset<Row> validate(
      SparkSession spark, Dataset<Row> raw, SubmissionValidator validator, String batchId) {
    JavaRDD<Row> rows =
        raw.javaRDD()
            .mapPartitions(
                // one record at a time: a list of the partition's validated rows kept them all alive at once
                it -> new java.util.Iterator<Row>() {
                  @Override
                  public boolean hasNext() {
                    return it.hasNext();
                  }

                  @Override
                  public Row next() {
                    return validateOne(it.next(), validator, batchId);
                  }
                });
    return spark.createDataFrame(rows, SCHEMA);
  }

  static Row validateOne(Row r, SubmissionValidator validator, String batchId) {
    String file = r.getString(0);
    int fileIndex = r.getInt(1);
    long line = r.getLong(2);
    ValidatedSubmission v = RawRecords.validate(r, SubmissionValidator::reject, validator::validateJsonText,
        validator::validateJsonLine);
    String rawText = null;
    byte[] rawBytes = null;
    if (!v.valid()) {
      byte[] raw = RawRecords.bytes(r);
      rawText = SubmissionValidator.decodeUtf8(raw);
      if (rawText == null) {
        rawText = new String(raw, StandardCharsets.UTF_8); // with U+FFFD; exact bytes below
        rawBytes = raw;
      }
    }
    return RowFactory.create(
        submissionId(batchId, file, line),
        file,
        line,
        ingestSeq(fileIndex, line),
        v.reason(),
        v.message(),
        v.datanet(),
        v.contributor(),
        v.content(),
        v.contentType(),
        v.license(),
        v.submittedAt() == null ? null : Timestamp.from(v.submittedAt()),
        v.metadata() == null ? null : CollectionConverters.asScala(v.metadata()),
        v.signature(),
        v.contentSha256(),
        v.normalized(),
        v.normalizedSha256(),
        v.tokenCount(),
        rawText,
        rawBytes);
  }
}
