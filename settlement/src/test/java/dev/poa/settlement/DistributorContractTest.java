package dev.poa.settlement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.udfs.rewards.StandardMerkleTree;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

/**
 * The RewardsDistributor on a real EVM node (anvil, installed by {@code npm ci --prefix
 * infra/contracts}, which .ci/run does): the whole claim path, every refusal, and its invariants.
 */
@net.jqwik.api.Tag("slow")
class DistributorContractTest {
  static DevChain node;
  static Chain chain;
  static final BigInteger SUPPLY = BigInteger.TEN.pow(30);
  static final Credentials ADMIN = Credentials.create(DevChain.DEV_KEYS.get(0));
  static final Credentials SETTLER = Credentials.create(DevChain.DEV_KEYS.get(1));
  static final Credentials PAUSER = Credentials.create(DevChain.DEV_KEYS.get(2));
  static final Credentials OTHER = Credentials.create(DevChain.DEV_KEYS.get(3));

  @BeforeContainer
  static void start() throws Exception {
    node = DevChain.start(Path.of("target", "anvil"));
    chain = new Chain(node.url(), ContractArtifact.DISTRIBUTOR);
  }

  @AfterContainer
  static void stop() {
    chain.close();
    node.close();
  }

  static DevTransactor as(Credentials c) {
    return new DevTransactor(chain, c, ContractArtifact.DISTRIBUTOR);
  }

  static Deployment deploy() {
    return Deployment.deploy(as(ADMIN), SETTLER.getAddress(), PAUSER.getAddress(), SUPPLY);
  }

  @SuppressWarnings("rawtypes")
  static BigInteger uint(String contract, org.web3j.abi.datatypes.Function f) {
    List<Type> out = chain.call(ADMIN.getAddress(), contract, f);
    return (BigInteger) out.get(0).getValue();
  }

  @SuppressWarnings("rawtypes")
  static String root(String contract, long epoch) {
    List<Type> out = chain.call(ADMIN.getAddress(), contract, Distributor.epochRoot(epoch));
    return Numeric.toHexString((byte[]) out.get(0).getValue());
  }

  static String revert(Runnable r) {
    Chain.RevertException e = assertThrows(Chain.RevertException.class, r::run);
    return e.decoded();
  }

  static String sha(int i) {
    return Numeric.toHexString(org.web3j.crypto.Hash.sha3(new byte[] {(byte) i}));
  }

  static void commit(Credentials who, Deployment d, long epoch, StandardMerkleTree tree, BigInteger total) {
    as(who).send(d.distributor(), Distributor.encode(Distributor.commitEpoch(epoch, tree.root(), total, sha((int) epoch))));
  }

  static void claim(Deployment d, StandardMerkleTree tree, int i) {
    StandardMerkleTree.Leaf leaf = tree.values().get(i);
    as(OTHER).send(d.distributor(), Distributor.encode(Distributor.claim(leaf.address(), leaf.amount(), tree.proof(i))));
  }

  static String address(int i) {
    return "0x" + String.format("%040x", 0x1000 + i);
  }

  @net.jqwik.api.Example
  void claimsPayExactlyTheCumulativeDifferenceAndEveryRefusalIsNamed() {
    Deployment d = deploy();
    List<StandardMerkleTree.Leaf> e1 = List.of(new StandardMerkleTree.Leaf(address(1), BigInteger.valueOf(500)),
        new StandardMerkleTree.Leaf(address(2), new BigInteger("2500000000000000000")),
        new StandardMerkleTree.Leaf(address(3), BigInteger.ONE));
    StandardMerkleTree t1 = StandardMerkleTree.of(e1);
    BigInteger total1 = e1.stream().map(StandardMerkleTree.Leaf::amount).reduce(BigInteger.ZERO, BigInteger::add);
    // only the settler commits; epochs start at 1 and follow each other
    assertTrue(revert(() -> commit(OTHER, d, 1, t1, total1)).startsWith("AccessControlUnauthorizedAccount("));
    assertTrue(revert(() -> commit(SETTLER, d, 2, t1, total1)).startsWith("EpochOutOfSequence(epoch=2, expected=1"));
    commit(SETTLER, d, 1, t1, total1);
    assertEquals(t1.root(), root(d.distributor(), 1));
    // the root is write-once
    assertTrue(revert(() -> commit(SETTLER, d, 1, t1, total1)).startsWith("EpochAlreadyCommitted(epoch=1"));
    for (int i = 0; i < 3; i++) {
      claim(d, t1, i);
      assertEquals(e1.get(i).amount(), uint(d.token(), Distributor.balanceOf(e1.get(i).address())));
    }
    // a second claim pays nothing more
    assertTrue(revert(() -> claim(d, t1, 0)).startsWith("NothingToClaim("));
    assertEquals(e1.get(0).amount(), uint(d.token(), Distributor.balanceOf(e1.get(0).address())));
    // a wrong amount does not verify
    assertTrue(revert(() -> as(OTHER).send(d.distributor(), Distributor.encode(Distributor.claim(address(1),
        BigInteger.valueOf(501), t1.proof(0))))).startsWith("InvalidProof("));
    // next epoch: cumulative leaves; the claim pays the difference
    List<StandardMerkleTree.Leaf> e2 = List.of(new StandardMerkleTree.Leaf(address(1), BigInteger.valueOf(800)),
        new StandardMerkleTree.Leaf(address(2), new BigInteger("2500000000000000000")),
        new StandardMerkleTree.Leaf(address(3), BigInteger.ONE), new StandardMerkleTree.Leaf(address(4), BigInteger.TEN));
    StandardMerkleTree t2 = StandardMerkleTree.of(e2);
    BigInteger total2 = total1.add(BigInteger.valueOf(310));
    assertTrue(revert(() -> commit(SETTLER, d, 2, t2, BigInteger.ONE)).startsWith("TotalDecreased("));
    commit(SETTLER, d, 2, t2, total2);
    claim(d, t2, 0);
    assertEquals(BigInteger.valueOf(800), uint(d.token(), Distributor.balanceOf(address(1))));
    claim(d, t2, 3);
    assertEquals(BigInteger.TEN, uint(d.token(), Distributor.balanceOf(address(4))));
    assertEquals(BigInteger.valueOf(800), uint(d.distributor(), Distributor.claimed(address(1))));
    // pause stops commits and claims; only the pauser pauses
    assertTrue(revert(() -> as(OTHER).send(d.distributor(), Distributor.encode(Distributor.pause())))
        .startsWith("AccessControlUnauthorizedAccount("));
    as(PAUSER).send(d.distributor(), Distributor.encode(Distributor.pause()));
    assertEquals("EnforcedPause()", revert(() -> commit(SETTLER, d, 3, t2, total2)));
    assertEquals("EnforcedPause()", revert(() -> claim(d, t2, 1)));
    as(PAUSER).send(d.distributor(), Distributor.encode(Distributor.unpause()));
    // everything committed has been claimed, to the wei
    assertEquals(total2, uint(d.distributor(), Distributor.totalClaimed()));
    assertEquals(SUPPLY.subtract(total2), uint(d.token(), Distributor.balanceOf(d.distributor())));
    assertEquals(2, uint(d.distributor(), Distributor.lastEpoch()).longValueExact());
  }

  /**
   * Random sequences of commits (right, repeated, skipped, by the wrong key), claims (right,
   * repeated, forged) and pauses, each checked against a model of the contract: every legitimate
   * operation succeeds and every other one reverts; after every step the roots never change once
   * written, epochs have no gap, the total claimed never exceeds the total committed, and the
   * contract's token balance is the supply minus what was claimed.
   */
  @Property(tries = 6)
  void invariantsHoldUnderRandomOperations(@ForAll long seed) {
    Random r = new Random(seed);
    Deployment d = deploy();
    Map<Long, String> written = new HashMap<>();
    List<StandardMerkleTree> trees = new ArrayList<>();
    Map<String, BigInteger> cumulative = new HashMap<>();
    Map<String, BigInteger> claimedModel = new HashMap<>();
    BigInteger committedTotal = BigInteger.ZERO;
    boolean paused = false;
    for (int step = 0; step < 14; step++) {
      int op = r.nextInt(6);
      long last = uint(d.distributor(), Distributor.lastEpoch()).longValueExact();
      String what = null;
      boolean expectOk = false;
      Runnable onSuccess = () -> {};
      Runnable action = null;
      if (op <= 1) {
        // a commit: usually the next epoch with grown cumulative amounts, sometimes a wrong one
        for (int i = 0; i < 3; i++) {
          String a = address(r.nextInt(6));
          cumulative.merge(a, BigInteger.valueOf(1 + r.nextInt(1000)), BigInteger::add);
        }
        List<StandardMerkleTree.Leaf> leaves = new ArrayList<>();
        cumulative.forEach((a, v) -> leaves.add(new StandardMerkleTree.Leaf(a, v)));
        StandardMerkleTree t = StandardMerkleTree.of(leaves);
        BigInteger total = cumulative.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
        long epoch = r.nextInt(4) == 0 ? Math.max(1, last + r.nextInt(3) - 1) : last + 1;
        Credentials who = r.nextInt(5) == 0 ? OTHER : SETTLER;
        what = "commit of epoch " + epoch + " by " + (who == SETTLER ? "the settler" : "another key") + (paused ? ", paused" : "");
        expectOk = who == SETTLER && epoch == last + 1 && !paused && total.compareTo(committedTotal) >= 0;
        action = () -> commit(who, d, epoch, t, total);
        onSuccess = () -> {
          written.put(epoch, t.root());
          trees.add(t);
        };
        if (expectOk) {
          committedTotal = total;
        }
      } else if (op <= 3 && !trees.isEmpty()) {
        StandardMerkleTree t = trees.get(trees.size() - 1);
        int i = r.nextInt(t.size());
        StandardMerkleTree.Leaf leaf = t.values().get(i);
        BigInteger already = claimedModel.getOrDefault(leaf.address(), BigInteger.ZERO);
        if (r.nextInt(4) == 0) {
          what = "forged claim of " + leaf.address();
          action = () -> as(OTHER).send(d.distributor(), Distributor.encode(Distributor.claim(leaf.address(), leaf.amount()
              .add(BigInteger.ONE), t.proof(i))));
        } else {
          what = "claim of " + leaf.address() + " (" + leaf.amount() + ", claimed " + already + (paused ? ", paused" : "") + ")";
          expectOk = !paused && leaf.amount().compareTo(already) > 0;
          action = () -> claim(d, t, i);
          onSuccess = () -> claimedModel.put(leaf.address(), leaf.amount());
        }
      } else if (op == 4) {
        boolean unpause = paused;
        what = unpause ? "unpause" : "pause";
        expectOk = true;
        action = () -> as(PAUSER).send(d.distributor(), Distributor.encode(unpause ? Distributor.unpause() : Distributor.pause()));
        paused = !paused;
      }
      if (action != null) {
        String reverted = null;
        try {
          action.run();
        } catch (Chain.RevertException e) {
          reverted = e.decoded();
        }
        if (expectOk) {
          assertEquals(null, reverted, "a legitimate " + what + " reverted");
          onSuccess.run();
        } else {
          assertTrue(reverted != null, "an illegitimate " + what + " succeeded");
        }
      }
      long now = uint(d.distributor(), Distributor.lastEpoch()).longValueExact();
      for (long e = 1; e <= now; e++) {
        String onChain = root(d.distributor(), e);
        assertTrue(!onChain.equals("0x" + "0".repeat(64)), "gap at epoch " + e);
        assertEquals(written.get(e), onChain, "root of epoch " + e + " was rewritten");
      }
      assertEquals("0x" + "0".repeat(64), root(d.distributor(), now + 1));
      BigInteger claimed = uint(d.distributor(), Distributor.totalClaimed());
      BigInteger committed = uint(d.distributor(), Distributor.totalCommitted());
      assertTrue(claimed.compareTo(committed) <= 0, claimed + " > " + committed);
      assertEquals(claimedModel.values().stream().reduce(BigInteger.ZERO, BigInteger::add), claimed);
      assertEquals(SUPPLY.subtract(claimed), uint(d.token(), Distributor.balanceOf(d.distributor())));
    }
    assertEquals(committedTotal, uint(d.distributor(), Distributor.totalCommitted()));
  }
}
