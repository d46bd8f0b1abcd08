package dev.poa.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {
  @Test
  void everyHalfAndBfloat16RoundTripsThroughFloat() {
    for (int h = 0; h < 65536; h++) {
      float f = HalfFloats.fromHalf((short) h);
      if (!Float.isNaN(f)) {
        assertEquals((short) h, HalfFloats.toHalf(f), Integer.toHexString(h));
      }
      float b = HalfFloats.fromBfloat16((short) h);
      if (!Float.isNaN(b)) {
        assertEquals((short) h, HalfFloats.toBfloat16(b), Integer.toHexString(h));
      }
    }
    assertEquals(65504f, HalfFloats.fromHalf(HalfFloats.toHalf(65504f)));
    assertTrue(Float.isInfinite(HalfFloats.fromHalf(HalfFloats.toHalf(65520f)))); // rounds up past the largest half
    assertTrue(Float.isNaN(HalfFloats.fromHalf(HalfFloats.toHalf(Float.NaN))));
    assertTrue(Float.isNaN(HalfFloats.fromBfloat16(HalfFloats.toBfloat16(Float.NaN))));
  }

  /** The half chosen is the nearest one; on a tie, the one with an even last bit. */
  @Property(tries = 5000)
  void roundsToNearestEven(@ForAll float f) {
    if (Float.isNaN(f) || Math.abs(f) >= 65520f) {
      return;
    }
    short h = HalfFloats.toHalf(f);
    check(f, h, HalfFloats.fromHalf(h), HalfFloats.fromHalf((short) (h + 1)), HalfFloats.fromHalf((short) (h - 1)));
    short b = HalfFloats.toBfloat16(f);
    if (Float.isFinite(HalfFloats.fromBfloat16(b))) {
      check(f, b, HalfFloats.fromBfloat16(b), HalfFloats.fromBfloat16((short) (b + 1)), HalfFloats.fromBfloat16((short) (b - 1)));
    }
  }

  static void check(float f, short bits, float chosen, float up, float down) {
    double d = Math.abs((double) chosen - f);
    for (float n : new float[] {up, down}) {
      if (Float.isNaN(n) || Math.signum(n) != Math.signum(chosen) && chosen != 0) {
        continue;
      }
      double dn = Math.abs((double) n - f);
      assertTrue(d < dn || (d == dn && (bits & 1) == 0), f + " → " + chosen + ", but " + n + " is nearer");
    }
  }
}
