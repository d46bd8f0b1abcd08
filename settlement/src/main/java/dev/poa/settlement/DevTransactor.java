package dev.poa.settlement;

import java.math.BigInteger;
import java.util.Optional;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Plain transactions for development chains and one-off operations (deploy, mint, claim, pause):
 * estimate (a revert is reported with its decoded custom error, nothing is sent), sign at the
 * pending nonce, send, wait for the receipt. Epoch commits do not use this: they go through
 * {@link Settler}, which journals and recovers.
 */
public final class DevTransactor {
  private final Chain chain;
  private final Credentials key;
  private final long chainId;
  private final ContractArtifact errors;

  public DevTransactor(Chain chain, Credentials key, ContractArtifact errors) {
    this.chain = chain;
    this.key = key;
    this.chainId = chain.chainId();
    this.errors = errors;
  }

  public long chainId() {
    return chainId;
  }

  public String address() {
    return key.getAddress();
  }

  /** Sends {@code data} to {@code to} (null = contract creation) and returns the mined receipt. */
  public TransactionReceipt send(String to, String data) {
    BigInteger gas = chain.estimateGas(key.getAddress(), to, data);
    Chain.Fees fees = chain.marketFees();
    Chain.Signed s = Chain.sign(chainId, key, chain.nonce(key.getAddress(), true), gas.multiply(BigInteger.valueOf(12))
        .divide(BigInteger.TEN), to == null ? "" : to, data, fees.maxPriorityFeePerGas(), fees.maxFeePerGas());
    Chain.SendOutcome o = chain.sendRaw(s.raw());
    if (o != Chain.SendOutcome.ACCEPTED && o != Chain.SendOutcome.ALREADY_KNOWN) {
      throw new IllegalStateException("transaction refused: " + o);
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      Optional<TransactionReceipt> r = chain.receipt(s.hash());
      if (r.isPresent()) {
        if (!r.get().isStatusOK()) {
          throw chain.replayRevert(key.getAddress(), to, data, r.get().getBlockNumber());
        }
        return r.get();
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("transaction " + s.hash() + " not mined within 60 s");
  }

  public ContractArtifact errors() {
    return errors;
  }
}
