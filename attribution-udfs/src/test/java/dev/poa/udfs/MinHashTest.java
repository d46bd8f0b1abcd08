package dev.poa.udfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MinHashTest {
  private static String words(Random r, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : " ").append("w").append(r.nextInt(5000));
    }
    return sb.toString();
  }

  @Test
  void shortTextIsOneShingle() {
    assertEquals(1, MinHash.shingles("a b c", 5).length);
    assertEquals(1, MinHash.shingles("a b c d e", 5).length);
    assertEquals(2, MinHash.shingles("a b c d e f", 5).length);
  }

  @Test
  void signatureAgreementEstimatesJaccard() {
    Random r = new Random(1);
    String a = words(r, 400);
    String[] w = a.split(" ");
    for (int i = 0; i < 20; i++) {
      w[r.nextInt(w.length)] = "edit" + i;
    }
    String b = String.join(" ", w);
    double exact = MinHash.jaccard(a, b, 5);
    long[] sa = MinHash.signature(a, 5, 512);
    long[] sb = MinHash.signature(b, 5, 512);
    int same = 0;
    for (int i = 0; i < sa.length; i++) {
      same += sa[i] == sb[i] ? 1 : 0;
    }
    double estimate = same / 512.0;
    assertTrue(Math.abs(estimate - exact) < 0.07, "estimate " + estimate + " vs exact " + exact);
  }

  @Test
  void vectorLanesGiveTheScalarSignatureBitForBit() {
    Random r = new Random(7);
    for (int n : new int[] {1, 3, 4, 7, 8, 9, 80, 81, 128, 512}) {
      for (int doc = 0; doc < 50; doc++) {
        long[] shingles = new long[r.nextInt(400)];
        for (int i = 0; i < shingles.length; i++) {
          shingles[i] = i % 7 == 0 ? shingles[i / 2] : r.nextLong(); // repeats, as real text has
        }
        assertArrayEquals(MinHash.scalarSignatureOfShingles(shingles, n), MinHashVectors.signatureOfShingles(shingles, n),
            "permutations " + n + ", " + shingles.length + " shingles");
      }
    }
    // the one definition: permutation j is the least xxhash64(h, j), hashInt seeded by hashLong
    long[] one = {0x8000000000000000L, -1L, 0L, 42L};
    long[] sig = MinHashVectors.signatureOfShingles(one, 16);
    for (int j = 0; j < 16; j++) {
      long least = Long.MAX_VALUE;
      for (long h : one) {
        least = Math.min(least, XxHash64.hashInt(j, XxHash64.hashLong(h, XxHash64.SPARK_SEED)));
      }
      assertEquals(least, sig[j]);
    }
  }

  @Test
  void distinctShinglesKeepFirstOccurrences() {
    Random r = new Random(3);
    for (int vocabulary : new int[] {1, 2, 3, 50, 5000}) {
      for (int n = 1; n < 300; n += 37) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
          sb.append(i == 0 ? "" : " ").append("w").append(r.nextInt(vocabulary));
        }
        long[] all = MinHash.shingles(sb.toString(), 5);
        assertArrayEquals(java.util.Arrays.stream(all).distinct().toArray(), MinHash.distinctShingles(sb.toString(), 5),
            vocabulary + " words, " + n + " long");
      }
    }
  }

  @Test
  void identicalTextsHaveIdenticalSignatures() {
    assertArrayEquals(MinHash.signature("x y z q r s t", 3, 16), MinHash.signature("x y z q r s t", 3, 16));
  }

  @Test
  void bandingMakesNearThresholdPairsLikelyCandidates() {
    int b = MinHash.DEFAULT_BANDS;
    int r = MinHash.DEFAULT_ROWS_PER_BAND;
    assertTrue(MinHash.candidateProbability(0.8, b, r) > 0.999);
    assertTrue(MinHash.candidateProbability(0.6, b, r) > 0.9); // boilerplate on short texts
    assertTrue(MinHash.candidateProbability(0.2, b, r) < 0.05);
  }
}
