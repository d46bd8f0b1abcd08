package dev.poa.udfs;

import java.util.Arrays;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MinHash#signatureOfShingles} with the permutations computed as SIMD lanes (the incubating
 * Vector API of Java 17): the same xxhash64 of each (shingle, permutation) and the same signed
 * minimum, so the same signature bit for bit, several permutations per instruction. Loaded only
 * when the {@code jdk.incubator.vector} module is in the JVM ({@code --add-modules}, which the
 * launcher and docs/infra flags pass) and the CPU's preferred vector holds at least 4 longs;
 * {@link MinHash} uses its scalar loop otherwise.
 */
final class MinHashVectors {
  private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;

  private MinHashVectors() {}

  /** Whether vectors of this CPU are wide enough to beat the scalar loop. */
  static boolean worthwhile() {
    return SPECIES.length() >= 4;
  }

  static long[] signatureOfShingles(long[] shingles, int numPermutations) {
    int lanes = SPECIES.length();
    int padded = (numPermutations + lanes - 1) / lanes * lanes;
    // Per permutation j, the part of xxhash64(h, j) that does not depend on h: j (as an unsigned
    // int) times P1; the padding lanes compute hashes that are dropped.
    long[] perm = new long[padded];
    for (int j = 0; j < padded; j++) {
      perm[j] = (j & 0xFFFFFFFFL) * XxHash64.P1;
    }
    long[] sig = new long[padded];
    Arrays.fill(sig, Long.MAX_VALUE);
    for (long h : shingles) {
      long start = XxHash64.hashLong(h, XxHash64.SPARK_SEED) + XxHash64.P5 + 4L; // hashInt's first line
      for (int v = 0; v < padded; v += lanes) {
        LongVector x =
            LongVector.fromArray(SPECIES, perm, v)
                .lanewise(VectorOperators.XOR, start)
                .lanewise(VectorOperators.ROL, 23)
                .mul(XxHash64.P2)
                .add(XxHash64.P3);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 33)).mul(XxHash64.P2);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 29)).mul(XxHash64.P3);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 32));
        LongVector.fromArray(SPECIES, sig, v).min(x).intoArray(sig, v);
      }
    }
    return padded == numPermutations ? sig : Arrays.copyOf(sig, numPermutations);
  }
}
