package dev.poa.cli;

import dev.poa.jobs.pipeline.EpochPipeline;
import dev.poa.schemas.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = {
      "Show the epoch pipeline: its stages in order, what each runs and what its",
      "exit codes mean to a scheduler. The Airflow DAG poa_epoch is built from",
      "--format json (orchestration/dags/poa_pipeline.json).",
    })
final class PipelineCommand extends CliCommand implements Callable<Integer> {
  @Option(names = "--format", defaultValue = "table", description = "table or json.")
  String format;

  @Override
  public Integer call() {
    if (format.equals("json")) {
      out().print(EpochPipeline.json());
      return 0;
    }
    if (!format.equals("table")) {
      throw new BadInputException("--format must be table or json, got " + format);
    }
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"stage", "after", "runs", "exits"});
    for (EpochPipeline.Stage s : EpochPipeline.STAGES) {
      StringBuilder exits = new StringBuilder();
      s.exits().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e -> exits.append(e.getKey())
          .append(' ').append(e.getValue().name().toLowerCase(java.util.Locale.ROOT)).append("; "));
      cells.add(new String[] {s.id() + (s.offUnlessEnabled() ? " (off unless enabled)" : ""), String.join(", ", s.after()),
          "poa " + String.join(" ", s.command()), exits + "others fail"});
    }
    out().print(TableFormat.render(cells, null));
    return 0;
  }
}
