package dev.poa.udfs.influence;

import dev.poa.udfs.Tokenizer;
import dev.poa.udfs.XxHash64;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Text to a dense feature vector of the reference model: lower-cased tokens of the default
 * {@link Tokenizer}, each hashed by xxhash64 (seed 42) into {@code dim − 1} buckets with a sign
 * taken from bit 63 of the same hash, then L2-normalised; the last entry is a constant 1 (bias).
 */
public final class HashedFeatures {
  private HashedFeatures() {}

  public static double[] of(String text, int dim) {
    if (dim < 2) {
      throw new IllegalArgumentException("dim must be at least 2");
    }
    double[] x = new double[dim];
    int buckets = dim - 1;
    for (String t : Tokenizer.tokens(text)) {
      byte[] b = t.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
      long h = XxHash64.hashBytes(b, XxHash64.SPARK_SEED);
      int bucket = (int) Math.floorMod(h, (long) buckets);
      x[bucket] += h < 0 ? -1 : 1;
    }
    double norm = 0;
    for (int i = 0; i < buckets; i++) {
      norm += x[i] * x[i];
    }
    if (norm > 0) {
      double inv = 1 / Math.sqrt(norm);
      for (int i = 0; i < buckets; i++) {
        x[i] *= inv;
      }
    }
    x[dim - 1] = 1;
    return x;
  }
}
