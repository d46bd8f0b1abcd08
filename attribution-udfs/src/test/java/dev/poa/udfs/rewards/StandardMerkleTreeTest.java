package dev.poa.udfs.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class StandardMerkleTreeTest {
  static String repeated(String twoHex) {
    return "0x" + twoHex.repeat(20);
  }

  @Test
  void rootsMatchOpenZeppelinStandardMerkleTreeVectors() {
    List<StandardMerkleTree.Leaf> two = List.of(
        new StandardMerkleTree.Leaf(repeated("11"), new BigInteger("5000000000000000000")),
        new StandardMerkleTree.Leaf(repeated("22"), new BigInteger("2500000000000000000")));
    assertEquals("0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77", StandardMerkleTree.of(two).root());
    List<StandardMerkleTree.Leaf> three = new ArrayList<>(two);
    three.add(new StandardMerkleTree.Leaf(repeated("33"), BigInteger.ONE));
    StandardMerkleTree t = StandardMerkleTree.of(three);
    assertEquals("0xd673f832e8ae578ea16450035956e30f27212b91d6cd26edbef07c90546302ff", t.root());
    assertEquals(5, t.nodes().size());
    for (int i = 0; i < 3; i++) {
      assertEquals(t.root(), StandardMerkleTree.processProof(three.get(i), t.proof(i)));
    }
    // the order the leaves are given in does not change the root
    assertEquals(t.root(), StandardMerkleTree.of(List.of(three.get(2), three.get(0), three.get(1))).root());
  }

  @Test
  void stringLeavesGiveTheRootsOfTheNpmPackage() {
    // roots printed by @openzeppelin/merkle-tree 1.0.8: StandardMerkleTree.of(values, ["string"]).root
    assertEquals("0x87230cb3614ec5ac409d14593eb5fe35687548d35fe646093b1e4688090e64fa",
        StandardMerkleTree.ofLeafHashes(new byte[][] {StandardMerkleTree.stringLeafHash("c_alpha")}).root());
    byte[][] three = {StandardMerkleTree.stringLeafHash("c_alpha"), StandardMerkleTree.stringLeafHash("c_beta"),
        StandardMerkleTree.stringLeafHash("c_" + "x".repeat(40))};
    assertEquals("0xb8761f649b3abcb54558335f286659cf5a1dc3139291980c2cbdbb27bc4c78db",
        StandardMerkleTree.ofLeafHashes(three).root());
  }

  @Test
  void aWrongAmountOrAddressDoesNotVerify() {
    List<StandardMerkleTree.Leaf> leaves = List.of(
        new StandardMerkleTree.Leaf(repeated("11"), BigInteger.TEN),
        new StandardMerkleTree.Leaf(repeated("22"), BigInteger.TWO));
    StandardMerkleTree t = StandardMerkleTree.of(leaves);
    assertNotEquals(t.root(), StandardMerkleTree.processProof(new StandardMerkleTree.Leaf(repeated("11"), BigInteger.valueOf(11)), t.proof(0)));
    assertNotEquals(t.root(), StandardMerkleTree.processProof(new StandardMerkleTree.Leaf(repeated("33"), BigInteger.TEN), t.proof(0)));
    assertThrows(IllegalArgumentException.class, () -> StandardMerkleTree.of(List.of()));
    assertThrows(IllegalArgumentException.class, () -> new StandardMerkleTree.Leaf("0x12", BigInteger.ONE));
    assertThrows(IllegalArgumentException.class, () -> new StandardMerkleTree.Leaf(repeated("11"), BigInteger.ONE.negate()));
    assertThrows(IllegalArgumentException.class, () -> new StandardMerkleTree.Leaf(repeated("11"), BigInteger.TWO.pow(256)));
  }

  @Property(tries = 50)
  void everyProofVerifies(@ForAll @IntRange(min = 1, max = 70) int n, @ForAll long seed) {
    List<StandardMerkleTree.Leaf> leaves = randomLeaves(n, 200, new java.util.Random(seed));
    StandardMerkleTree t = StandardMerkleTree.of(leaves);
    for (int i = 0; i < n; i++) {
      assertEquals(t.root(), StandardMerkleTree.processProof(leaves.get(i), t.proof(i)));
    }
  }

  @Property(tries = 30)
  void aTreeOfLeafHashesStreamsTheSameDumpAsTheTreeOfValues(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed)
      throws java.io.IOException {
    List<StandardMerkleTree.Leaf> leaves = randomLeaves(n, 100, new java.util.Random(seed));
    StandardMerkleTree full = StandardMerkleTree.of(leaves);
    byte[][] hashes = leaves.stream().map(StandardMerkleTree::leafHash).toArray(byte[][]::new);
    StandardMerkleTree hashed = StandardMerkleTree.ofLeafHashes(hashes);
    assertEquals(full.nodes(), hashed.nodes());
    java.util.Map<String, Object> extra = java.util.Map.of("epoch", "2026-01-01");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    MerkleDump.write(out, hashed, leaves.iterator(), g -> g.writeObjectField("epoch", "2026-01-01"));
    assertEquals(MerkleDump.toJson(MerkleDump.of(full, extra)), out.toString(java.nio.charset.StandardCharsets.UTF_8));
    // values that are not the tree's (one amount off, or one missing) are refused, not dumped
    List<StandardMerkleTree.Leaf> wrong = new ArrayList<>(leaves);
    wrong.set(n - 1, new StandardMerkleTree.Leaf(leaves.get(n - 1).address(), leaves.get(n - 1).amount().add(BigInteger.ONE)));
    assertThrows(IllegalStateException.class, () -> MerkleDump.write(new java.io.ByteArrayOutputStream(), hashed,
        wrong.iterator(), g -> {}));
    assertThrows(IllegalStateException.class, () -> MerkleDump.write(new java.io.ByteArrayOutputStream(), hashed,
        leaves.subList(0, n - 1).iterator(), g -> {}));
  }

  /**
   * A dump of more values than one checked batch (8,192) is the same as the tree's, though batches are
   * checked while the one before is written; a wrong or surplus value in a later batch is refused.
   */
  @Test
  void aDumpOfSeveralBatchesEqualsTheTreesAndRefusesAWrongValueInALaterBatch() throws java.io.IOException {
    int n = 20_000;
    List<StandardMerkleTree.Leaf> leaves = randomLeaves(n, 90, new java.util.Random(7));
    StandardMerkleTree full = StandardMerkleTree.of(leaves);
    StandardMerkleTree hashed = StandardMerkleTree.ofLeafHashes(
        leaves.stream().map(StandardMerkleTree::leafHash).toArray(byte[][]::new));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    MerkleDump.write(out, hashed, leaves.iterator(), g -> g.writeObjectField("epoch", "2026-01-01"));
    assertEquals(MerkleDump.toJson(MerkleDump.of(full, java.util.Map.of("epoch", "2026-01-01"))),
        out.toString(java.nio.charset.StandardCharsets.UTF_8));
    List<StandardMerkleTree.Leaf> wrong = new ArrayList<>(leaves);
    wrong.set(17_000, new StandardMerkleTree.Leaf(leaves.get(17_000).address(), leaves.get(17_000).amount().add(BigInteger.ONE)));
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> MerkleDump.write(new java.io.ByteArrayOutputStream(), hashed, wrong.iterator(), g -> {}));
    assertTrue(refused.getMessage().startsWith("value 17000 "), refused.getMessage());
    List<StandardMerkleTree.Leaf> surplus = new ArrayList<>(leaves);
    surplus.add(leaves.get(0));
    assertThrows(IllegalStateException.class,
        () -> MerkleDump.write(new java.io.ByteArrayOutputStream(), hashed, surplus.iterator(), g -> {}));
  }

  /** The parallel build (sort and level rounds) gives every node a one-thread build gives, on a large tree. */
  @Test
  void aLargeTreeEqualsTheOneBuiltNodeByNode() {
    int n = 50_001; // not a power of two: leaves on two levels
    java.util.Random r = new java.util.Random(11);
    byte[][] hashes = new byte[n][];
    for (int i = 0; i < n; i++) {
      hashes[i] = new byte[32];
      r.nextBytes(hashes[i]);
    }
    hashes[7] = hashes[3].clone(); // equal leaves keep their given order
    StandardMerkleTree tree = StandardMerkleTree.ofLeafHashes(hashes);
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> java.util.Arrays.compareUnsigned(hashes[a], hashes[b]));
    byte[][] nodes = new byte[2 * n - 1][];
    for (int i = 0; i < n; i++) {
      nodes[nodes.length - 1 - i] = hashes[order[i]];
      assertEquals(nodes.length - 1 - i, tree.treeIndex(order[i]));
    }
    for (int i = nodes.length - 1 - n; i >= 0; i--) {
      nodes[i] = StandardMerkleTree.hashPair(nodes[2 * i + 1], nodes[2 * i + 2]);
    }
    for (int i = 0; i < nodes.length; i++) {
      assertEquals(StandardMerkleTree.hex(nodes[i]), tree.node(i), "node " + i);
    }
    // the same hashes given packed, in blocks of uneven sizes (as Spark tasks collect them): the same tree
    List<byte[]> blocks = new ArrayList<>();
    for (int from = 0; from < n; ) {
      int to = Math.min(n, from + (blocks.size() % 3 == 1 ? 0 : 1 + r.nextInt(20_000))); // empty blocks too
      java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
      for (int i = from; i < to; i++) {
        block.writeBytes(hashes[i]);
      }
      blocks.add(block.toByteArray());
      from = to;
    }
    StandardMerkleTree packed = StandardMerkleTree.ofPackedLeafHashes(blocks);
    assertEquals(tree.nodes(), packed.nodes());
    for (int i = 0; i < n; i++) {
      assertEquals(tree.treeIndex(i), packed.treeIndex(i));
      assertTrue(packed.isLeafNode(i, hashes[i]));
    }
    assertThrows(IllegalArgumentException.class, () -> StandardMerkleTree.ofPackedLeafHashes(List.of(new byte[33])));
  }

  /**
   * The primitive-key sort gives the order of a plain stable sort by the whole hash, including
   * hashes that share their first 33 bits (the key prefix) or more, equal hashes (kept in index
   * order) and hashes with the top bit set (unsigned order).
   */
  @Property(tries = 60)
  void hashOrderIsAStableSortByTheWholeHash(@ForAll long seed, @ForAll @IntRange(min = 1, max = 400) int n) {
    java.util.Random r = new java.util.Random(seed);
    byte[][] hashes = new byte[n][];
    for (int i = 0; i < n; i++) {
      byte[] h = new byte[32];
      r.nextBytes(h);
      if (i > 0 && r.nextInt(3) == 0) {
        byte[] other = hashes[r.nextInt(i)];
        int shared = List.of(4, 5, 31, 32).get(r.nextInt(4)); // bytes in common: around the 33-bit prefix, or all
        System.arraycopy(other, 0, h, 0, shared);
        if (shared == 4) {
          h[4] = (byte) ((other[4] & 0x80) | (h[4] & 0x7f)); // the 33rd bit too: only later bits differ
        }
      }
      hashes[i] = h;
    }
    Integer[] expected = new Integer[n];
    for (int i = 0; i < n; i++) {
      expected[i] = i;
    }
    java.util.Arrays.sort(expected, (a, b) -> java.util.Arrays.compareUnsigned(hashes[a], hashes[b]));
    StandardMerkleTree.Hashes packed = new StandardMerkleTree.Hashes(n);
    for (int i = 0; i < n; i++) {
      packed.set(i, hashes[i], 0);
    }
    int[] actual = StandardMerkleTree.sortedByHash(packed);
    for (int i = 0; i < n; i++) {
      assertEquals(expected[i], actual[i], "position " + i);
    }
  }

  /** n leaves with random addresses and amounts of up to {@code bits} bits. */
  static List<StandardMerkleTree.Leaf> randomLeaves(int n, int bits, java.util.Random r) {
    List<StandardMerkleTree.Leaf> leaves = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] a = new byte[20];
      r.nextBytes(a);
      leaves.add(new StandardMerkleTree.Leaf("0x" + java.util.HexFormat.of().formatHex(a), new BigInteger(bits, r)));
    }
    return leaves;
  }
}
