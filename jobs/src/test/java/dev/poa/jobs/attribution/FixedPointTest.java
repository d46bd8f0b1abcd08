package dev.poa.jobs.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FixedPointTest {
  @Test
  void multiplyingByTheUnitGivesTheFixedPointOfScalb() {
    Random r = new Random(3);
    int checked = 0;
    for (int exp = -560; exp <= 560; exp++) {
      double unit = GradientAttribution.fixedUnit(exp);
      if (unit == 0) {
        continue;
      }
      for (int i = 0; i < 2_000; i++) {
        // a float score within its Cauchy–Schwarz bound 2^exp, down to the smallest floats
        float s = (float) Math.scalb(r.nextDouble(), Math.max(exp - r.nextInt(160), -149));
        if (!(s > 0) || Float.isInfinite(s)) {
          continue;
        }
        assertEquals(GradientAttribution.fixed(s, exp), Math.round(s * unit), "score " + s + ", exp " + exp);
        checked++;
      }
    }
    assertEquals(0, GradientAttribution.fixedUnit(GradientAttribution.FIXED_BITS + 600));
    assertEquals(true, checked > 400_000);
  }

  @Test
  void roundingAPositiveAmountIsMathRound() {
    java.util.List<Float> xs = new java.util.ArrayList<>(java.util.List.of(0f, Float.MIN_VALUE, Math.nextDown(0.5f), 0.5f,
        Math.nextUp(0.5f), 1f, 1.5f, 2.5f, 0x1p52f, Math.nextDown(0x1p52f), Math.nextUp(0x1p52f), 0x1p62f, 0x1p70f,
        Float.MAX_VALUE, Float.POSITIVE_INFINITY));
    // every neighbourhood of a half-integer, where rounding changes direction, as far as floats have them
    for (int e = 0; e <= 24; e++) {
      for (float h : new float[] {Math.scalb(1f, e) - 0.5f, Math.scalb(1f, e) + 0.5f, Math.scalb(1f, e) * 1.5f + 0.5f}) {
        float d = h;
        for (int i = 0; i < 3; i++) {
          xs.add(d);
          d = Math.nextDown(d);
        }
        d = h;
        for (int i = 0; i < 3; i++) {
          d = Math.nextUp(d);
          xs.add(d);
        }
      }
    }
    Random r = new Random(5);
    for (int i = 0; i < 1_000_000; i++) {
      xs.add((float) Math.scalb(r.nextDouble(), r.nextInt(70) - 10));
    }
    // unit 1 (exp = FIXED_BITS): x is the float itself; one key per value
    float[] out = new float[xs.size()];
    int[] ks = new int[xs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = xs.get(i);
      ks[i] = i;
    }
    long[] sums = new long[out.length];
    GradientAttribution.addFixed(out, 0, out.length, GradientAttribution.fixedUnit(GradientAttribution.FIXED_BITS), sums, 0, ks);
    for (int i = 0; i < out.length; i++) {
      assertEquals(Math.round((double) out[i]), sums[i], "x = " + out[i]);
    }
  }

  @Test
  void addingWithoutABranchGivesTheSumsOfThePositiveScores() {
    Random r = new Random(7);
    int nc = 4_096;
    int keys = 37;
    for (int exp : new int[] {-140, -20, 0, 1, 8, 30, 36, 37, 90, 400}) {
      double unit = GradientAttribution.fixedUnit(exp);
      float[] out = new float[nc + 3];
      int[] ks = new int[nc];
      for (int c = 0; c < nc; c++) {
        ks[c] = r.nextInt(keys);
        out[3 + c] = switch (c % 9) {
          case 0 -> -(float) Math.scalb(r.nextDouble(), exp); // negative
          case 1 -> c % 2 == 0 ? 0f : -0f;
          case 2 -> Float.NaN;
          case 3 -> (float) Math.scalb(r.nextDouble(), exp - 37 - r.nextInt(4)); // x around 0.5 and below
          case 4 -> Float.MIN_VALUE;
          case 5 -> c % 2 == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
          case 6 -> (float) Math.scalb(r.nextDouble(), exp + 17 + r.nextInt(24)); // beyond the bound: x from 2^52 to 2^76
          default -> (float) Math.scalb(r.nextDouble() * 2 - 1, exp);
        };
      }
      long[] expected = new long[2 * keys];
      long[] actual = new long[2 * keys];
      for (int c = 0; c < nc; c++) {
        double s = out[3 + c];
        if (s > 0) {
          expected[keys + ks[c]] += Math.round(s * unit);
        }
      }
      GradientAttribution.addFixed(out, 3, nc, unit, actual, keys, ks);
      assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(actual), "exp " + exp);
      assertEquals(true, java.util.Arrays.stream(expected).filter(v -> v != 0).count() > keys / 2, "exp " + exp);
    }
  }
}
