package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.rewards.Audit;
import dev.poa.jobs.rewards.RewardsJob;
import dev.poa.jobs.settlement.IcebergJournal;
import dev.poa.jobs.settlement.SettleJob;
import dev.poa.settlement.Chain;
import dev.poa.settlement.ContractArtifact;
import dev.poa.fixtures.ChainFixture;
import dev.poa.settlement.Deployment;
import dev.poa.settlement.DevChain;
import dev.poa.settlement.DevTransactor;
import dev.poa.settlement.Distributor;
import dev.poa.settlement.Settler;
import dev.poa.udfs.rewards.RewardPolicy;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.utils.Numeric;

/**
 * Settlement against a real EVM node (anvil on loopback), from a lakehouse with two finalised
 * epochs. Every fault is produced for real on the node (stopped node, mining switched off,
 * dropped transaction, raised base fee, reorg, pause); each test ends with exactly one commit per
 * epoch on chain.
 */
@Tag("slow")
class SettlementTest {
  static final Credentials ADMIN = Credentials.create(DevChain.DEV_KEYS.get(0));
  static final Credentials SETTLER = Credentials.create(DevChain.DEV_KEYS.get(1));
  static final Credentials PAUSER = Credentials.create(DevChain.DEV_KEYS.get(2));
  static final Credentials OTHER = Credentials.create(DevChain.DEV_KEYS.get(3));
  static final Credentials CLAIMER = Credentials.create(DevChain.DEV_KEYS.get(4));
  static final String E1 = "2026-05-02";
  static final String E2 = "2026-05-03";

  static Path dir;
  static TestLakehouse t;
  static ChainFixture node;
  static Chain chain;

  @BeforeAll
  static void lakehouseWithTwoFinalisedEpochs() throws Exception {
    dir = Files.createTempDirectory("poa-settlement-test-");
    t = SharedSpark.lakehouse(dir);
    List<Row> training = IngestFixtures.notesWithAdapter(t, dir, 31, 8, 60);
    RewardsTest rt = new RewardsTest();
    Random random = new Random(9);
    RewardPolicy policy = RewardPolicy.defaults(RewardsTest.TREASURY);
    String manifests = dir.resolve("manifests").toUri().toString();
    for (String[] e : new String[][] {{E1, "s1"}, {E2, "s2"}}) {
      rt.logsAndAttribution(t, dir, e[0], training, e[1], random);
      new RewardsJob(t.lakehouse(), Progress.SILENT).run(new RewardsJob.Config(e[0], policy, manifests));
    }
    node = ChainFixture.start(dir.resolve("anvil"));
    chain = new Chain(node.url(), ContractArtifact.DISTRIBUTOR);
  }

  @AfterAll
  static void stop() {
    chain.close();
    node.close();
  }

  static Deployment deploy() {
    return Deployment.deploy(new DevTransactor(chain, ADMIN, ContractArtifact.DISTRIBUTOR), SETTLER.getAddress(),
        PAUSER.getAddress(), BigInteger.TEN.pow(30));
  }

  static Settler.Settings quick(int confirmations, double timeoutSeconds, double replaceAfterSeconds) {
    return new Settler.Settings(confirmations, (long) (timeoutSeconds * 1000), (long) (replaceAfterSeconds * 1000), 100, 2, 25);
  }

  static Settler.Result settle(Deployment d, String epoch, Credentials key, Settler.Settings s) {
    return new SettleJob(t.lakehouse(), Progress.SILENT).run(new SettleJob.Config(epoch, node.url(), d.distributor(), key, s));
  }

  @SuppressWarnings("rawtypes")
  static String root(Deployment d, long epoch) {
    List<Type> out = chain.call(ADMIN.getAddress(), d.distributor(), Distributor.epochRoot(epoch));
    return Numeric.toHexString((byte[]) out.get(0).getValue());
  }

  @SuppressWarnings("rawtypes")
  static BigInteger uint(String contract, org.web3j.abi.datatypes.Function f) {
    List<Type> out = chain.call(ADMIN.getAddress(), contract, f);
    return (BigInteger) out.get(0).getValue();
  }

  /** EpochCommitted events the distributor emitted: one per commit that happened. */
  static int commits(Deployment d) throws Exception {
    EthFilter filter = new EthFilter(DefaultBlockParameterName.EARLIEST, DefaultBlockParameterName.LATEST, d.distributor());
    filter.addSingleTopic(Numeric.toHexString(Hash.sha3("EpochCommitted(uint64,bytes32,uint256,bytes32)".getBytes())));
    return chain.web3j().ethGetLogs(filter).send().getLogs().size();
  }

  static String manifestRoot(String epoch) {
    return t.spark().table(t.table("rewards.epoch_manifests")).filter("epoch = '" + epoch + "'").first().getAs("root");
  }

  static List<Settler.Attempt> journal(Deployment d, String epoch) {
    return new IcebergJournal(t.lakehouse()).attempts(epoch, 31337, d.distributor());
  }

  static void waitFor(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(50);
    }
  }

  static boolean journalHas(Deployment d, String epoch, Predicate<Settler.Attempt> p) {
    return journal(d, epoch).stream().anyMatch(p);
  }

  /** Mines a block every 200 ms until stopped. */
  static CompletableFuture<Void> miner(java.util.concurrent.atomic.AtomicBoolean stop) {
    return miner(chain, stop, 200);
  }

  /** Mines a block on {@code node} every {@code millis} until stopped. */
  static CompletableFuture<Void> miner(Chain node, java.util.concurrent.atomic.AtomicBoolean stop, long millis) {
    return CompletableFuture.runAsync(() -> {
      while (!stop.get()) {
        node.raw("evm_mine", List.of());
        try {
          Thread.sleep(millis);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  @Test
  void commitsOnceClaimsPayTheManifestAndEveryRefusalIsNamed() throws Exception {
    Deployment d = deploy();
    // only the settler's key can commit: the custom error is decoded and nothing is sent
    BigInteger otherNonce = chain.nonce(OTHER.getAddress(), false);
    Chain.RevertException denied = assertThrows(Chain.RevertException.class, () -> settle(d, E1, OTHER, quick(1, 30, 30)));
    assertTrue(denied.decoded().startsWith("AccessControlUnauthorizedAccount("), denied.decoded());
    assertEquals(otherNonce, chain.nonce(OTHER.getAddress(), false));
    // epochs in order: E2 (#2) cannot go before E1
    assertThrows(IllegalStateException.class, () -> settle(d, E2, SETTLER, quick(1, 30, 30)));

    BigInteger nonce = chain.nonce(SETTLER.getAddress(), false);
    Settler.Result r = settle(d, E1, SETTLER, quick(1, 30, 30));
    assertEquals(Settler.Status.COMMITTED, r.status());
    assertEquals(manifestRoot(E1), root(d, 1));
    // a rerun sends nothing
    assertEquals(Settler.Status.ALREADY_COMMITTED, settle(d, E1, SETTLER, quick(1, 30, 30)).status());
    assertEquals(nonce.add(BigInteger.ONE), chain.nonce(SETTLER.getAddress(), false));
    assertEquals(1, commits(d));

    // claims by several addresses pay exactly the manifest's cumulative amounts
    Audit audit = new Audit(t.lakehouse());
    List<String> addresses = t.spark().sql("SELECT DISTINCT address FROM " + t.table("rewards.epoch_payouts")
        + " WHERE epoch = '" + E1 + "' ORDER BY address LIMIT 3").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    DevTransactor claimer = new DevTransactor(chain, CLAIMER, ContractArtifact.DISTRIBUTOR);
    for (String a : addresses) {
      Audit.Proof p = audit.proof(E1, a);
      claimer.send(d.distributor(), Distributor.encode(Distributor.claim(a, p.cumulative(), p.proof())));
      assertEquals(p.cumulative(), uint(d.token(), Distributor.balanceOf(a)), a);
    }
    // a second claim pays nothing more
    Audit.Proof again = audit.proof(E1, addresses.get(0));
    Chain.RevertException nothing = assertThrows(Chain.RevertException.class, () -> claimer.send(d.distributor(),
        Distributor.encode(Distributor.claim(addresses.get(0), again.cumulative(), again.proof()))));
    assertTrue(nothing.decoded().startsWith("NothingToClaim("), nothing.decoded());

    // the next epoch: its cumulative claim pays the difference
    settle(d, E2, SETTLER, quick(1, 30, 30));
    assertEquals(manifestRoot(E2), root(d, 2));
    Audit.Proof p2 = audit.proof(E2, addresses.get(0));
    BigInteger before = uint(d.token(), Distributor.balanceOf(addresses.get(0)));
    claimer.send(d.distributor(), Distributor.encode(Distributor.claim(addresses.get(0), p2.cumulative(), p2.proof())));
    assertEquals(p2.cumulative(), uint(d.token(), Distributor.balanceOf(addresses.get(0))));
    assertTrue(p2.cumulative().subtract(before).signum() > 0);
    assertEquals(2, commits(d));
  }

  @Test
  void aConflictingRootIsRefusedOffChainAndRevertsOnChain() throws Exception {
    Deployment d = deploy();
    String other = "0x" + "ab".repeat(32);
    DevTransactor settlerDirect = new DevTransactor(chain, SETTLER, ContractArtifact.DISTRIBUTOR);
    settlerDirect.send(d.distributor(), Distributor.encode(Distributor.commitEpoch(1, other, BigInteger.ONE, other)));
    BigInteger nonce = chain.nonce(SETTLER.getAddress(), false);
    assertThrows(Settler.ConflictException.class, () -> settle(d, E1, SETTLER, quick(1, 30, 30)));
    assertEquals(nonce, chain.nonce(SETTLER.getAddress(), false), "nothing sent");
    assertTrue(journalHas(d, E1, a -> a.status().equals("conflict")));
    // on chain, the root is write-once
    Chain.RevertException e = assertThrows(Chain.RevertException.class, () -> settlerDirect.send(d.distributor(),
        Distributor.encode(Distributor.commitEpoch(1, manifestRoot(E1), BigInteger.ONE, other))));
    assertTrue(e.decoded().startsWith("EpochAlreadyCommitted(epoch=1"), e.decoded());
    assertEquals(other, root(d, 1));
  }

  @Test
  void nodeDownMidSubmitThenTheSameSignedBytesAreSent() throws Exception {
    Deployment d = deploy();
    SettleJob job = new SettleJob(t.lakehouse(), Progress.SILENT);
    Settler.Request request = job.request(E1, d.distributor());
    // the node goes down right after the transaction is journalled, before it is broadcast
    Settler.Journal stopsTheNode = new Settler.Journal() {
      final IcebergJournal inner = new IcebergJournal(t.lakehouse());

      public List<Settler.Attempt> attempts(String epoch, long chainId, String contract) {
        return inner.attempts(epoch, chainId, contract);
      }

      public void record(Settler.Attempt a) {
        inner.record(a);
        if (a.status().equals("signed")) {
          node.stopNode();
        }
      }
    };
    try (Chain c = new Chain(node.url(), ContractArtifact.DISTRIBUTOR)) {
      assertThrows(Chain.UnavailableException.class, () ->
          new Settler(c, SETTLER, stopsTheNode, quick(1, 10, 30), m -> {}).settle(request));
    } finally {
      node.restartNode();
    }
    String journalled = journal(d, E1).stream().filter(a -> a.status().equals("signed")).findFirst().orElseThrow().txHash();
    assertEquals(Settler.Status.COMMITTED, settle(d, E1, SETTLER, quick(1, 30, 30)).status());
    assertTrue(chain.receipt(journalled).isPresent(), "the journalled bytes were sent as they were");
    assertEquals(1, commits(d));
    assertEquals(manifestRoot(E1), root(d, 1));
  }

  @Test
  void restartAfterBroadcastFindsTheReceiptAndADroppedTransactionIsSentAgain() throws Exception {
    Deployment d = deploy();
    BigInteger nonce = chain.nonce(SETTLER.getAddress(), false);
    chain.raw("evm_setAutomine", List.of(false));
    try {
      // broadcast, then the run ends before the receipt (nothing is mined): exit 7 in the CLI
      assertThrows(Settler.PendingException.class, () -> settle(d, E1, SETTLER, quick(1, 1.5, 60)));
      String first = journal(d, E1).stream().filter(a -> a.status().equals("signed")).findFirst().orElseThrow().txHash();
      assertTrue(chain.knows(first));
      // the node drops it; the next run finds it unknown with its nonce unused and sends the same bytes
      chain.raw("anvil_dropTransaction", List.of(first));
      assertTrue(!chain.knows(first));
      assertThrows(Settler.PendingException.class, () -> settle(d, E1, SETTLER, quick(1, 1.5, 60)));
      assertTrue(chain.knows(first), "sent again");
      assertTrue(journalHas(d, E1, a -> a.status().equals("rebroadcast") && first.equals(a.txHash())));
      // mined while no run was watching; the next run finds the receipt by the journalled hash
      chain.raw("evm_mine", List.of());
      assertTrue(chain.receipt(first).isPresent());
    } finally {
      chain.raw("evm_setAutomine", List.of(true));
    }
    assertEquals(Settler.Status.COMMITTED, settle(d, E1, SETTLER, quick(1, 30, 60)).status());
    assertEquals(nonce.add(BigInteger.ONE), chain.nonce(SETTLER.getAddress(), false), "one transaction in all");
    assertEquals(1, journal(d, E1).stream().filter(a -> a.status().equals("signed")).count());
    assertEquals(1, commits(d));
  }

  @Test
  void aStuckTransactionIsReplacedAtTheSameNonce() throws Exception {
    Deployment d = deploy();
    BigInteger nonce = chain.nonce(SETTLER.getAddress(), false);
    chain.raw("evm_setAutomine", List.of(false));
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    CompletableFuture<Void> mining = null;
    try {
      CompletableFuture<Settler.Result> run = CompletableFuture.supplyAsync(() -> settle(d, E1, SETTLER, quick(1, 60, 1)));
      waitFor("the first broadcast", () -> chain.nonce(SETTLER.getAddress(), true).compareTo(nonce) > 0);
      // the base fee jumps far above the transaction's fee cap: it cannot be included
      chain.raw("anvil_setNextBlockBaseFeePerGas", List.of("0x" + BigInteger.TEN.pow(12).toString(16)));
      chain.raw("evm_mine", List.of());
      mining = miner(stop);
      Settler.Result r = run.get(90, TimeUnit.SECONDS);
      assertEquals(Settler.Status.COMMITTED, r.status());
      assertTrue(r.transactionsSigned() >= 2, "replaced: " + r.transactionsSigned());
    } finally {
      stop.set(true);
      if (mining != null) {
        mining.get(10, TimeUnit.SECONDS);
      }
      chain.raw("evm_setAutomine", List.of(true));
    }
    assertTrue(journalHas(d, E1, a -> a.detail() != null && a.detail().startsWith("replaces ")));
    assertEquals(nonce.add(BigInteger.ONE), chain.nonce(SETTLER.getAddress(), false), "one nonce used");
    assertEquals(1, commits(d));
    assertEquals(manifestRoot(E1), root(d, 1));
  }

  @Test
  void aReorgThatRemovesTheReceiptIsRecheckedAndSentAgain() throws Exception {
    Deployment d = deploy();
    chain.raw("evm_setAutomine", List.of(false));
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    CompletableFuture<Void> mining = null;
    BigInteger nonce = chain.nonce(SETTLER.getAddress(), false);
    try {
      CompletableFuture<Settler.Result> run = CompletableFuture.supplyAsync(() -> settle(d, E1, SETTLER, quick(3, 60, 30)));
      waitFor("the broadcast", () -> chain.nonce(SETTLER.getAddress(), true).compareTo(nonce) > 0);
      chain.raw("evm_mine", List.of());
      waitFor("the receipt seen", () -> journalHas(d, E1, a -> a.status().equals("mined")));
      // one block deep: the reorg replaces that block with an empty one
      chain.raw("anvil_reorg", List.of(1, List.of()));
      mining = miner(stop);
      Settler.Result r = run.get(90, TimeUnit.SECONDS);
      assertEquals(Settler.Status.COMMITTED, r.status());
    } finally {
      stop.set(true);
      if (mining != null) {
        mining.get(10, TimeUnit.SECONDS);
      }
      chain.raw("evm_setAutomine", List.of(true));
    }
    assertTrue(journalHas(d, E1, a -> a.status().equals("reorged")));
    assertTrue(journalHas(d, E1, a -> a.status().equals("confirmed")));
    assertEquals(1, commits(d));
    assertEquals(manifestRoot(E1), root(d, 1));
  }

  @Test
  void aRevertIsDecodedAndNotRetried() throws Exception {
    Deployment d = deploy();
    DevTransactor pauser = new DevTransactor(chain, PAUSER, ContractArtifact.DISTRIBUTOR);
    pauser.send(d.distributor(), Distributor.encode(Distributor.pause()));
    // refused at the estimate: nothing sent
    BigInteger nonce = chain.nonce(SETTLER.getAddress(), false);
    Chain.RevertException paused = assertThrows(Chain.RevertException.class, () -> settle(d, E1, SETTLER, quick(1, 30, 30)));
    assertEquals("EnforcedPause()", paused.decoded());
    assertEquals(nonce, chain.nonce(SETTLER.getAddress(), false));
    pauser.send(d.distributor(), Distributor.encode(Distributor.unpause()));
    // a revert of a mined transaction: the contract is paused between broadcast and mining
    chain.raw("evm_setAutomine", List.of(false));
    try {
      CompletableFuture<Settler.Result> run = CompletableFuture.supplyAsync(() -> settle(d, E1, SETTLER, quick(1, 60, 60)));
      waitFor("the broadcast", () -> chain.nonce(SETTLER.getAddress(), true).compareTo(nonce) > 0);
      Chain.Signed pause = Chain.sign(31337, PAUSER, chain.nonce(PAUSER.getAddress(), true), BigInteger.valueOf(100_000),
          d.distributor(), Distributor.encode(Distributor.pause()), BigInteger.TEN.pow(11), BigInteger.TEN.pow(12));
      chain.sendRaw(pause.raw()); // a higher tip: ordered first in the block
      chain.raw("evm_mine", List.of());
      java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
          () -> run.get(60, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof Chain.RevertException, String.valueOf(e.getCause()));
      assertEquals("EnforcedPause()", ((Chain.RevertException) e.getCause()).decoded());
    } finally {
      chain.raw("evm_setAutomine", List.of(true));
    }
    assertTrue(journalHas(d, E1, a -> a.status().equals("reverted") && "EnforcedPause()".equals(a.detail())));
    assertEquals(1, journal(d, E1).stream().filter(a -> a.status().equals("signed")).count(), "no retry");
    assertEquals(0, commits(d));
  }

  @Test
  void aCommitIsDoneOnlyAtDepthAndANodeWithoutNewBlocksIsNamed() throws Exception {
    Deployment d = deploy();
    // E1's root committed by a transaction this journal does not know (another settler, say)
    Settler.Request request = new SettleJob(t.lakehouse(), Progress.SILENT).request(E1, d.distributor());
    new DevTransactor(chain, SETTLER, ContractArtifact.DISTRIBUTOR).send(d.distributor(), Distributor.encode(
        Distributor.commitEpoch(request.chainEpoch(), request.root(), request.total(), request.manifestHash())));
    long committedIn = chain.blockNumber();
    // three blocks deep asked; the node (automine) makes no block while nobody sends: pending, saying what to do
    Settler.Settings deep = new Settler.Settings(3, false, 20_000, 30_000, 100, 2, 25, 1500);
    Settler.PendingException stalled = assertThrows(Settler.PendingException.class, () -> settle(d, E1, SETTLER, deep));
    assertTrue(stalled.getMessage().contains("has produced no new block"), stalled.getMessage());
    assertTrue(stalled.getMessage().contains("--confirmations 1") && stalled.getMessage().contains("anvil --block-time 1"),
        stalled.getMessage());
    assertTrue(!journalHas(d, E1, a -> a.status().equals("already_committed")), "not done before it is deep enough");
    chain.raw("anvil_mine", List.of("0x2"));
    Settler.Result found = settle(d, E1, SETTLER, deep);
    assertEquals(Settler.Status.ALREADY_COMMITTED, found.status());
    assertEquals(committedIn, found.blockNumber());
    assertTrue(journalHas(d, E1, a -> a.status().equals("already_committed") && a.blockNumber() == committedIn));

    // this run's own commit waits for the node's finalized block, which anvil reports 64 blocks behind its head
    Settler.Settings finality = new Settler.Settings(2, true, 20_000, 30_000, 100, 2, 25, 1500);
    Settler.PendingException notFinal = assertThrows(Settler.PendingException.class, () -> settle(d, E2, SETTLER, finality));
    assertTrue(notFinal.getMessage().contains("finalized block"), notFinal.getMessage());
    assertEquals(manifestRoot(E2), root(d, 2), "mined, not yet final");
    chain.raw("anvil_mine", List.of("0x46"));
    Settler.Result r = settle(d, E2, SETTLER, finality);
    assertEquals(Settler.Status.COMMITTED, r.status());
    assertTrue(chain.finalizedBlock() >= r.blockNumber());
    assertTrue(journalHas(d, E2, a -> a.status().equals("confirmed") && a.detail().contains("finalized block")));
    assertEquals(2, commits(d));
  }

  @Test
  void theChainCommandsAsAUserRunsThem() throws Exception {
    String cat = t.config().catalogName();
    CliTest.Run deployed = CliTest.poa(t.warehouse(), cat, "chain", "deploy", "--rpc", node.url(), "--settler",
        SETTLER.getAddress());
    assertEquals(0, deployed.code(), deployed.err());
    assertTrue(deployed.out().contains("distributor 0x"), deployed.out());
    Deployment d = dev.poa.jobs.settlement.ChainDeployment.load(t.warehouse());
    assertEquals(SETTLER.getAddress(), d.settler());
    // no key: a usage error that says where the key comes from; nothing sent
    CliTest.Run noKey = CliTest.poa(t.warehouse(), cat, "settle", "--epoch", E1, "--rpc", node.url());
    assertEquals(3, noKey.code());
    assertTrue(noKey.err().contains("POA_SETTLER_KEY"), noKey.err());
    CliTest.Run notFinal = CliTest.poa(t.warehouse(), cat, "claim", "--epoch", "2026-01-09", "--address", RewardsTest.TREASURY);
    assertEquals(3, notFinal.code());
    // the claim's calldata, from the manifest, for the recorded distributor
    CliTest.Run claim = CliTest.poa(t.warehouse(), cat, "claim", "--epoch", E1, "--address", RewardsTest.TREASURY);
    assertEquals(0, claim.code(), claim.err());
    String selector = Numeric.toHexString(Hash.sha3("claim(address,uint256,bytes32[])".getBytes())).substring(0, 10);
    assertTrue(claim.out().contains("to   " + d.distributor()), claim.out());
    assertTrue(claim.out().contains("data " + selector), claim.out());
  }
}
