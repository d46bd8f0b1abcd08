package dev.poa.udfs.influence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatScanTest {
  /** Runs with the cases a vector comparison could get wrong: NaN, signed zeros, ties, infinities. */
  static float[] run(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = switch (r.nextInt(12)) {
        case 0 -> Float.NaN;
        case 1 -> -0.0f;
        case 2 -> 0.0f;
        case 3 -> 0.5f;
        case 4 -> Float.NEGATIVE_INFINITY;
        case 5 -> Float.POSITIVE_INFINITY;
        default -> (float) r.nextGaussian() - 2.5f;
      };
    }
    return a;
  }

  @Test
  void vectorsFindTheIndexTheScalarLoopFinds() {
    // the test runs with the jdk.incubator.vector module (the build's surefire flags); the vector
    // path is compared directly, whichever path FloatScan.VECTORS chose
    boolean vectors = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    Random r = new Random(17);
    float[] thresholds = {0.5f, 0.0f, -0.0f, 3f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -1f};
    int checked = 0;
    for (int n : new int[] {0, 1, 7, 8, 15, 16, 17, 31, 33, 100, 513}) {
      for (int trial = 0; trial < 20; trial++) {
        float[] a = run(r, n);
        for (float t : thresholds) {
          for (int from = 0; from <= Math.min(n, 19); from += 3) {
            int to = Math.max(from, n - r.nextInt(3));
            int expected = FloatScan.scalarFirstAtLeast(a, from, to, t);
            assertEquals(expected, FloatScan.firstAtLeast(a, from, to, t), "n " + n + ", threshold " + t + ", from " + from);
            if (vectors && FloatScanVectors.worthwhile()) {
              assertEquals(expected, FloatScanVectors.firstAtLeast(a, from, to, t), "vectors: n " + n + ", threshold " + t);
            }
            checked++;
          }
        }
      }
    }
    // the definition: NaN never reaches a threshold, −0 reaches 0
    assertEquals(2, FloatScan.scalarFirstAtLeast(new float[] {Float.NaN, -1f, -0.0f}, 0, 3, 0.0f));
    assertEquals(3, FloatScan.scalarFirstAtLeast(new float[] {Float.NaN, 1f, 2f}, 0, 3, Float.NaN));
    assertEquals(true, checked > 1000);
  }
}
