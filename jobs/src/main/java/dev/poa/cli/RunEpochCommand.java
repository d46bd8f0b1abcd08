package dev.poa.cli;

import dev.poa.jobs.pipeline.EpochPipeline;
import dev.poa.udfs.Epochs;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "run-epoch",
    mixinStandardHelpOptions = true,
    description = {
      "Run the epoch pipeline here, stage by stage (see poa pipeline): ingest the",
      "batches ready in the landing, attribute, rewards, audit, settle (only with",
      "--settle), export adapters. Each stage guards itself; the run stops at the",
      "first stage that does not finish and exits with its code: 8 not ready (run",
      "again later), 7 sent but not final (run again), 5 the audit differs, 6 some",
      "adapters failed to export; an epoch without inference ends after attribute",
      "(exit 0). A stage already done is a no-op when run again.",
    })
final class RunEpochCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Option(names = "--epoch", required = true, paramLabel = "E", description = "Epoch id or any timestamp inside it.")
  String epoch;

  @Option(names = "--until", paramLabel = "STAGE", description = "Stop after this stage.")
  String until;

  @Option(names = "--landing", paramLabel = "DIR|URI", description = "Where batches are dropped (default: poa.landing).")
  String landing;

  @Option(names = "--fleet", paramLabel = "DIR|URI", description = "Where adapters are packed (default: poa.export.fleet).")
  String fleet;

  @Option(names = "--settle", description = "Also commit the epoch on chain (node, contract and key as for poa settle).")
  boolean settle;

  @Override
  public Integer call() {
    String e = Epochs.resolve(epoch);
    if (until != null) {
      EpochPipeline.stage(until);
    }
    StageRunner runner = StageRunner.of(root, landing, fleet, root.env(), List.of());
    for (EpochPipeline.Stage s : EpochPipeline.STAGES) {
      if (s.offUnlessEnabled() && !settle) {
        out().println();
        out().println("[stage " + s.id() + "] off (--settle turns it on)");
      } else {
        StageRunner.Ran r = runner.run(s.id(), e);
        if (r.outcome() == EpochPipeline.Outcome.SKIP_REST) {
          out().println();
          out().println("epoch " + e + ": nothing to do after " + s.id() + " (no inference)");
          return 0;
        }
        if (r.outcome() != EpochPipeline.Outcome.DONE) {
          return r.exitCode();
        }
      }
      if (s.id().equals(until)) {
        break;
      }
    }
    out().println();
    out().println("epoch " + e + ": every stage done" + (until == null ? "" : " up to " + until));
    return 0;
  }
}
