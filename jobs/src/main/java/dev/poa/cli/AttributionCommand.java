package dev.poa.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.poa.jobs.attribution.DatanetShares;
import dev.poa.jobs.attribution.PublishedAttribution;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.Epochs;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "attribution",
    mixinStandardHelpOptions = true,
    description = {"Reports on an epoch's attribution (what poa attribute published)."},
    subcommands = {AttributionCommand.Datanets.class})
final class AttributionCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa attribution datanets");
  }

  @Command(
      name = "datanets",
      mixinStandardHelpOptions = true,
      description = {
        "Influence per DataNet: what share of each adapter's inferences in the epoch came from each DataNet.",
        "",
        "share = the credit the adapter's inferences gave the DataNet's contributions (the sum of their",
        "shares) over every inference the adapter served in the epoch; per adapter, the shares and the",
        "(unattributed) row sum to 1. Reads attribution.datanet_shares of the epoch's published runs",
        "(attribution.runs); for a run older than that table, derives the same figures from",
        "attribution.scores and says so.",
      })
  static final class Datanets extends CliCommand implements Callable<Integer> {
    @ParentCommand AttributionCommand parent;

    @Option(names = "--epoch", required = true, paramLabel = "E", description = "Epoch id (YYYY-MM-DD) or any date/timestamp inside it.")
    String epoch;

    @Option(names = "--adapter", paramLabel = "ID", description = "Only this adapter.")
    String adapter;

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json (one object per line).")
    String format;

    @Override
    public Integer call() {
      SqlCommand.requireFormat(format);
      String e = Epochs.resolve(epoch);
      Lakehouse lh = parent.root.lakehouse();
      lh.requireCurrent(List.of(Tables.SCORES, Tables.INFERENCE_SUMMARY, Tables.ATTRIBUTION_RUNS, Tables.DATANET_SHARES));
      var spark = lh.spark();
      PublishedAttribution published = PublishedAttribution.of(e, spark.table(lh.sparkName(Tables.ATTRIBUTION_RUNS)));
      if (published.runs().isEmpty()) {
        throw new dev.poa.schemas.NotReadyException("Epoch " + e + " has no published attribution: run poa attribute --epoch " + e);
      }
      Dataset<Row> summary = published.rows(spark.table(lh.sparkName(Tables.INFERENCE_SUMMARY)).filter(col("epoch").equalTo(e)));
      Dataset<Row> shares = published.rows(spark.table(lh.sparkName(Tables.DATANET_SHARES)).filter(col("epoch").equalTo(e)));
      PrintWriter out = out();
      long methodsRecorded = shares.select("method").distinct().count();
      long methodsRun = summary.select("method").distinct().count();
      if (methodsRecorded < methodsRun) {
        // runs from before attribution.datanet_shares: the same derivation, from the published scores
        shares = DatanetShares.of(e, published.rows(spark.table(lh.sparkName(Tables.SCORES)).filter(col("epoch").equalTo(e))),
            summary.select("request_id", "adapter_id").distinct());
        spec.commandLine().getErr().println("poa: epoch " + e + " was attributed before attribution.datanet_shares existed:"
            + " figures derived from attribution.scores");
      }
      if (adapter != null) {
        shares = shares.filter(col("adapter_id").equalTo(adapter));
        summary = summary.filter(col("adapter_id").equalTo(adapter));
      }
      Dataset<Row> unattributed = summary.groupBy("adapter_id")
          .agg(count_distinct(col("request_id")).as("adapter_inferences"),
              count_distinct(when(col("attributed").equalTo(false), col("request_id"))).as("inferences_touched"))
          .join(shares.groupBy("adapter_id").agg(sum("share").as("attributed_share")), new String[] {"adapter_id"}, "left")
          .select(col("adapter_id"), lit("(unattributed)").as("datanet"), lit("").as("method"),
              greatest(lit(0.0), lit(1.0).minus(org.apache.spark.sql.functions.coalesce(col("attributed_share"), lit(0.0))))
                  .as("share"),
              col("inferences_touched"), col("adapter_inferences"));
      Dataset<Row> report = shares.select(col("adapter_id"), col("datanet"), col("method"), col("share"),
              col("inferences_touched"), col("adapter_inferences"))
          .unionByName(unattributed)
          .withColumn("is_rest", col("datanet").equalTo("(unattributed)"))
          .orderBy(col("adapter_id"), col("is_rest"), col("share").desc(), col("datanet"), col("method"))
          .select(col("adapter_id").as("adapter"), col("datanet"), col("method"), round(col("share"), 4).as("share"),
              col("inferences_touched").as("inferences"), col("adapter_inferences").as("of"));
      SqlCommand.print(report, format, 100_000, out);
      out.flush();
      return 0;
    }
  }
}
