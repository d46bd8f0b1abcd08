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
}
