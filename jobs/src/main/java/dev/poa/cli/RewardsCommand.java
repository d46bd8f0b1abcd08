package dev.poa.cli;

import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.Progress;
import dev.poa.jobs.rewards.RewardRules;
import dev.poa.jobs.rewards.RewardsJob;
import dev.poa.schemas.BadInputException;
import dev.poa.udfs.rewards.RewardPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "rewards",
    mixinStandardHelpOptions = true,
    description = {
      "Finalise an epoch: exact payouts, Merkle root and manifest file.",
      "",
      "Splits each inference's fee by the reward policy (basis points for",
      "contributors, owner, validators, treasury), the contributors' part by",
      "attribution (gradient if attributed so, else span); writes",
      "rewards.epoch_payouts, the manifest JSON (an OpenZeppelin StandardMerkleTree",
      "dump over (address, cumulative amount) plus the epoch's metadata) and a",
      "rewards.epoch_manifests row pinning every input snapshot, with the epoch's",
      "chain number. Rerunning a finalised epoch changes nothing if it recomputes to",
      "the same root, and fails (exit 4) if not.",
      "",
      "Refuses with exit 8 (nothing written) an epoch that has not ended, that has",
      "an earlier epoch with inferences not finalised (epochs are finalised in",
      "order), or whose inferences are not all covered by its published attribution",
      "(run poa attribute first, or again after late logs).",
      "",
      "Settings: poa.rewards.policy (policy JSON file) or poa.rewards.treasury (the",
      "default policy's treasury address); poa.rewards.manifest-dir (default",
      "<warehouse>/manifests; any Hadoop URI, e.g. s3a://); poa.validation.quorum",
      "(default 2: distinct registered validators whose invalid verdicts slash a",
      "contribution).",
    })
final class RewardsCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Option(names = "--epoch", required = true, paramLabel = "E", description = "Epoch id or any timestamp inside it.")
  String epoch;

  @Option(names = "--policy", paramLabel = "FILE", description = "Reward policy JSON (default: poa.rewards.policy).")
  Path policyFile;

  @Override
  public Integer call() throws IOException {
    PoaConfig c = root.config();
    RewardsJob.Result r = new RewardsJob(root.lakehouse(), Progress.to(err(), "rewards"))
        .run(new RewardsJob.Config(epoch, policy(c, policyFile), manifestDir(c), rules(c)));
    out().printf("epoch %s: %s%n  root %s%n  paid %s wei this epoch; %d recipients, %s wei cumulative%n  manifest %s%n",
        r.epoch(), r.alreadyFinalised() ? "already finalised, unchanged" : "finalised", r.root(), r.totalWei(),
        r.recipients(), r.cumulativeTotalWei(), r.manifestPath());
    return 0;
  }

  static RewardPolicy policy(PoaConfig c, Path file) throws IOException {
    String path = file != null ? file.toString() : c.get("poa.rewards.policy", null);
    if (path != null) {
      return RewardPolicy.parse(Files.readString(Path.of(path)));
    }
    String treasury = c.get("poa.rewards.treasury", null);
    if (treasury == null) {
      throw new BadInputException("No reward policy: pass --policy FILE, or set poa.rewards.policy, or"
          + " poa.rewards.treasury=<address> for the default policy");
    }
    return RewardPolicy.defaults(treasury);
  }

  /** The validation rules of new epochs: poa.validation.quorum (default 2), registered validators only. */
  static RewardRules rules(PoaConfig c) {
    return new RewardRules((int) c.getLong("poa.validation.quorum", RewardRules.DEFAULT.quorum()), true);
  }

  static String manifestDir(PoaConfig c) {
    return c.get("poa.rewards.manifest-dir", c.warehouse().toAbsolutePath().resolve("manifests").toUri().toString());
  }
}
