package dev.poa.cli;

import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.Progress;
import dev.poa.jobs.rewards.ValidationIngestJob;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "validations",
    mixinStandardHelpOptions = true,
    description = "Ingest validator attestations.",
    subcommands = {ValidationsCommand.Ingest.class})
final class ValidationsCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa validations ingest");
  }

  /** The chain id of the attestations' domain ({@code poa.chain.id}) and the allowed clock skew. */
  static ValidationIngestJob.Config config(PoaConfig c, List<String> inputs, String format, String batchId) {
    String skew = c.get("poa.validation.max-clock-skew",
        dev.poa.schemas.Durations.format(ValidationIngestJob.DEFAULT_MAX_CLOCK_SKEW));
    return new ValidationIngestJob.Config(inputs, format, batchId,
        c.getLong("poa.chain.id", ValidationIngestJob.DEFAULT_CHAIN_ID), dev.poa.schemas.Durations.parse(skew));
  }

  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = {
        "Ingest validator attestations into datanet.validations.",
        "",
        "Records: validator (address), contribution_id (existing), verdict (valid or",
        "invalid), attested_at (ISO-8601 with offset, whole seconds), signature: the",
        "validator's EIP-712 signature of Attestation(address validator,string",
        "contributionId,string verdict,uint64 attestedAt) in the domain {name poa,",
        "version 1, chainId poa.chain.id} (docs/rewards.md: attestations). The validator must",
        "be registered for the contribution's DataNet at attested_at (poa validators",
        "add); attested_at may not be ahead of this clock by more than",
        "poa.validation.max-clock-skew (default 5m), nor before the contribution.",
        "Rewards split the validators' part by attested contributions that earned in",
        "the epoch; poa.validation.quorum (default 2) invalid verdicts stop a",
        "contribution from earning from that epoch on. Bad records go to",
        "datanet.validation_rejects with their reason.",
      })
  static final class Ingest extends CliCommand implements Callable<Integer> {
    @ParentCommand ValidationsCommand parent;

    @Mixin RecordBatchOptions batch;

    @Override
    public Integer call() {
      ValidationIngestJob.Result r = new ValidationIngestJob(parent.root.lakehouse(), Progress.to(err(), "validations"))
          .run(config(parent.root.config(), batch.inputs, batch.format, batch.batchId));
      out().println(describe(r));
      return 0;
    }
  }

  static String describe(ValidationIngestJob.Result r) {
    if (r.alreadyIngested()) {
      return String.format("validation batch %s: already ingested, unchanged (%d attestations)", r.batchId(), r.accepted());
    }
    StringBuilder sb = new StringBuilder(String.format("validation batch %s: ingested%n  read %d = accepted %d + duplicate"
        + " %d + rejected %d", r.batchId(), r.read(), r.accepted(), r.duplicate(), r.rejected()));
    r.rejectedByReason().forEach((k, v) -> sb.append(String.format("%n  rejected %-22s %d", k, v)));
    return sb.toString();
  }
}
