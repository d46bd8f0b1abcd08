package dev.poa.jobs.attribution;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Which rows of {@code attribution.scores}, {@code attribution.inference_summary} and
 * {@code attribution.datanet_shares} count: for
 * each method of an epoch, those of the latest published run that covered the method ({@code span}
 * or {@code gradient}, or {@code auto} for both). A run appends its rows tagged with its
 * {@code run_id} and publishes them by appending its row to {@code attribution.runs} last, so a
 * reader joined to the published runs sees all of a run or none of it, whatever point a run
 * stopped at; rows of a run that never published are ignored (and deleted by the next run).
 *
 * <p>Before run ids (schema version 1), a run replaced its rows in place and they carry no
 * run_id: when the latest run of a method is such a run, or there is none, the rows without a
 * run_id are the ones that count.
 */
public final class PublishedAttribution {
  public static final List<String> METHODS = List.of("span", "gradient");

  /** A run as recorded in attribution.runs. */
  public record Run(String runId, String method, Timestamp finishedAt, long inferences, boolean published) {
    /** The run_id its rows carry: null for a run from before run ids. */
    public String rowRunId() {
      return published ? runId : null;
    }

    public String describe() {
      return published ? "run " + runId : "run " + runId + " (before run ids)";
    }
  }

  private final String epoch;
  private final Map<String, Optional<Run>> byMethod;

  private PublishedAttribution(String epoch, Map<String, Optional<Run>> byMethod) {
    this.epoch = epoch;
    this.byMethod = byMethod;
  }

  /** From the rows of attribution.runs (read at whatever snapshot the reader pinned). */
  public static PublishedAttribution of(String epoch, Dataset<Row> runs) {
    boolean hasStatus = List.of(runs.columns()).contains("status");
    List<Run> all = new ArrayList<>();
    for (Row r : runs.filter(col("epoch").equalTo(epoch)).collectAsList()) {
      boolean published = hasStatus && "published".equals(r.getAs("status"));
      all.add(new Run(r.getAs("run_id"), r.getAs("method"), r.getAs("finished_at"), r.<Long>getAs("inferences"), published));
    }
    Map<String, Optional<Run>> byMethod = new LinkedHashMap<>();
    for (String m : METHODS) {
      byMethod.put(m, all.stream().filter(r -> r.method().equals(m) || r.method().equals("auto"))
          .max(Comparator.comparing(Run::finishedAt).thenComparing(Run::runId)));
    }
    return new PublishedAttribution(epoch, byMethod);
  }

  /** The latest run covering a method, if any. */
  public Optional<Run> run(String method) {
    return byMethod.get(method);
  }

  /** The distinct runs whose rows count (at most one per method). */
  public List<Run> runs() {
    return byMethod.values().stream().flatMap(Optional::stream).distinct().toList();
  }

  /** Keeps the rows of the epoch that count, in a scores or summary table (which has epoch, method, run_id). */
  public Dataset<Row> rows(Dataset<Row> table) {
    Dataset<Row> t = List.of(table.columns()).contains("run_id") ? table : table.withColumn("run_id", lit(null).cast("string"));
    Column keep = lit(false);
    for (String m : METHODS) {
      String runId = byMethod.get(m).map(Run::rowRunId).orElse(null);
      keep = keep.or(col("method").equalTo(m).and(col("run_id").eqNullSafe(lit(runId).cast("string"))));
    }
    return t.filter(col("epoch").equalTo(epoch).and(keep));
  }
}
