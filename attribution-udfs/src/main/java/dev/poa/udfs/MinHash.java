package dev.poa.udfs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Word shingles and MinHash signatures of normalised text (see {@link TextNormalizer}).
 *
 * <p>Shingles are the runs of {@code k} consecutive words (words are the space-separated tokens
 * of the normalised text; text with fewer than {@code k} words is one shingle), each hashed with
 * {@code xxhash64} of its UTF-8 bytes. Permutation {@code j} of the signature is
 * {@code min over shingles h of xxhash64(h, j)}. Both definitions equal these Spark SQL
 * expressions, which the built-in (GPU-capable) implementation uses:
 *
 * <pre>
 * shingles  = transform(sequence(0, greatest(size(w) - k, 0)),
 *                       i -> xxhash64(array_join(slice(w, i + 1, k), ' ')))   -- w = split(norm, ' ')
 * signature = transform(sequence(0, n - 1), j -> array_min(transform(shingles, h -> xxhash64(h, j))))
 * </pre>
 */
public final class MinHash {
  public static final int DEFAULT_SHINGLE_WORDS = 5;
  public static final int DEFAULT_BANDS = 20;
  public static final int DEFAULT_ROWS_PER_BAND = 4;

  private MinHash() {}

  /** Shingle hashes, in text order (duplicates kept). */
  public static long[] shingles(String normalized, int k) {
    byte[] b = normalized.getBytes(StandardCharsets.UTF_8);
    // Word starts: normalised text has exactly one ASCII space between words.
    int words = 1;
    for (byte x : b) {
      if (x == ' ') {
        words++;
      }
    }
    int[] starts = new int[words + 1];
    int w = 0;
    starts[w++] = 0;
    for (int i = 0; i < b.length; i++) {
      if (b[i] == ' ') {
        starts[w++] = i + 1;
      }
    }
    starts[words] = b.length + 1; // one past the virtual trailing space
    if (words <= k) {
      return new long[] {XxHash64.hashBytes(b, XxHash64.SPARK_SEED)};
    }
    long[] out = new long[words - k + 1];
    for (int i = 0; i < out.length; i++) {
      int from = starts[i];
      int to = starts[i + k] - 1; // exclude the space before word i+k
      out[i] = XxHash64.hashBytes(b, from, to - from, XxHash64.SPARK_SEED);
    }
    return out;
  }

  /**
   * The distinct shingle hashes, in order of first occurrence: what Spark's
   * {@code array_distinct} of the shingles expression gives, element for element.
   */
  public static long[] distinctShingles(String normalized, int k) {
    long[] all = shingles(normalized, k);
    // open addressing over the hashes themselves (already uniform); 0 is tracked apart
    long[] table = new long[Integer.highestOneBit(Math.max(4, all.length) * 2) * 2];
    int mask = table.length - 1;
    boolean zero = false;
    long[] out = new long[all.length];
    int n = 0;
    for (long h : all) {
      if (h == 0) {
        if (!zero) {
          zero = true;
          out[n++] = h;
        }
        continue;
      }
      int i = (int) (h ^ (h >>> 32)) & mask;
      while (table[i] != 0 && table[i] != h) {
        i = (i + 1) & mask;
      }
      if (table[i] == 0) {
        table[i] = h;
        out[n++] = h;
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  public static long[] signature(String normalized, int k, int numPermutations) {
    return signatureOfShingles(shingles(normalized, k), numPermutations);
  }

  /**
   * Whether signatures are computed with SIMD vectors ({@link MinHashVectors}): when the JVM has
   * the {@code jdk.incubator.vector} module, the CPU's vectors hold 4 longs or more, and the
   * system property {@code poa.minhash.vectors} is not {@code false}. Either way the signature is
   * the same.
   */
  public static final boolean VECTORS =
      !"false".equals(System.getProperty("poa.minhash.vectors"))
          && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
          && MinHashVectors.worthwhile();

  public static long[] signatureOfShingles(long[] shingles, int numPermutations) {
    return VECTORS
        ? MinHashVectors.signatureOfShingles(shingles, numPermutations)
        : scalarSignatureOfShingles(shingles, numPermutations);
  }

  /** The definition, one permutation at a time. */
  static long[] scalarSignatureOfShingles(long[] shingles, int numPermutations) {
    long[] sig = new long[numPermutations];
    Arrays.fill(sig, Long.MAX_VALUE);
    for (long h : shingles) {
      // xxhash64(h, j) = hashInt(j, hashLong(h, 42)): the first half is shared by all j.
      long seed = XxHash64.hashLong(h, XxHash64.SPARK_SEED);
      for (int j = 0; j < numPermutations; j++) {
        long v = XxHash64.hashInt(j, seed);
        if (v < sig[j]) {
          sig[j] = v;
        }
      }
    }
    return sig;
  }

  /**
   * LSH band hashes of a signature: band {@code b} is Spark's {@code xxhash64(b, slice(sig, b * rows
   * + 1, rows))}, i.e. the hash of the int b (seed 42), then of each long of the band, each seeded
   * with the hash so far.
   */
  public static long[] bandHashes(long[] signature, int bands, int rows) {
    long[] out = new long[bands];
    for (int b = 0; b < bands; b++) {
      long h = XxHash64.hashInt(b, XxHash64.SPARK_SEED);
      for (int i = b * rows; i < Math.min((b + 1) * rows, signature.length); i++) {
        h = XxHash64.hashLong(signature[i], h);
      }
      out[b] = h;
    }
    return out;
  }

  /** Exact Jaccard similarity of the shingle sets of two normalised texts. */
  public static double jaccard(String a, String b, int k) {
    long[] x = Arrays.stream(shingles(a, k)).distinct().sorted().toArray();
    long[] y = Arrays.stream(shingles(b, k)).distinct().sorted().toArray();
    int i = 0;
    int j = 0;
    int common = 0;
    while (i < x.length && j < y.length) {
      if (x[i] == y[j]) {
        common++;
        i++;
        j++;
      } else if (x[i] < y[j]) {
        i++;
      } else {
        j++;
      }
    }
    int union = x.length + y.length - common;
    return union == 0 ? 1.0 : (double) common / union;
  }

  /** Probability that a pair with Jaccard {@code s} becomes an LSH candidate. */
  public static double candidateProbability(double s, int bands, int rows) {
    return 1 - Math.pow(1 - Math.pow(s, rows), bands);
  }
}
