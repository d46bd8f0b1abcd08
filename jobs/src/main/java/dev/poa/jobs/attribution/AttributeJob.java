package dev.poa.jobs.attribution;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import dev.poa.jobs.ConflictException;
import dev.poa.jobs.IcebergWrites;
import dev.poa.jobs.Progress;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import dev.poa.udfs.Epochs;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Attributes the inferences of one epoch and publishes new rows of {@code attribution.scores} and
 * {@code attribution.inference_summary} for the methods it ran: it appends them tagged with its
 * run id, then appends its row to {@code attribution.runs}, which publishes them (readers take the
 * rows of the latest published run, {@link PublishedAttribution}), then deletes the rows of earlier
 * runs of those methods. A run stopped at any point leaves what readers see unchanged. Rerunning
 * an epoch on the same tables gives the same rows: every sum is exact or in a fixed order.
 *
 * <p>Refuses an epoch whose rewards are finalised (its payments were derived from the attribution
 * it had), and runs under the lakehouse lease.
 *
 * <p>Methods: {@code span} and {@code gradient} attribute every inference of the epoch by that
 * method; {@code auto} uses gradient influence for inferences whose sketch matches their adapter's
 * training gradients, and spans for the others.
 */
public final class AttributeJob {
  public enum Method {
    SPAN, GRADIENT, AUTO;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Method parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("--method must be span, gradient or auto, not '" + s + "'");
      }
    }
  }

  /** The epoch's rewards are final, so is its attribution: nothing was written. */
  public static final class FinalisedException extends ConflictException {
    FinalisedException(String m) {
      super(m);
    }
  }

  public record Config(String epoch, Method method, SpanAttribution.Settings span, GradientAttribution.Settings gradient) {}

  public record Result(String runId, String epoch, String method, long inferences, long attributed,
      Map<String, Long> byMethod, Map<String, Long> unattributedByReason) {}

  private final Lakehouse lh;
  private final SparkSession spark;
  private final Progress progress;

  public AttributeJob(Lakehouse lh, Progress progress) {
    this.lh = lh;
    this.spark = lh.spark();
    this.progress = progress;
  }

  public Result run(Config config) {
    String epoch = Epochs.resolve(config.epoch());
    try (LakehouseLease lease = lh.lease("attribute --epoch " + epoch + " --method " + config.method().id(),
        progress::step)) {
      lh.migrate();
      if (!spark.table(lh.sparkName(Tables.MANIFESTS)).filter(col("epoch").equalTo(epoch)).isEmpty()) {
        throw new FinalisedException("Epoch " + epoch + " is finalised: its rewards were derived from the attribution it"
            + " has, which therefore cannot change (late logs of a finalised epoch go to the next open epoch)");
      }
      return run(config, epoch, lease);
    }
  }

  private Result run(Config config, String epoch, LakehouseLease lease) {
    Instant started = Instant.now();
    String runId = "at-" + epoch + "-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Long> inputSnapshots = new TreeMap<>();
    for (TableDefinition t : List.of(Tables.INFERENCE_LOGS, Tables.CONTRIBUTIONS, Tables.ADAPTER_TRAINING_SET,
        Tables.TRAINING_GRADIENTS)) {
      inputSnapshots.put(t.qualifiedName(), lh.currentSnapshotId(t));
    }
    Dataset<Row> logs = spark.table(lh.sparkName(Tables.INFERENCE_LOGS)).filter(col("epoch").equalTo(epoch))
        .select("request_id", "adapter_id", "completion", "gradient_sketch", "sketch_spec", "fee_wei")
        .localCheckpoint();
    long inferences = logs.count();
    if (inferences == 0) {
      throw new dev.poa.schemas.NothingToDoException("Epoch " + epoch + " has no inference logs: nothing to attribute,"
          + " and nothing to pay (see: poa epochs)");
    }
    progress.step("epoch " + epoch + ": " + inferences + " inference(s), method " + config.method().id());

    Column useGradient = switch (config.method()) {
      case SPAN -> lit(false);
      case GRADIENT -> lit(true);
      case AUTO -> col("gradient_sketch").isNotNull().and(col("sketch_spec").isNotNull())
          .and(col("sketch_spec").equalTo(col("adapter_spec")));
    };
    Dataset<Row> adapterSpecs = spark.table(lh.sparkName(Tables.TRAINING_GRADIENTS))
        .groupBy("adapter_id").agg(first("sketch_spec").as("adapter_spec"));
    Dataset<Row> assigned = logs.join(adapterSpecs, new String[] {"adapter_id"}, "left")
        .withColumn("method", when(useGradient, lit("gradient")).otherwise(lit("span")))
        .localCheckpoint();

    List<Dataset<Row>> scoreParts = new ArrayList<>();
    List<Dataset<Row>> reasonParts = new ArrayList<>();
    Dataset<Row> contributors = spark.table(lh.sparkName(Tables.CONTRIBUTIONS)).select("contribution_id", "contributor");

    Dataset<Row> spanSet = assigned.filter(col("method").equalTo("span"));
    if (config.method() != Method.GRADIENT && !spanSet.isEmpty()) {
      SpanIndex.Result ix = new SpanIndex(lh, config.span()).update(progress);
      inputSnapshots.put(Tables.SPAN_INDEX.qualifiedName(), lh.currentSnapshotId(Tables.SPAN_INDEX));
      progress.step("span: index holds " + ix.documents() + " contribution(s); matching " + spanSet.count() + " completion(s)");
      Dataset<Row> s = new SpanAttribution(lh, config.span()).scores(spanSet).join(contributors, "contribution_id")
          .withColumn("rank", row_number().over(Window.partitionBy("request_id")
              .orderBy(col("share").desc(), col("contribution_id"))))
          .withColumn("method", lit("span"));
      // scores() counts the vocabulary of an adapter scored for the first time: read after it
      inputSnapshots.put(Tables.SPAN_VOCABULARY.qualifiedName(), lh.currentSnapshotId(Tables.SPAN_VOCABULARY));
      scoreParts.add(s);
    }
    Dataset<Row> gradientSet = assigned.filter(col("method").equalTo("gradient"));
    if (config.method() != Method.SPAN && !gradientSet.isEmpty()) {
      reasonParts.add(gradientSet.filter(col("gradient_sketch").isNull())
          .select(col("request_id"), lit("no_sketch").as("reason")));
      GradientAttribution.Output g = new GradientAttribution(lh, config.gradient())
          .scores(gradientSet.filter(col("gradient_sketch").isNotNull()), progress);
      Dataset<Row> withAdapter = g.scores().join(gradientSet.select("request_id", "adapter_id"), "request_id")
          .withColumn("method", lit("gradient"));
      scoreParts.add(withAdapter);
      reasonParts.add(g.unattributed());
    }
    Dataset<Row> scores = scoreParts.stream()
        .map(d -> d.select(lit(epoch).as("epoch"), col("request_id"), col("adapter_id"), col("contribution_id"),
            col("contributor"), col("datanet"), col("method"), col("score"), col("share"), col("rank"),
            lit(runId).as("run_id")))
        .reduce(Dataset::unionByName).orElseThrow()
        .localCheckpoint();
    Dataset<Row> reasons = reasonParts.isEmpty() ? null : reasonParts.stream().reduce(Dataset::unionByName).orElseThrow();

    Dataset<Row> perInference = scores.groupBy("request_id", "method")
        .agg(count(col("contribution_id")).cast("int").as("contributions"),
            first(when(col("rank").equalTo(1), col("contribution_id")), true).as("top_contribution"),
            first(when(col("rank").equalTo(1), col("contributor")), true).as("top_contributor"),
            first(when(col("rank").equalTo(1), col("share")), true).as("top_share"));
    Dataset<Row> summary = assigned.select("request_id", "adapter_id", "method", "fee_wei")
        .join(perInference, new String[] {"request_id", "method"}, "left");
    if (reasons != null) {
      summary = summary.join(reasons, new String[] {"request_id"}, "left");
    } else {
      summary = summary.withColumn("reason", lit(null).cast("string"));
    }
    summary = summary.select(lit(epoch).as("epoch"), col("request_id"), col("adapter_id"), col("method"),
            col("contributions").isNotNull().as("attributed"),
            when(col("contributions").isNotNull(), lit(null).cast("string"))
                .otherwise(coalesce(col("reason"), when(col("method").equalTo("span"), lit("no_span"))
                    .otherwise(lit("no_positive_influence")))).as("unattributed_reason"),
            col("top_contribution"), col("top_contributor"), col("top_share"),
            coalesce(col("contributions"), lit(0)).as("contributions"), col("fee_wei"), lit(runId).as("run_id"))
        .localCheckpoint();

    List<String> methods = config.method() == Method.AUTO ? List.of("span", "gradient") : List.of(config.method().id());
    Map<String, String> props = Map.of("poa.attribution-run", runId, "poa.epoch", epoch);
    lease.assertHeld();
    IcebergWrites.append(scores, lh.sparkName(Tables.SCORES), props);
    lease.assertHeld();
    IcebergWrites.append(summary, lh.sparkName(Tables.INFERENCE_SUMMARY), props);
    lease.assertHeld();
    IcebergWrites.append(DatanetShares.of(epoch, scores, assigned).withColumn("run_id", lit(runId)),
        lh.sparkName(Tables.DATANET_SHARES), props);

    Map<String, Long> byMethod = new TreeMap<>();
    for (Row r : assigned.groupBy("method").count().collectAsList()) {
      byMethod.put(r.getString(0), r.getLong(1));
    }
    Map<String, Long> unattributed = new TreeMap<>();
    long attributed = 0;
    for (Row r : summary.groupBy("attributed", "unattributed_reason").count().collectAsList()) {
      if (r.getBoolean(0)) {
        attributed += r.getLong(2);
      } else {
        unattributed.put(r.getString(1), r.getLong(2));
      }
    }
    Map<String, Long> outputSnapshots = new TreeMap<>();
    outputSnapshots.put(Tables.SCORES.qualifiedName(), lh.currentSnapshotId(Tables.SCORES));
    outputSnapshots.put(Tables.INFERENCE_SUMMARY.qualifiedName(), lh.currentSnapshotId(Tables.INFERENCE_SUMMARY));
    outputSnapshots.put(Tables.DATANET_SHARES.qualifiedName(), lh.currentSnapshotId(Tables.DATANET_SHARES));
    Map<String, String> settings = new TreeMap<>();
    settings.put("span", config.span().toString());
    settings.put("gradient", config.gradient().toString());
    Row run = RowFactory.create(runId, epoch, config.method().id(), Timestamp.from(started), Timestamp.from(Instant.now()),
        inferences, attributed, CollectionConverters.asScala(byMethod), CollectionConverters.asScala(inputSnapshots),
        CollectionConverters.asScala(outputSnapshots), CollectionConverters.asScala(settings), "published");
    // the run's row, last: it publishes the rows above
    lease.assertHeld();
    IcebergWrites.append(spark.createDataFrame(List.of(run), spark.table(lh.sparkName(Tables.ATTRIBUTION_RUNS)).schema()),
        lh.sparkName(Tables.ATTRIBUTION_RUNS), props);
    deleteSuperseded(epoch, methods, runId);
    progress.step(String.format("epoch %s: %d of %d inference(s) attributed %s", epoch, attributed, inferences, byMethod));
    return new Result(runId, epoch, config.method().id(), inferences, attributed, byMethod, unattributed);
  }

  /**
   * Deletes the epoch's rows of the methods this run published that another run wrote (earlier
   * runs, runs that stopped before publishing, rows from before run ids): readers ignore them
   * already; this keeps the tables small. A failure here changes nothing a reader sees.
   */
  private void deleteSuperseded(String epoch, List<String> methods, String runId) {
    String in = methods.stream().map(m -> "'" + m + "'").reduce((a, b) -> a + ", " + b).orElseThrow();
    String superseded = "epoch = '" + epoch + "' AND method IN (" + in + ") AND (run_id IS NULL OR run_id <> '" + runId + "')";
    for (TableDefinition t : List.of(Tables.SCORES, Tables.INFERENCE_SUMMARY, Tables.DATANET_SHARES)) {
      // a DELETE rewrites files: only when there is something to delete (not on an epoch's first run)
      if (!spark.table(lh.sparkName(t)).filter(superseded).limit(1).isEmpty()) {
        spark.sql("DELETE FROM " + lh.sparkName(t) + " WHERE " + superseded);
      }
    }
  }
}
