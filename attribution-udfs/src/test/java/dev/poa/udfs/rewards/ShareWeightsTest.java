package dev.poa.udfs.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

class ShareWeightsTest {
  /**
   * What Spark computes for {@code CAST(round(x) AS BIGINT)} on a double (its generated code for
   * round: BigDecimal.valueOf, HALF_UP, back to a double; then the cast), kept when positive.
   */
  static long sparkRound(double share, int bits) {
    double x = share * Math.scalb(1.0, bits);
    double rounded = BigDecimal.valueOf(x).setScale(0, RoundingMode.HALF_UP).doubleValue();
    return Math.max((long) rounded, 0L);
  }

  @Property(tries = 20000)
  void agreesWithSparksRoundingOnShares(@ForAll @DoubleRange(min = 0, max = 1) double share) {
    assertEquals(sparkRound(share, 40), ShareWeights.weight(share, 40));
  }

  @Property(tries = 5000)
  void agreesOnNegativeShares(@ForAll @DoubleRange(min = -1, max = 0) double share) {
    assertEquals(sparkRound(share, 40), ShareWeights.weight(share, 40));
  }

  @Test
  void agreesAtEveryHalfAndTheDoublesBesideIt() {
    List<Double> xs = new ArrayList<>();
    Random random = new Random(11);
    for (int i = 0; i < 2000; i++) {
      long n = i < 1000 ? i : random.nextLong(1L << 52);
      double half = n + 0.5;
      xs.add(half);
      xs.add(Math.nextDown(half));
      xs.add(Math.nextUp(half));
      xs.add(Math.nextDown((double) n));
      xs.add(Math.nextUp((double) n));
    }
    xs.add(0.49999999999999994); // where floor(x + 0.5) gives 1
    xs.add(Math.scalb(1.0, 52) + 1); // where x + 0.5 rounds to even
    xs.add(Math.scalb(1.0, 62));
    xs.add(Double.MIN_VALUE);
    for (double x : xs) {
      double share = Math.scalb(x, -40); // exact: a power-of-two scaling
      assertEquals(sparkRound(share, 40), ShareWeights.weight(share, 40), "x = " + x);
    }
  }

  @Test
  void aProductBeyondALongOrNotFiniteIsAnError() {
    assertThrows(ArithmeticException.class, () -> ShareWeights.weight(Math.scalb(1.0, 23), 40));
    assertThrows(ArithmeticException.class, () -> ShareWeights.weight(Double.NaN, 40));
    assertThrows(ArithmeticException.class, () -> ShareWeights.weight(Double.POSITIVE_INFINITY, 40));
    assertEquals(Long.MAX_VALUE - 1023, ShareWeights.weight(Math.nextDown(Math.scalb(1.0, 23)), 40));
  }
}
