package dev.poa.jobs.serving;

import static org.apache.spark.sql.functions.col;

import dev.poa.export.AdapterExport;
import dev.poa.export.Dtype;
import dev.poa.jobs.Progress;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code poa export-adapters}: reads the registered adapters (models.adapters), their training
 * sets and the licenses of those contributions, and hands them to {@link AdapterExport}, which
 * checks and packs each one.
 */
public final class AdapterExportJob {
  /** {@code adapterIds} null = every registered adapter; {@code dtype} null = keep the weights' dtype. */
  public record Config(List<String> adapterIds, String out, Dtype dtype) {}

  private final Lakehouse lh;
  private final Progress progress;

  public AdapterExportJob(Lakehouse lh, Progress progress) {
    this.lh = lh;
    this.progress = progress;
  }

  public AdapterExport.Result run(Config config) throws IOException {
    // reads the lakehouse only (writes the fleet): no lease, no DDL
    lh.requireCurrent(List.of(Tables.ADAPTERS, Tables.ADAPTER_TRAINING_SET, Tables.CONTRIBUTIONS));
    var spark = lh.spark();
    Dataset<Row> adapters = spark.table(lh.sparkName(Tables.ADAPTERS));
    if (config.adapterIds() != null) {
      adapters = adapters.filter(col("adapter_id").isin(config.adapterIds().toArray()));
    }
    List<Row> rows = adapters.orderBy("adapter_id").collectAsList();
    if (config.adapterIds() != null) {
      TreeSet<String> missing = new TreeSet<>(config.adapterIds());
      rows.forEach(r -> missing.remove(r.<String>getAs("adapter_id")));
      if (!missing.isEmpty()) {
        throw new BadInputException("Not registered: " + missing + " (see poa adapters list)");
      }
    }
    List<String> ids = rows.stream().map(r -> r.<String>getAs("adapter_id")).toList();
    Map<String, List<String>> training = new HashMap<>();
    Map<String, TreeSet<String>> licenses = new HashMap<>();
    Dataset<Row> set = spark.table(lh.sparkName(Tables.ADAPTER_TRAINING_SET)).filter(col("adapter_id").isin(ids.toArray()));
    for (Row r : set.join(spark.table(lh.sparkName(Tables.CONTRIBUTIONS)).select("contribution_id", "license"),
        new String[] {"contribution_id"}, "left").select("adapter_id", "contribution_id", "license").collectAsList()) {
      training.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r.getString(1));
      if (!r.isNullAt(2)) {
        licenses.computeIfAbsent(r.getString(0), k -> new TreeSet<>()).add(r.getString(2));
      }
    }
    List<AdapterExport.Source> sources = new ArrayList<>();
    for (Row r : rows) {
      String id = r.getAs("adapter_id");
      sources.add(new AdapterExport.Source(id, r.getAs("base_model"), r.getAs("owner"), r.getList(r.fieldIndex("datanets")),
          r.<Integer>getAs("rank"), r.<Double>getAs("alpha"), r.getList(r.fieldIndex("target_modules")),
          r.getAs("artifact_uri"), r.isNullAt(r.fieldIndex("training_set_snapshot_id")) ? null
              : r.<Long>getAs("training_set_snapshot_id"),
          training.getOrDefault(id, List.of()), List.copyOf(licenses.getOrDefault(id, new TreeSet<>()))));
    }
    progress.step("exporting " + sources.size() + " adapter(s) to " + config.out()
        + (config.dtype() == null ? "" : " as " + config.dtype()));
    return AdapterExport.to(config.out(), spark.sparkContext().hadoopConfiguration()).dtype(config.dtype())
        .progress(progress::step).run(sources);
  }
}
