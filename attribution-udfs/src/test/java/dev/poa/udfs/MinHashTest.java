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
