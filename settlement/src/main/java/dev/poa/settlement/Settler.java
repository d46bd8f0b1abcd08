package dev.poa.settlement;

import dev.poa.schemas.BadInputException;
import dev.poa.schemas.ExitStatus;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Commits one epoch's root to the distributor exactly once, whatever fails around it. The chain
 * is checked first (root already there and equal: done, nothing sent; a different root: refused);
 * every signed transaction is journalled (epoch, nonce, raw bytes, hash) before it is broadcast,
 * so a rerun after any interruption finds what was sent:
 *
 * <ul>
 *   <li>node down mid-submit: the same signed bytes are sent again (same hash);
 *   <li>restart after broadcast: the receipt is found by the journalled hash;
 *   <li>dropped transaction (unknown to the node, nonce unused): the same bytes are sent again, at
 *       the same nonce;
 *   <li>stuck (not mined after {@code replaceAfter}): a replacement at the same nonce with fees
 *       raised by at least {@code feeBumpPercent} and to the market, journalled before it is sent;
 *   <li>reorg that removes the receipt before {@code confirmations}: re-checked, the same bytes
 *       sent again;
 *   <li>revert: the custom error is decoded and reported; no retry.
 * </ul>
 */
public final class Settler {
  /** What to commit: the epoch (poa id and its number on chain) and the manifest's root, total and hash. */
  public record Request(String epoch, long chainEpoch, String contract, String root, BigInteger total, String manifestHash) {}

  /**
   * Tunables of a run. A commit is final ("confirmed") when its block is at or below the node's
   * {@code finalized} block, if {@code finalizedWhereReported} and the node reports one; else when
   * it is {@code confirmations} blocks deep (its own block counts as one). A node whose head does
   * not move for {@code stallMillis} while a commit waits for depth makes the run end as pending,
   * with what to do (a development chain that mines only when transactions arrive).
   */
  public record Settings(int confirmations, boolean finalizedWhereReported, long timeoutMillis, long replaceAfterMillis,
      long pollMillis, int sendAttempts, int feeBumpPercent, long stallMillis) {
    public Settings {
      if (confirmations < 1) {
        throw new BadInputException("--confirmations must be at least 1");
      }
    }

    /** Exactly {@code confirmations} blocks of depth, whatever the node says is finalized. */
    public Settings(int confirmations, long timeoutMillis, long replaceAfterMillis, long pollMillis, int sendAttempts,
        int feeBumpPercent) {
      this(confirmations, false, timeoutMillis, replaceAfterMillis, pollMillis, sendAttempts, feeBumpPercent, 60_000);
    }

    /** The node's finalized block where it reports one, else 2 confirmations. */
    public static Settings defaults() {
      return new Settings(2, true, 120_000, 30_000, 250, 5, 25, 60_000);
    }

    String depthRule() {
      return (finalizedWhereReported ? "the node's finalized block (else " : "") + confirmations + " confirmation"
          + (confirmations == 1 ? "" : "s") + (finalizedWhereReported ? ")" : "");
    }
  }

  /** One journal entry. Statuses: signed, broadcast, rebroadcast, mined, reorged, confirmed, reverted, already_committed, conflict. */
  public record Attempt(String epoch, long chainEpoch, long chainId, String contract, String root, Long nonce, String txHash,
      String rawTx, BigInteger maxFeePerGas, BigInteger maxPriorityFeePerGas, String status, Long blockNumber,
      String blockHash, String detail) {}

  /** Where attempts are recorded before anything is broadcast (rewards.settlements in the lakehouse). */
  public interface Journal {
    /** The entries of an epoch on a chain and contract, in the order recorded. */
    List<Attempt> attempts(String epoch, long chainId, String contract);

    void record(Attempt a);
  }

  public enum Status { COMMITTED, ALREADY_COMMITTED }

  public record Result(Status status, String txHash, Long blockNumber, int transactionsSigned) {}

  /** The chain holds another root for the epoch: nothing was sent. */
  public static final class ConflictException extends IllegalStateException implements ExitStatus {
    @Override
    public int exitCode() {
      return ExitStatus.CONFLICT;
    }

    public ConflictException(String m) {
      super(m);
    }
  }

  /** Broadcast, but not confirmed within the run's timeout: a rerun resumes from the journal. */
  public static final class PendingException extends IllegalStateException implements ExitStatus {
    @Override
    public int exitCode() {
      return ExitStatus.PENDING;
    }

    public PendingException(String m) {
      super(m);
    }
  }

  private static final String ZERO = "0x" + "0".repeat(64);

  private final Chain chain;
  private final Credentials key;
  private final Journal journal;
  private final Settings settings;
  private final Consumer<String> progress;

  public Settler(Chain chain, Credentials key, Journal journal, Settings settings, Consumer<String> progress) {
    this.chain = chain;
    this.key = key;
    this.journal = journal;
    this.settings = settings;
    this.progress = progress;
  }

  @SuppressWarnings("rawtypes")
  String rootOnChain(Request r) {
    List<Type> out = chain.call(key.getAddress(), r.contract(), Distributor.epochRoot(r.chainEpoch()));
    return Numeric.toHexString((byte[]) out.get(0).getValue());
  }

  @SuppressWarnings("rawtypes")
  long lastEpoch(String contract) {
    List<Type> out = chain.call(key.getAddress(), contract, Distributor.lastEpoch());
    return ((BigInteger) out.get(0).getValue()).longValueExact();
  }

  private Attempt entry(Request r, long chainId, Chain.Signed s, String status, TransactionReceipt receipt, String detail) {
    return new Attempt(r.epoch(), r.chainEpoch(), chainId, r.contract(), r.root(), s == null ? null : s.nonce().longValueExact(),
        s == null ? null : s.hash(), s == null ? null : s.raw(), s == null ? null : s.maxFeePerGas(),
        s == null ? null : s.maxPriorityFeePerGas(), status, receipt == null ? null : receipt.getBlockNumber().longValueExact(),
        receipt == null ? null : receipt.getBlockHash(), detail);
  }

  public Result settle(Request r) {
    long chainId = chain.chainId();
    String data = Distributor.encode(Distributor.commitEpoch(r.chainEpoch(), r.root(), r.total(), r.manifestHash()));
    List<Attempt> past = journal.attempts(r.epoch(), chainId, r.contract());
    // signed transactions of earlier runs, by hash, in order
    Map<String, Chain.Signed> ours = new LinkedHashMap<>();
    for (Attempt a : past) {
      if (a.rawTx() != null && "signed".equals(a.status())) {
        ours.put(a.txHash(), new Chain.Signed(a.rawTx(), a.txHash(), BigInteger.valueOf(a.nonce()), a.maxFeePerGas(),
            a.maxPriorityFeePerGas()));
      }
    }

    // a transaction that reverted is done with: a new run (after the cause is fixed) signs anew
    for (Attempt a : past) {
      if ("reverted".equals(a.status()) && a.txHash() != null) {
        ours.remove(a.txHash());
      }
    }

    // 1. the chain first
    String onChain = rootOnChain(r);
    if (!onChain.equals(ZERO)) {
      if (!onChain.equalsIgnoreCase(r.root())) {
        journal.record(entry(r, chainId, null, "conflict", null, "chain holds " + onChain));
        throw new ConflictException("Epoch " + r.epoch() + " (#" + r.chainEpoch() + ") is committed on chain with root "
            + onChain + ", not the manifest's " + r.root() + ": nothing sent");
      }
      // committed by one of our journalled transactions (mined while no run was watching)? confirm it
      for (Chain.Signed s : ours.values()) {
        Optional<TransactionReceipt> rc = chain.receipt(s.hash());
        if (rc.isPresent() && rc.get().isStatusOK()) {
          if (past.stream().anyMatch(a -> "confirmed".equals(a.status()) && s.hash().equals(a.txHash()))) {
            progress.accept("epoch " + r.epoch() + " (#" + r.chainEpoch() + ") was committed by " + s.hash() + ": nothing to send");
            return new Result(Status.ALREADY_COMMITTED, s.hash(), rc.get().getBlockNumber().longValueExact(), 0);
          }
          journal.record(entry(r, chainId, s, "mined", rc.get(), "found by the journalled hash"));
          progress.accept("found the receipt of " + s.hash() + " (block " + rc.get().getBlockNumber() + ")");
          return await(r, chainId, data, ours, s, rc.get(), System.nanoTime(), 0);
        }
      }
      // committed by a transaction this journal does not know (another settler, or ours journalled elsewhere):
      // done only once its block is as deep as ours would have to be
      return awaitForeignCommit(r, chainId, past);
    }
    long last = lastEpoch(r.contract());
    if (r.chainEpoch() != last + 1) {
      throw new IllegalStateException("Epoch " + r.epoch() + " is #" + r.chainEpoch() + " on chain, but the contract's last"
          + " epoch is #" + last + ": epochs are committed in order (settle #" + (last + 1) + " first)");
    }

    // 2. earlier runs' transactions: mined? known? else send the same bytes again
    int signed = 0;
    Chain.Signed current = null;
    long lastSend = System.nanoTime();
    if (!ours.isEmpty()) {
      List<Chain.Signed> list = new ArrayList<>(ours.values());
      current = list.get(list.size() - 1);
      boolean mined = list.stream().anyMatch(s -> chain.receipt(s.hash()).isPresent());
      if (!mined) {
        progress.accept("resuming: transaction " + current.hash() + " (nonce " + current.nonce() + ") from the journal");
        BigInteger used = chain.nonce(key.getAddress(), false);
        if (used.compareTo(current.nonce()) > 0) {
          // our nonce went to a transaction that is not ours and the root is not there: sign anew
          progress.accept("nonce " + current.nonce() + " was used by another transaction; signing at " + used);
          current = null;
        } else if (!chain.knows(current.hash())) {
          broadcast(r, chainId, current, "rebroadcast");
          lastSend = System.nanoTime();
        }
      }
    }
    if (current == null) {
      BigInteger gas;
      try {
        gas = chain.estimateGas(key.getAddress(), r.contract(), data);
      } catch (Chain.RevertException e) {
        journal.record(entry(r, chainId, null, "reverted", null, "estimate: " + e.decoded()));
        throw e;
      }
      Chain.Fees fees = chain.marketFees();
      current = Chain.sign(chainId, key, chain.nonce(key.getAddress(), true), gas.multiply(BigInteger.valueOf(13))
          .divide(BigInteger.TEN), r.contract(), data, fees.maxPriorityFeePerGas(), fees.maxFeePerGas());
      journal.record(entry(r, chainId, current, "signed", null, "gas limit " + gas));
      progress.accept("journalled " + current.hash() + " (nonce " + current.nonce() + "), broadcasting");
      ours.put(current.hash(), current);
      signed++;
      broadcast(r, chainId, current, "broadcast");
      lastSend = System.nanoTime();
    }

    return await(r, chainId, data, ours, current, null, lastSend, signed);
  }

  /** Waits for a receipt of any of our transactions, its confirmations, through reorgs and replacements. */
  private Result await(Request r, long chainId, String data, Map<String, Chain.Signed> ours, Chain.Signed current,
      TransactionReceipt mined, long lastSend, int signed) {
    long deadline = System.nanoTime() + settings.timeoutMillis() * 1_000_000L;
    String minedHash = mined == null ? null : current.hash();
    TransactionReceipt minedReceipt = mined;
    Head head = new Head();
    while (System.nanoTime() < deadline) {
      if (minedHash == null) {
        for (Chain.Signed s : ours.values()) {
          Optional<TransactionReceipt> rc = chain.receipt(s.hash());
          if (rc.isPresent()) {
            minedHash = s.hash();
            minedReceipt = rc.get();
            current = s;
            break;
          }
        }
        if (minedHash != null) {
          if (!minedReceipt.isStatusOK()) {
            Chain.RevertException e = chain.replayRevert(key.getAddress(), r.contract(), data, minedReceipt.getBlockNumber());
            journal.record(entry(r, chainId, current, "reverted", minedReceipt, e.decoded()));
            if (rootOnChain(r).equalsIgnoreCase(r.root())) {
              return new Result(Status.ALREADY_COMMITTED, null, null, signed);
            }
            throw e;
          }
          journal.record(entry(r, chainId, current, "mined", minedReceipt, null));
          progress.accept("mined in block " + minedReceipt.getBlockNumber() + " (" + minedHash + ")");
        } else if (System.nanoTime() - lastSend > settings.replaceAfterMillis() * 1_000_000L) {
          // stuck: replace at the same nonce with higher fees
          BigInteger bump = BigInteger.valueOf(100 + settings.feeBumpPercent());
          BigInteger priority = current.maxPriorityFeePerGas().multiply(bump).divide(BigInteger.valueOf(100))
              .max(chain.priorityFee()).add(BigInteger.ONE);
          BigInteger maxFee = current.maxFeePerGas().multiply(bump).divide(BigInteger.valueOf(100))
              .max(chain.baseFee().multiply(BigInteger.TWO).add(priority));
          Chain.Signed replacement = Chain.sign(chainId, key, current.nonce(), gasLimit(current), r.contract(), data, priority,
              maxFee);
          journal.record(entry(r, chainId, replacement, "signed", null, "replaces " + current.hash()));
          ours.put(replacement.hash(), replacement);
          signed++;
          progress.accept("not mined after " + settings.replaceAfterMillis() / 1000.0 + " s: replacing " + current.hash()
              + " with " + replacement.hash() + " (max fee " + maxFee + " wei/gas)");
          current = replacement;
          broadcast(r, chainId, current, "broadcast");
          lastSend = System.nanoTime();
        }
      } else {
        long tip = chain.blockNumber();
        long depth = tip - minedReceipt.getBlockNumber().longValueExact() + 1;
        Optional<TransactionReceipt> again = chain.receipt(minedHash);
        if (again.isEmpty() || !again.get().getBlockHash().equals(minedReceipt.getBlockHash())) {
          // a reorg took the block away: re-check and send the same bytes again
          journal.record(entry(r, chainId, current, "reorged", minedReceipt, "receipt gone at depth " + depth));
          progress.accept("reorg removed block " + minedReceipt.getBlockNumber() + ": sending " + minedHash + " again");
          minedHash = null;
          minedReceipt = null;
          if (!chain.knows(current.hash())) {
            broadcast(r, chainId, current, "rebroadcast");
          }
          lastSend = System.nanoTime();
          continue;
        }
        if (deepEnough(minedReceipt.getBlockNumber().longValueExact(), tip)) {
          if (!rootOnChain(r).equalsIgnoreCase(r.root())) {
            throw new IllegalStateException("transaction " + minedHash + " confirmed but the chain holds "
                + rootOnChain(r) + " for epoch #" + r.chainEpoch());
          }
          journal.record(entry(r, chainId, current, "confirmed", minedReceipt, depth + " confirmations ("
              + settings.depthRule() + "), gas used " + minedReceipt.getGasUsed()));
          progress.accept("confirmed: epoch " + r.epoch() + " (#" + r.chainEpoch() + ") root " + r.root() + " in block "
              + minedReceipt.getBlockNumber() + " (" + depth + " confirmations)");
          return new Result(Status.COMMITTED, minedHash, minedReceipt.getBlockNumber().longValueExact(), signed);
        }
        head.check(tip, "transaction " + minedHash + " for epoch " + r.epoch() + " is mined in block "
            + minedReceipt.getBlockNumber(), r);
      }
      sleep(settings.pollMillis());
    }
    throw new PendingException("Transaction " + current.hash() + " for epoch " + r.epoch() + " was sent but is "
        + (minedHash == null ? "not mined" : "not yet confirmed") + " after " + settings.timeoutMillis() / 1000
        + " s: rerun 'poa settle --epoch " + r.epoch() + "' to resume (it is journalled in rewards.settlements)");
  }

  /** Whether a block is deep enough to call what it holds final (see {@link Settings}). */
  private boolean deepEnough(long block, long tip) {
    if (settings.finalizedWhereReported()) {
      Long finalized = chain.finalizedBlock();
      if (finalized != null) {
        return block <= finalized;
      }
    }
    return tip - block + 1 >= settings.confirmations();
  }

  /**
   * The epoch's root is on chain, committed by a transaction this journal did not sign: it counts
   * as done once the block of its {@code EpochCommitted} event is deep enough, and still holds it.
   */
  private Result awaitForeignCommit(Request r, long chainId, List<Attempt> past) {
    long deadline = System.nanoTime() + settings.timeoutMillis() * 1_000_000L;
    Head head = new Head();
    while (System.nanoTime() < deadline) {
      Optional<Chain.Event> commit = chain.lastEvent(r.contract(), Distributor.EPOCH_COMMITTED_TOPIC,
          Distributor.epochTopic(r.chainEpoch()));
      long tip = chain.blockNumber();
      if (commit.isEmpty()) {
        throw new PendingException("The root of epoch " + r.epoch() + " (#" + r.chainEpoch() + ") is on chain but its"
            + " EpochCommitted event is not found (a reorg in progress?): rerun 'poa settle --epoch " + r.epoch() + "'");
      }
      Chain.Event e = commit.get();
      if (deepEnough(e.blockNumber(), tip) && e.blockHash().equalsIgnoreCase(chain.block(e.blockNumber()).getHash())
          && rootOnChain(r).equalsIgnoreCase(r.root())) {
        if (past.isEmpty() || !"already_committed".equals(past.get(past.size() - 1).status())) {
          journal.record(new Attempt(r.epoch(), r.chainEpoch(), chainId, r.contract(), r.root(), null, e.txHash(), null,
              null, null, "already_committed", e.blockNumber(), e.blockHash(), "root found on chain, "
              + (tip - e.blockNumber() + 1) + " confirmations (" + settings.depthRule() + ")"));
        }
        progress.accept("epoch " + r.epoch() + " (#" + r.chainEpoch() + ") is already committed with this root in block "
            + e.blockNumber() + ": nothing to send");
        return new Result(Status.ALREADY_COMMITTED, e.txHash(), e.blockNumber(), 0);
      }
      head.check(tip, "the root of epoch " + r.epoch() + " is committed in block " + e.blockNumber(), r);
      sleep(settings.pollMillis());
    }
    throw new PendingException("The root of epoch " + r.epoch() + " (#" + r.chainEpoch() + ") is on chain, but not yet "
        + settings.depthRule() + " deep after " + settings.timeoutMillis() / 1000 + " s: rerun 'poa settle --epoch "
        + r.epoch() + "' to check again");
  }

  /** Watches the node's head while a commit waits for depth: a head that stops moving is reported. */
  private final class Head {
    private long last = -1;
    private long since = System.nanoTime();

    void check(long tip, String what, Request r) {
      if (tip != last) {
        last = tip;
        since = System.nanoTime();
        return;
      }
      if (System.nanoTime() - since > settings.stallMillis() * 1_000_000L) {
        throw new PendingException(what + ", but the node at " + chain.url() + " has produced no new block for "
            + settings.stallMillis() / 1000 + " s (head " + tip + "), and it must reach " + settings.depthRule()
            + ". A development chain that mines only when a transaction arrives (plain anvil) never will: rerun with"
            + " --confirmations 1 there, or start it with 'anvil --block-time 1'. The commit is journalled: rerun"
            + " 'poa settle --epoch " + r.epoch() + "' to resume.");
      }
    }
  }

  private static BigInteger gasLimit(Chain.Signed s) {
    return org.web3j.crypto.TransactionDecoder.decode(s.raw()).getGasLimit();
  }

  /** Sends signed bytes, retrying while the node is unreachable; the bytes are journalled already. */
  private void broadcast(Request r, long chainId, Chain.Signed s, String status) {
    RuntimeException lastError = null;
    for (int attempt = 1; attempt <= settings.sendAttempts(); attempt++) {
      try {
        Chain.SendOutcome o = chain.sendRaw(s.raw());
        journal.record(entry(r, chainId, s, status, null, o.name().toLowerCase(java.util.Locale.ROOT)));
        progress.accept(status + " " + s.hash() + " (nonce " + s.nonce() + "): " + o.name().toLowerCase(java.util.Locale.ROOT));
        return;
      } catch (Chain.UnavailableException e) {
        lastError = e;
        progress.accept("node unreachable (attempt " + attempt + " of " + settings.sendAttempts() + "): " + e.getMessage());
        sleep(Math.min(10_000, 500L << (attempt - 1)));
      }
    }
    throw new Chain.UnavailableException("Transaction " + s.hash() + " for epoch " + r.epoch()
        + " is signed and journalled but the node could not be reached: rerun 'poa settle --epoch " + r.epoch()
        + "' when it is back (the same signed bytes will be sent)", lastError);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
