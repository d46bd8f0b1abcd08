package dev.poa.cli;

import dev.poa.jobs.Progress;
import dev.poa.jobs.rewards.ValidationIngestJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "validations",
    mixinStandardHelpOptions = true,
    description = "Ingest validator attestations.",
    subcommands = {ValidationsCommand.Ingest.class})
final class ValidationsCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw new IllegalArgumentException("Missing subcommand: poa validations ingest");
  }

  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = {
        "Ingest validator attestations into datanet.validations.",
        "",
        "Records: validator (address), contribution_id (existing), verdict (valid or",
        "invalid), attested_at (ISO-8601 with offset), signature: EIP-191 over",
        "sha256(\"poa-validation\\n\" + contribution_id + \"\\n\" + verdict) by the",
        "validator. Rewards split the validators' part by attested contributions that",
        "earned in the epoch; an invalid verdict stops a contribution from earning",
        "from that epoch on. Bad records go to datanet.validation_rejects.",
      })
  static final class Ingest implements Callable<Integer> {
    @ParentCommand ValidationsCommand parent;

    @Mixin RecordBatchOptions batch;

    @Override
    public Integer call() {
      ValidationIngestJob.Result r = new ValidationIngestJob(parent.root.lakehouse(), Progress.to(System.err, "validations"))
          .run(new ValidationIngestJob.Config(batch.inputs, batch.format, batch.batchId));
      if (r.alreadyIngested()) {
        System.out.printf("validation batch %s: already ingested, unchanged (%d attestations)%n", r.batchId(), r.accepted());
      } else {
        System.out.printf("validation batch %s: ingested%n  read %d = accepted %d + duplicate %d + rejected %d%n",
            r.batchId(), r.read(), r.accepted(), r.duplicate(), r.rejected());
        r.rejectedByReason().forEach((k, v) -> System.out.printf("  rejected %-22s %d%n", k, v));
      }
      return 0;
    }
  }
}
