package dev.poa.cli;

import dev.poa.jobs.Progress;
import dev.poa.jobs.serving.GradientIngestJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "gradients",
    mixinStandardHelpOptions = true,
    description = "Ingest training gradient sketches of an adapter.",
    subcommands = {GradientsCommand.Ingest.class})
final class GradientsCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa gradients ingest");
  }

  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = {
        "Ingest the gradient sketches of an adapter's training contributions into",
        "models.training_gradients.",
        "",
        "Records: contribution_id (in the adapter's training set), sketch (k numbers),",
        "sketch_spec (rp1:k=<k>:seed=<seed>; one spec per adapter). A contribution",
        "that already has a sketch keeps it (repeats are dropped and counted); bad",
        "records go to models.training_gradient_rejects with a reason.",
        "See docs/attribution.md: gradient influence and the sketch spec.",
      })
  static final class Ingest extends CliCommand implements Callable<Integer> {
    @ParentCommand GradientsCommand parent;

    @Option(names = "--adapter", required = true, paramLabel = "ID", description = "Registered adapter id.")
    String adapterId;

    @Mixin RecordBatchOptions batch;

    @Override
    public Integer call() {
      GradientIngestJob.Result r = new GradientIngestJob(parent.root.lakehouse(), Progress.to(err(), "gradients"))
          .run(new GradientIngestJob.Config(adapterId, batch.inputs, batch.format, batch.batchId));
      out().println(describe(r));
      return 0;
    }
  }

  static String describe(GradientIngestJob.Result r) {
    StringBuilder sb = new StringBuilder();
    if (r.alreadyIngested()) {
      sb.append(String.format("gradient batch %s: already ingested, unchanged (accepted %d, rejected %d)", r.batchId(),
          r.accepted(), r.rejected()));
    } else {
      sb.append(String.format("gradient batch %s: ingested (spec %s)%n  read %d = accepted %d + duplicate %d + rejected %d",
          r.batchId(), r.sketchSpec(), r.read(), r.accepted(), r.duplicate(), r.rejected()));
      r.rejectedByReason().forEach((k, v) -> sb.append(String.format("%n  rejected %-22s %d", k, v)));
    }
    return sb.toString();
  }
}
