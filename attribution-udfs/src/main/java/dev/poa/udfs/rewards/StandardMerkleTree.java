package dev.poa.udfs.rewards;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.web3j.crypto.Hash;

/**
 * A Merkle tree over {@code (address, uint256)} leaves built exactly as OpenZeppelin's
 * {@code StandardMerkleTree} (npm {@code @openzeppelin/merkle-tree}, leaf encoding
 * {@code ["address", "uint256"]}), so its root and proofs verify with OpenZeppelin's
 * {@code MerkleProof} in a contract and with the npm package off-chain:
 *
 * <ul>
 *   <li>leaf = keccak256(keccak256(abi.encode(address, uint256))): both values as 32-byte words;
 *   <li>leaves sorted ascending as bytes; in an array of 2n − 1 nodes, leaf i sits at index
 *       2n − 2 − i and each parent i = keccak256 of its children (2i + 1, 2i + 2) sorted as bytes,
 *       filled from the back; the root is node 0;
 *   <li>a proof lists the siblings from the leaf up.
 * </ul>
 */
public final class StandardMerkleTree {
  /** One leaf value: a 20-byte address and an amount below 2^256. */
  public record Leaf(String address, BigInteger amount) {
    public Leaf {
      if (address == null || !address.matches("0x[0-9a-fA-F]{40}")) {
        throw new IllegalArgumentException("not a 20-byte 0x address: " + address);
      }
      if (amount.signum() < 0 || amount.bitLength() > 256) {
        throw new IllegalArgumentException("amount out of uint256 range: " + amount);
      }
      address = address.toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final HexFormat HEX = HexFormat.of();
  private static final Comparator<byte[]> BYTES = Arrays::compareUnsigned;

  private final List<Leaf> values;
  private final byte[][] tree;
  /** treeIndex of each value, in the order the values were given. */
  private final int[] treeIndex;

  private StandardMerkleTree(List<Leaf> values, byte[][] tree, int[] treeIndex) {
    this.values = values;
    this.tree = tree;
    this.treeIndex = treeIndex;
  }

  public static StandardMerkleTree of(List<Leaf> values) {
    int n = values.size();
    if (n == 0) {
      throw new IllegalArgumentException("a Merkle tree needs at least one leaf");
    }
    byte[][] hashes = new byte[n][];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      hashes[i] = leafHash(values.get(i));
      order[i] = i;
    }
    // stable sort by hash: equal leaves keep their given order, as in the npm package
    Arrays.sort(order, (a, b) -> BYTES.compare(hashes[a], hashes[b]));
    byte[][] tree = new byte[2 * n - 1][];
    int[] treeIndex = new int[n];
    for (int i = 0; i < n; i++) {
      int at = tree.length - 1 - i;
      tree[at] = hashes[order[i]];
      treeIndex[order[i]] = at;
    }
    for (int i = tree.length - 1 - n; i >= 0; i--) {
      tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2]);
    }
    return new StandardMerkleTree(List.copyOf(values), tree, treeIndex);
  }

  /** keccak256(keccak256(abi.encode(address, uint256))). */
  public static byte[] leafHash(Leaf leaf) {
    byte[] encoded = new byte[64];
    byte[] address = HEX.parseHex(leaf.address().substring(2));
    System.arraycopy(address, 0, encoded, 32 - 20, 20);
    byte[] amount = leaf.amount().toByteArray();
    int len = Math.min(amount.length, 32); // toByteArray may carry a leading sign byte
    System.arraycopy(amount, amount.length - len, encoded, 64 - len, len);
    return Hash.sha3(Hash.sha3(encoded));
  }

  static byte[] hashPair(byte[] a, byte[] b) {
    byte[] both = new byte[64];
    boolean aFirst = BYTES.compare(a, b) <= 0;
    System.arraycopy(aFirst ? a : b, 0, both, 0, 32);
    System.arraycopy(aFirst ? b : a, 0, both, 32, 32);
    return Hash.sha3(both);
  }

  public String root() {
    return hex(tree[0]);
  }

  public List<Leaf> values() {
    return values;
  }

  public int size() {
    return values.size();
  }

  /** Tree index of the i-th value (in the order given). */
  public int treeIndex(int valueIndex) {
    return treeIndex[valueIndex];
  }

  /** The proof of the i-th value (in the order given): sibling hashes from the leaf up. */
  public List<String> proof(int valueIndex) {
    List<String> proof = new ArrayList<>();
    int i = treeIndex[valueIndex];
    while (i > 0) {
      int sibling = i % 2 == 0 ? i - 1 : i + 1;
      proof.add(hex(tree[sibling]));
      i = (i - 1) / 2;
    }
    return proof;
  }

  /** Recomputes a root from a leaf and its proof (what a contract's MerkleProof.verify does). */
  public static String processProof(Leaf leaf, List<String> proof) {
    byte[] h = leafHash(leaf);
    for (String p : proof) {
      h = hashPair(h, HEX.parseHex(p.substring(2)));
    }
    return hex(h);
  }

  /** All nodes, as 0x hex, root first: the {@code tree} of a standard-v1 dump. */
  public List<String> nodes() {
    List<String> out = new ArrayList<>(tree.length);
    for (byte[] b : tree) {
      out.add(hex(b));
    }
    return out;
  }

  static String hex(byte[] b) {
    return "0x" + HEX.formatHex(b);
  }
}
