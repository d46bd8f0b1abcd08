package dev.poa.cli;

import dev.poa.schemas.Tables;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "epochs",
    mixinStandardHelpOptions = true,
    description = {
      "List epochs with their time range and counts.",
      "",
      "An epoch is a UTC day: an inference belongs to the epoch of its served_at,",
      "named YYYY-MM-DD. Commands that take --epoch accept the id or any timestamp",
      "inside it.",
    })
final class EpochsCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Option(names = "--format", defaultValue = "table", description = "table, csv or json.")
  String format;

  @Override
  public Integer call() {
    var lh = root.lakehouse();
    lh.requireCurrent(java.util.List.of(Tables.INFERENCE_LOGS));
    String sql = "SELECT epoch, to_timestamp(epoch) AS starts, to_timestamp(epoch) + INTERVAL 1 DAY AS ends,"
        + " min(served_at) AS first_served, max(served_at) AS last_served, count(*) AS inferences,"
        + " count(DISTINCT adapter_id) AS adapters, CAST(sum(fee_wei) AS DECIMAL(38,0)) AS fees_wei"
        + " FROM " + lh.sparkName(Tables.INFERENCE_LOGS) + " GROUP BY epoch ORDER BY epoch";
    SqlCommand.print(lh.spark().sql(sql), format, 100_000, out());
    return 0;
  }
}
