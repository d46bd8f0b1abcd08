package dev.poa.udfs.rewards;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

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
      if (!dev.poa.udfs.Addresses.isHex40(address)) {
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

  /** The values, or null for a tree built from leaf hashes alone ({@link #ofLeafHashes}). */
  private final List<Leaf> values;
  private final Hashes tree;
  /** treeIndex of each value, in the order the values were given. */
  private final int[] treeIndex;

  private StandardMerkleTree(List<Leaf> values, Hashes tree, int[] treeIndex) {
    this.values = values;
    this.tree = tree;
    this.treeIndex = treeIndex;
  }

  public static StandardMerkleTree of(List<Leaf> values) {
    Hashes hashes = new Hashes(values.size());
    for (int i = 0; i < values.size(); i++) {
      hashes.set(i, leafHash(values.get(i)), 0);
    }
    return build(List.copyOf(values), hashes);
  }

  /**
   * The tree of leaves given by their {@link #leafHash} alone (hashed elsewhere, e.g. on Spark
   * executors), in value order: a large tree then costs the driver 32 bytes per leaf and node,
   * not the values. {@link #values()} is null; {@link #isLeafNode} checks a value's hash against it.
   */
  public static StandardMerkleTree ofLeafHashes(byte[][] hashes) {
    Hashes packed = new Hashes(hashes.length);
    for (int i = 0; i < hashes.length; i++) {
      if (hashes[i] == null || hashes[i].length != 32) {
        throw new IllegalArgumentException("a leaf hash is 32 bytes");
      }
      packed.set(i, hashes[i], 0);
    }
    return build(null, packed);
  }

  /**
   * {@link #ofLeafHashes} of hashes given packed: each block a run of 32-byte hashes, the blocks
   * in value order (as Spark tasks collect them, without an array per hash).
   */
  public static StandardMerkleTree ofPackedLeafHashes(List<byte[]> blocks) {
    long bytes = 0;
    for (byte[] b : blocks) {
      if (b.length % 32 != 0) {
        throw new IllegalArgumentException("a block of leaf hashes is a multiple of 32 bytes");
      }
      bytes += b.length;
    }
    if (bytes / 32 > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException((bytes / 32) + " leaves: more than one tree holds");
    }
    Hashes packed = new Hashes((int) (bytes / 32));
    int i = 0;
    for (byte[] b : blocks) {
      for (int off = 0; off < b.length; off += 32) {
        packed.set(i++, b, off);
      }
    }
    return build(null, packed);
  }

  private static StandardMerkleTree build(List<Leaf> values, Hashes hashes) {
    int n = hashes.size();
    if (n == 0) {
      throw new IllegalArgumentException("a Merkle tree needs at least one leaf");
    }
    int[] order = sortedByHash(hashes);
    Hashes tree = new Hashes(2 * n - 1);
    int[] treeIndex = new int[n];
    for (int i = 0; i < n; i++) {
      int at = tree.size() - 1 - i;
      tree.set(at, hashes.page(order[i]), Hashes.offset(order[i]));
      treeIndex[order[i]] = at;
    }
    // parents from the last one up, in rounds whose children all lie beyond the round: a round's
    // nodes are independent, hashed in parallel (the same nodes as one at a time)
    for (int hi = tree.size() - 1 - n; hi >= 0; ) {
      int lo = (hi + 1) / 2;
      java.util.stream.IntStream.rangeClosed(lo, hi).parallel().forEach(tree::setParent);
      hi = lo - 1;
    }
    return new StandardMerkleTree(values, tree, treeIndex);
  }

  /**
   * Hashes of 32 bytes packed in pages of 2^15 (1 MiB each). A tree of a million leaves is 64
   * arrays instead of two million: the garbage collector traces every array the driver keeps,
   * and with millions of small ones its concurrent marking took a core for seconds per job.
   */
  static final class Hashes {
    private static final int PAGE_BITS = 15;
    private static final int PAGE = 1 << PAGE_BITS;
    private final byte[][] pages;
    private final int size;

    Hashes(int size) {
      this.size = size;
      pages = new byte[(int) ((size + (long) PAGE - 1) >>> PAGE_BITS)][];
      for (int p = 0; p < pages.length; p++) {
        pages[p] = new byte[Math.min(PAGE, size - p * PAGE) * 32];
      }
    }

    int size() {
      return size;
    }

    /** The array hash i lies in, at {@link #offset}. */
    byte[] page(int i) {
      return pages[i >>> PAGE_BITS];
    }

    static int offset(int i) {
      return (i & (PAGE - 1)) << 5;
    }

    void set(int i, byte[] from, int fromOffset) {
      System.arraycopy(from, fromOffset, page(Objects.checkIndex(i, size)), offset(i), 32);
    }

    byte[] get(int i) {
      int at = offset(Objects.checkIndex(i, size));
      return Arrays.copyOfRange(page(i), at, at + 32);
    }

    boolean equals(int i, byte[] hash) {
      int at = offset(Objects.checkIndex(i, size));
      return hash.length == 32 && Arrays.equals(page(i), at, at + 32, hash, 0, 32);
    }

    /** Unsigned byte order of hashes i and j. */
    int compare(int i, int j) {
      int a = offset(i);
      int b = offset(j);
      return Arrays.compareUnsigned(page(i), a, a + 32, page(j), b, b + 32);
    }

    /** Node i = keccak256 of its children 2i + 1 and 2i + 2, in ascending byte order. */
    void setParent(int i) {
      int left = 2 * i + 1;
      int right = left + 1;
      int first = compare(left, right) <= 0 ? left : right;
      int second = first == left ? right : left;
      Keccak256.hashPair(page(first), offset(first), page(second), offset(second), page(i), offset(i));
    }

    /** The first 33 bits of hash i, as an unsigned number. */
    long prefix33(int i) {
      byte[] h = page(i);
      int at = offset(i);
      return ((h[at] & 0xffL) << 32 | (h[at + 1] & 0xffL) << 24 | (h[at + 2] & 0xffL) << 16 | (h[at + 3] & 0xffL) << 8
          | (h[at + 4] & 0xffL)) >>> 7;
    }
  }

  /**
   * The indexes of the hashes in ascending byte order, equal hashes in their given order (a stable
   * sort, as in the npm package). Sorted as primitive keys, each a hash's first 33 bits above its
   * index (31 bits), so that a million leaves sort without boxing or a comparator; indexes whose
   * hashes share those 33 bits come out in index order and are then put in order by the whole hash
   * with a stable sort.
   */
  static int[] sortedByHash(Hashes hashes) {
    int n = hashes.size();
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      // ^ MIN_VALUE: signed order of the keys = unsigned order of prefix and index
      keys[i] = (hashes.prefix33(i) << 31 | i) ^ Long.MIN_VALUE;
    }
    Arrays.parallelSort(keys);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = (int) (keys[i] & Integer.MAX_VALUE);
    }
    // runs of equal prefix, found in the sorted keys (not by reading the hashes again, in random order)
    for (int lo = 0, hi; lo < n; lo = hi) {
      for (hi = lo + 1; hi < n && keys[hi] >>> 31 == keys[lo] >>> 31; hi++) {
      }
      if (hi - lo > 1) {
        Integer[] run = new Integer[hi - lo];
        for (int k = lo; k < hi; k++) {
          run[k - lo] = order[k];
        }
        Arrays.sort(run, hashes::compare); // stable: index order within equal hashes
        for (int k = lo; k < hi; k++) {
          order[k] = run[k - lo];
        }
      }
    }
    return order;
  }

  /** keccak256(keccak256(abi.encode(address, uint256))). */
  public static byte[] leafHash(Leaf leaf) {
    byte[] encoded = new byte[64];
    byte[] address = HEX.parseHex(leaf.address(), 2, 42);
    System.arraycopy(address, 0, encoded, 32 - 20, 20);
    byte[] amount = leaf.amount().toByteArray();
    int len = Math.min(amount.length, 32); // toByteArray may carry a leading sign byte
    System.arraycopy(amount, amount.length - len, encoded, 64 - len, len);
    return Keccak256.hash(Keccak256.hash(encoded));
  }

  /**
   * The leaf hash of a {@code ["string"]} tree (leaf encoding of {@code @openzeppelin/merkle-tree}):
   * keccak256(keccak256(abi.encode(string))), where abi.encode gives the offset word (0x20), the
   * length word and the UTF-8 bytes right-padded to 32. With {@link #ofLeafHashes} it gives the
   * root the npm package gives for {@code StandardMerkleTree.of(values, ["string"])}.
   */
  public static byte[] stringLeafHash(String value) {
    byte[] utf8 = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] encoded = new byte[64 + (utf8.length + 31) / 32 * 32];
    encoded[31] = 0x20;
    byte[] len = BigInteger.valueOf(utf8.length).toByteArray();
    System.arraycopy(len, 0, encoded, 64 - len.length, len.length);
    System.arraycopy(utf8, 0, encoded, 64, utf8.length);
    return Keccak256.hash(Keccak256.hash(encoded));
  }

  /** keccak256 of the two hashes in ascending byte order. */
  static byte[] hashPair(byte[] a, byte[] b) {
    return BYTES.compare(a, b) <= 0 ? Keccak256.hashPair(a, b) : Keccak256.hashPair(b, a);
  }

  public String root() {
    return hex(tree.get(0));
  }

  public List<Leaf> values() {
    return values;
  }

  public int size() {
    return treeIndex.length;
  }

  /** Whether {@code hash} is the leaf hash of the i-th value (in the order given). */
  public boolean isLeafNode(int valueIndex, byte[] hash) {
    return tree.equals(treeIndex[valueIndex], hash);
  }

  /** The array node i lies in, at {@link #nodeOffset}: for a dump's writer, which must not change it. */
  byte[] nodePage(int i) {
    return tree.page(Objects.checkIndex(i, tree.size()));
  }

  static int nodeOffset(int i) {
    return Hashes.offset(i);
  }

  /** The sibling indexes of a proof from tree index i up: what a proof needs from a dump's tree. */
  public static List<Integer> proofIndexes(int treeIndex) {
    List<Integer> out = new ArrayList<>();
    for (int i = treeIndex; i > 0; i = (i - 1) / 2) {
      out.add(i % 2 == 0 ? i - 1 : i + 1);
    }
    return out;
  }

  /** Tree index of the i-th value (in the order given). */
  public int treeIndex(int valueIndex) {
    return treeIndex[valueIndex];
  }

  /** The proof of the i-th value (in the order given): sibling hashes from the leaf up. */
  public List<String> proof(int valueIndex) {
    List<String> proof = new ArrayList<>();
    for (int sibling : proofIndexes(treeIndex[valueIndex])) {
      proof.add(hex(tree.get(sibling)));
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

  /** Node i of the tree (0 = root), as 0x hex. */
  public String node(int i) {
    return hex(tree.get(i));
  }

  /** All nodes, as 0x hex, root first: the {@code tree} of a standard-v1 dump. */
  public List<String> nodes() {
    List<String> out = new ArrayList<>(tree.size());
    for (int i = 0; i < tree.size(); i++) {
      out.add(hex(tree.get(i)));
    }
    return out;
  }

  static String hex(byte[] b) {
    return "0x" + HEX.formatHex(b);
  }
}
