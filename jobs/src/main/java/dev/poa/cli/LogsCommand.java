package dev.poa.cli;

import dev.poa.jobs.Progress;
import dev.poa.jobs.serving.LogIngestJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Ingest inference logs.",
    subcommands = {LogsCommand.Ingest.class})
final class LogsCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa logs ingest");
  }

  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = {
        "Ingest inference logs into serving.inference_logs.",
        "",
        "Records: request_id, adapter_id (registered), served_at (ISO-8601 with offset),",
        "prompt, completion, fee_wei (integer wei: a JSON integer or a string of digits),",
        "optional gradient_sketch (numbers) with sketch_spec, optional metadata.",
        "A request_id seen before is dropped (delivery is at least once); bad records are",
        "kept in serving.inference_log_rejects with a reason. Each log's epoch is the UTC",
        "day of its served_at.",
      })
  static final class Ingest extends CliCommand implements Callable<Integer> {
    @ParentCommand LogsCommand parent;

    @Mixin RecordBatchOptions batch;

    @Override
    public Integer call() {
      LogIngestJob.Result r = new LogIngestJob(parent.root.lakehouse(), Progress.to(err(), "logs"))
          .run(new LogIngestJob.Config(batch.inputs, batch.format, batch.batchId));
      out().println(describe(r));
      return 0;
    }
  }

  static String describe(LogIngestJob.Result r) {
    StringBuilder sb = new StringBuilder(String.format("log batch %s: %s%n  read %d = accepted %d + duplicate_request %d"
        + " + rejected %d", r.batchId(), r.alreadyIngested() ? "already ingested, unchanged" : "ingested", r.read(),
        r.accepted(), r.duplicateRequest(), r.rejected()));
    r.rejectedByReason().forEach((k, v) -> sb.append(String.format("%n  rejected %-22s %d", k, v)));
    return sb.toString();
  }
}
