package dev.poa.udfs;

/**
 * xxHash64, bit-compatible with Spark's {@code xxhash64} SQL function (seed 42 for the first
 * argument, each further argument seeded with the hash so far; strings hashed as UTF-8 bytes,
 * longs as 8 little-endian bytes, ints as 4). Java UDFs and built-in expressions therefore produce
 * the same shingle hashes and MinHash signatures.
 */
public final class XxHash64 {
  public static final long SPARK_SEED = 42L;

  static final long P1 = 0x9E3779B185EBCA87L;
  static final long P2 = 0xC2B2AE3D27D4EB4FL;
  static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  static final long P5 = 0x27D4EB2F165667C5L;

  private XxHash64() {}

  public static long hashLong(long input, long seed) {
    long hash = seed + P5 + 8L;
    hash ^= Long.rotateLeft(input * P2, 31) * P1;
    hash = Long.rotateLeft(hash, 27) * P1 + P4;
    return fmix(hash);
  }

  public static long hashInt(int input, long seed) {
    long hash = seed + P5 + 4L;
    hash ^= (input & 0xFFFFFFFFL) * P1;
    hash = Long.rotateLeft(hash, 23) * P2 + P3;
    return fmix(hash);
  }

  public static long hashBytes(byte[] b, int off, int len, long seed) {
    int end = off + len;
    long hash;
    int i = off;
    if (len >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      int limit = end - 32;
      do {
        v1 = round(v1, getLong(b, i));
        v2 = round(v2, getLong(b, i + 8));
        v3 = round(v3, getLong(b, i + 16));
        v4 = round(v4, getLong(b, i + 24));
        i += 32;
      } while (i <= limit);
      hash =
          Long.rotateLeft(v1, 1)
              + Long.rotateLeft(v2, 7)
              + Long.rotateLeft(v3, 12)
              + Long.rotateLeft(v4, 18);
      hash = mergeRound(hash, v1);
      hash = mergeRound(hash, v2);
      hash = mergeRound(hash, v3);
      hash = mergeRound(hash, v4);
    } else {
      hash = seed + P5;
    }
    hash += len;
    while (i <= end - 8) {
      hash ^= round(0, getLong(b, i));
      hash = Long.rotateLeft(hash, 27) * P1 + P4;
      i += 8;
    }
    if (i <= end - 4) {
      hash ^= (getInt(b, i) & 0xFFFFFFFFL) * P1;
      hash = Long.rotateLeft(hash, 23) * P2 + P3;
      i += 4;
    }
    while (i < end) {
      hash ^= (b[i] & 0xFFL) * P5;
      hash = Long.rotateLeft(hash, 11) * P1;
      i++;
    }
    return fmix(hash);
  }

  public static long hashBytes(byte[] b, long seed) {
    return hashBytes(b, 0, b.length, seed);
  }

  private static long round(long acc, long input) {
    acc += input * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long mergeRound(long acc, long val) {
    acc ^= round(0, val);
    return acc * P1 + P4;
  }

  private static long fmix(long hash) {
    hash ^= hash >>> 33;
    hash *= P2;
    hash ^= hash >>> 29;
    hash *= P3;
    hash ^= hash >>> 32;
    return hash;
  }

  private static long getLong(byte[] b, int i) {
    return (b[i] & 0xFFL)
        | (b[i + 1] & 0xFFL) << 8
        | (b[i + 2] & 0xFFL) << 16
        | (b[i + 3] & 0xFFL) << 24
        | (b[i + 4] & 0xFFL) << 32
        | (b[i + 5] & 0xFFL) << 40
        | (b[i + 6] & 0xFFL) << 48
        | (b[i + 7] & 0xFFL) << 56;
  }

  private static int getInt(byte[] b, int i) {
    return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
  }
}
