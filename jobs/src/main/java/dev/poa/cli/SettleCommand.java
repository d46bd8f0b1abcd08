package dev.poa.cli;

import dev.poa.jobs.Progress;
import dev.poa.jobs.settlement.SettleJob;
import dev.poa.settlement.Settler;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "settle",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Commit a finalised epoch's Merkle root to the rewards distributor, exactly once.",
      "",
      "Refuses an epoch that is not finalised (exit 8) or whose audit fails",
      "(exit 5). Checks the chain first: the root already committed → success once",
      "final, nothing sent; another root → exit 4, nothing sent. Signs an EIP-1559",
      "transaction (key: env POA_SETTLER_KEY or --keystore), journals it in",
      "rewards.settlements before broadcasting, waits for the receipt and for",
      "finality: the node's finalized block where it reports one (else 2",
      "confirmations), or exactly --confirmations blocks when given. A rerun after",
      "any interruption resumes from the journal: same signed bytes when the node",
      "was down or the transaction dropped, the receipt by hash after a restart, a",
      "fee-bumped replacement at the same nonce when stuck, a resend after a reorg.",
      "A revert is decoded and reported.",
      "",
      "A node that makes no new block for --stall-after seconds while a commit waits",
      "for depth (plain anvil mines only when a transaction arrives) ends the run",
      "with exit 7 and what to do: --confirmations 1 on a dev chain, or",
      "'anvil --block-time 1'.",
      "",
      "Exit 0 committed (or already), 4 conflicting root, 5 audit failed, 7 sent but",
      "not yet final within --timeout (rerun to resume), 8 epoch not finalised, 1",
      "other failures.",
    })
final class SettleCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Mixin ChainOptions chain;

  @Option(names = "--epoch", required = true, paramLabel = "E", description = "Epoch id or any timestamp inside it.")
  String epoch;

  @Option(names = "--confirmations", paramLabel = "N",
      description = "Wait until the commit is N blocks deep (its own block counts). Default: poa.settle.confirmations,"
          + " else the node's finalized block where it reports one, else 2.")
  Integer confirmations;

  @Option(names = "--stall-after", defaultValue = "60", paramLabel = "SECONDS",
      description = "End as pending (exit 7) when the node makes no new block for this long while waiting (default ${DEFAULT-VALUE}).")
  double stallAfter;

  @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS", description = "How long this run waits (default ${DEFAULT-VALUE}).")
  double timeout;

  @Option(names = "--replace-after", defaultValue = "30", paramLabel = "SECONDS",
      description = "Replace a transaction not mined after this long (default ${DEFAULT-VALUE}).")
  double replaceAfter;

  @Override
  public Integer call() {
    var c = root.config();
    // --confirmations, else poa.settle.confirmations (e.g. 1 for a development chain), else finality
    Integer depth = confirmations != null ? confirmations
        : c.get("poa.settle.confirmations", null) == null ? null : (int) c.getLong("poa.settle.confirmations", 2);
    Settler.Settings s = new Settler.Settings(depth == null ? 2 : depth, depth == null,
        (long) (timeout * 1000), (long) (replaceAfter * 1000), 250, 5, 25, (long) (stallAfter * 1000));
    try {
      Settler.Result r = new SettleJob(root.lakehouse(), Progress.to(err(), "settle")).run(new SettleJob.Config(epoch,
          chain.rpc(c, root.env()), chain.contract(c), chain.key(root.env(), "POA_SETTLER_KEY"), s));
      out().println(r.status() == Settler.Status.ALREADY_COMMITTED
          ? "epoch already committed on chain with this root" + (r.txHash() == null ? "" : " (" + r.txHash() + ")")
          : "epoch committed: transaction " + r.txHash() + " in block " + r.blockNumber());
      return 0;
    } catch (Settler.PendingException e) {
      err().println("poa: " + e.getMessage());
      return PoaCli.EXIT_PENDING;
    }
  }
}
