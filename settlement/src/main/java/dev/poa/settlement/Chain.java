package dev.poa.settlement;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * The JSON-RPC calls settlement makes, with errors a person can act on: a node that cannot be
 * reached is a {@link UnavailableException}; a call or gas estimate that reverts is a
 * {@link RevertException} with the contract's custom error decoded.
 */
public final class Chain implements AutoCloseable {
  /** The node could not be reached or answered with a transport error. */
  public static final class UnavailableException extends RuntimeException {
    public UnavailableException(String m, Throwable cause) {
      super(m, cause);
    }
  }

  /** A call, estimate or mined transaction reverted; {@code decoded} names the custom error. */
  public static final class RevertException extends RuntimeException {
    private final String decoded;
    private final String data;

    public RevertException(String decoded, String data) {
      super("reverted: " + decoded);
      this.decoded = decoded;
      this.data = data;
    }

    public String decoded() {
      return decoded;
    }

    public String data() {
      return data;
    }
  }

  private final String url;
  private final HttpService service;
  private final Web3j web3j;
  private final ContractArtifact abi;

  public Chain(String url, ContractArtifact errorsFrom) {
    this.url = url;
    OkHttpClient http = new OkHttpClient.Builder().connectTimeout(5, TimeUnit.SECONDS).readTimeout(30, TimeUnit.SECONDS)
        .build();
    this.service = new HttpService(url, http);
    this.web3j = Web3j.build(service);
    this.abi = errorsFrom;
  }

  public String url() {
    return url;
  }

  <T extends Response<?>> T send(Request<?, T> r, String what) {
    try {
      T response = r.send();
      if (response.hasError() && !what.startsWith("estimate") && !what.startsWith("call") && !what.startsWith("send")) {
        throw new IllegalStateException(what + ": node error " + response.getError().getMessage());
      }
      return response;
    } catch (IOException e) {
      throw new UnavailableException("the node at " + url + " cannot be reached (" + what + "): " + e.getMessage(), e);
    }
  }

  public long chainId() {
    return send(web3j.ethChainId(), "eth_chainId").getChainId().longValueExact();
  }

  public BigInteger nonce(String address, boolean pending) {
    return send(web3j.ethGetTransactionCount(address, pending ? DefaultBlockParameterName.PENDING
        : DefaultBlockParameterName.LATEST), "eth_getTransactionCount").getTransactionCount();
  }

  public long blockNumber() {
    return send(web3j.ethBlockNumber(), "eth_blockNumber").getBlockNumber().longValueExact();
  }

  public EthBlock.Block block(long number) {
    return send(web3j.ethGetBlockByNumber(org.web3j.protocol.core.DefaultBlockParameter.valueOf(BigInteger.valueOf(number)),
        false), "eth_getBlockByNumber").getBlock();
  }

  /**
   * The number of the node's {@code finalized} block, or null when the node reports none (an
   * error, or no such block yet).
   */
  public Long finalizedBlock() {
    try {
      var r = web3j.ethGetBlockByNumber(DefaultBlockParameterName.FINALIZED, false).send();
      if (r.hasError() || r.getBlock() == null) {
        return null;
      }
      return r.getBlock().getNumber().longValueExact();
    } catch (IOException e) {
      throw new UnavailableException("the node at " + url + " cannot be reached (finalized block): " + e.getMessage(), e);
    }
  }

  /** A contract event: where it is (block, block hash) and which transaction emitted it. */
  public record Event(long blockNumber, String blockHash, String txHash) {}

  /** The last event of {@code contract} with these topics, over the whole chain, if any. */
  public Optional<Event> lastEvent(String contract, String... topics) {
    org.web3j.protocol.core.methods.request.EthFilter filter = new org.web3j.protocol.core.methods.request.EthFilter(
        DefaultBlockParameterName.EARLIEST, DefaultBlockParameterName.LATEST, contract);
    for (String t : topics) {
      filter.addSingleTopic(t);
    }
    var r = send(web3j.ethGetLogs(filter), "eth_getLogs");
    Event last = null;
    for (var result : r.getLogs()) {
      var log = (org.web3j.protocol.core.methods.response.Log) result.get();
      if (log.isRemoved()) {
        continue;
      }
      Event e = new Event(log.getBlockNumber().longValueExact(), log.getBlockHash(), log.getTransactionHash());
      if (last == null || e.blockNumber() >= last.blockNumber()) {
        last = e;
      }
    }
    return Optional.ofNullable(last);
  }

  public BigInteger baseFee() {
    EthBlock.Block b = send(web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false), "eth_getBlockByNumber")
        .getBlock();
    return b.getBaseFeePerGas() == null ? BigInteger.ZERO : b.getBaseFeePerGas();
  }

  public BigInteger priorityFee() {
    var r = send(web3j.ethMaxPriorityFeePerGas(), "eth_maxPriorityFeePerGas");
    return r.getMaxPriorityFeePerGas() == null ? BigInteger.ONE : r.getMaxPriorityFeePerGas();
  }

  /** Fees for a transaction now: the node's suggested tip, and a cap of twice the base fee plus the tip. */
  public record Fees(BigInteger maxPriorityFeePerGas, BigInteger maxFeePerGas) {}

  public Fees marketFees() {
    BigInteger priority = priorityFee();
    return new Fees(priority, baseFee().multiply(BigInteger.TWO).add(priority));
  }

  /** eth_call of a view function; reverts become {@link RevertException}. */
  @SuppressWarnings("rawtypes")
  public List<Type> call(String from, String to, Function f) {
    var r = send(web3j.ethCall(Transaction.createEthCallTransaction(from, to, FunctionEncoder.encode(f)),
        DefaultBlockParameterName.LATEST), "call " + f.getName());
    if (r.hasError()) {
      throw revert(r.getError());
    }
    if (r.isReverted()) {
      throw new RevertException(r.getRevertReason(), null);
    }
    return FunctionReturnDecoder.decode(r.getValue(), f.getOutputParameters());
  }

  /** eth_estimateGas; a revert (e.g. a custom error of the contract) becomes {@link RevertException}. */
  public BigInteger estimateGas(String from, String to, String data) {
    var r = send(web3j.ethEstimateGas(Transaction.createFunctionCallTransaction(from, null, null, null, to, data)),
        "estimate gas");
    if (r.hasError()) {
      throw revert(r.getError());
    }
    return r.getAmountUsed();
  }

  RevertException revert(Response.Error e) {
    String data = e.getData() == null ? null : e.getData().replace("\"", "");
    if (data != null && data.startsWith("0x") && data.length() >= 10) {
      return new RevertException(abi.decodeError(data), data);
    }
    return new RevertException(e.getMessage(), data);
  }

  /** A signed EIP-1559 transaction: its raw bytes and hash (what the node will call it). */
  public record Signed(String raw, String hash, BigInteger nonce, BigInteger maxFeePerGas, BigInteger maxPriorityFeePerGas) {}

  public static Signed sign(long chainId, Credentials key, BigInteger nonce, BigInteger gasLimit, String to, String data,
      BigInteger maxPriorityFee, BigInteger maxFee) {
    RawTransaction tx = RawTransaction.createTransaction(chainId, nonce, gasLimit, to, BigInteger.ZERO, data, maxPriorityFee,
        maxFee);
    byte[] signed = TransactionEncoder.signMessage(tx, chainId, key);
    return new Signed(Numeric.toHexString(signed), Numeric.toHexString(Hash.sha3(signed)), nonce, maxFee, maxPriorityFee);
  }

  /** What the node said to a raw transaction. */
  public enum SendOutcome { ACCEPTED, ALREADY_KNOWN, NONCE_USED, UNDERPRICED }

  public SendOutcome sendRaw(String raw) {
    var r = send(web3j.ethSendRawTransaction(raw), "send raw transaction");
    if (!r.hasError()) {
      return SendOutcome.ACCEPTED;
    }
    String m = r.getError().getMessage().toLowerCase(java.util.Locale.ROOT);
    if (m.contains("already known") || m.contains("already imported") || m.contains("known transaction")) {
      return SendOutcome.ALREADY_KNOWN;
    }
    if (m.contains("nonce too low") || m.contains("nonce has already been used")) {
      return SendOutcome.NONCE_USED;
    }
    if (m.contains("underpriced") || m.contains("fee too low") || m.contains("replacement")) {
      return SendOutcome.UNDERPRICED;
    }
    throw new IllegalStateException("the node refused the transaction: " + r.getError().getMessage());
  }

  public Optional<TransactionReceipt> receipt(String hash) {
    return send(web3j.ethGetTransactionReceipt(hash), "eth_getTransactionReceipt").getTransactionReceipt();
  }

  /** True when the node knows the transaction (pending or mined). */
  public boolean knows(String hash) {
    return send(web3j.ethGetTransactionByHash(hash), "eth_getTransactionByHash").getTransaction().isPresent();
  }

  /**
   * The revert of a mined, failed transaction, by replaying it as a call on the state after its
   * block (where what made it fail, e.g. a pause earlier in the block, is in effect), else before.
   */
  public RevertException replayRevert(String from, String to, String data, BigInteger block) {
    for (BigInteger at : List.of(block, block.subtract(BigInteger.ONE).max(BigInteger.ZERO))) {
      var r = send(web3j.ethCall(Transaction.createEthCallTransaction(from, to, data),
          org.web3j.protocol.core.DefaultBlockParameter.valueOf(at)), "call replay");
      if (r.hasError()) {
        return revert(r.getError());
      }
      if (r.isReverted()) {
        return new RevertException(r.getRevertReason(), null);
      }
    }
    return new RevertException("reverted in block " + block + " (a replay as a call does not reproduce it)", null);
  }

  /** A JSON-RPC method without typed support in Web3j (anvil_*, evm_*): for development chains. */
  public Object raw(String method, List<?> params) {
    var r = send(new Request<>(method, params, service, RawResponse.class), method);
    return r.getResult();
  }

  public static final class RawResponse extends Response<Object> {}

  public Web3j web3j() {
    return web3j;
  }

  @Override
  public void close() {
    web3j.shutdown();
  }
}
