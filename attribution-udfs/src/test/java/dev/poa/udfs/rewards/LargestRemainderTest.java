package dev.poa.udfs.rewards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class LargestRemainderTest {
  static LargestRemainder.Part p(String k, long w) {
    return new LargestRemainder.Part(k, BigInteger.valueOf(w));
  }

  @Test
  void leftoverUnitsGoToTheLargestRemaindersThenTheSmallerKey() {
    // 10 by 1:1:1 → 3.33 each; one unit left, equal remainders: the smallest key gets it
    assertArrayEquals(new BigInteger[] {BigInteger.valueOf(3), BigInteger.valueOf(4), BigInteger.valueOf(3)},
        LargestRemainder.split(BigInteger.TEN, List.of(p("b", 1), p("a", 1), p("c", 1))));
    // 100 by 1:2 → 33.3 / 66.6: the larger remainder (0.6) gets the unit
    assertArrayEquals(new BigInteger[] {BigInteger.valueOf(33), BigInteger.valueOf(67)},
        LargestRemainder.split(BigInteger.valueOf(100), List.of(p("a", 1), p("b", 2))));
    assertArrayEquals(new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO},
        LargestRemainder.split(BigInteger.ZERO, List.of(p("a", 0), p("b", 0))));
    assertThrows(IllegalArgumentException.class, () -> LargestRemainder.split(BigInteger.ONE, List.of(p("a", 0))));
    assertThrows(IllegalArgumentException.class, () -> p("a", -1));
  }

  @Property(tries = 300)
  void partsSumToTheAmountAreNonNegativeAndIgnoreOrder(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long amount,
      @ForAll @IntRange(min = 1, max = 30) int n, @ForAll long seed) {
    java.util.Random r = new java.util.Random(seed);
    List<LargestRemainder.Part> parts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      parts.add(p("k" + i, r.nextInt(4) == 0 ? 0 : 1 + (r.nextLong() & 0xFFFFFFFFFFL)));
    }
    if (parts.stream().allMatch(x -> x.weight().signum() == 0)) {
      parts.set(0, p("k0", 1));
    }
    BigInteger big = BigInteger.valueOf(amount).multiply(BigInteger.valueOf(1_000_003)); // beyond 64 bits
    BigInteger[] out = LargestRemainder.split(big, parts);
    BigInteger sum = BigInteger.ZERO;
    Map<String, BigInteger> byKey = new HashMap<>();
    for (int i = 0; i < n; i++) {
      assertTrue(out[i].signum() >= 0);
      if (parts.get(i).weight().signum() == 0) {
        assertEquals(BigInteger.ZERO, out[i]);
      }
      sum = sum.add(out[i]);
      byKey.put(parts.get(i).key(), out[i]);
    }
    assertEquals(big, sum);
    List<LargestRemainder.Part> shuffled = new ArrayList<>(parts);
    Collections.shuffle(shuffled, r);
    BigInteger[] again = LargestRemainder.split(big, shuffled);
    for (int i = 0; i < n; i++) {
      assertEquals(byKey.get(shuffled.get(i).key()), again[i]);
    }
  }

  /** Amounts and weights at and around the word boundaries, and random ones of every size. */
  static long[] boundaryOrRandom(java.util.Random r, long max) {
    long[] edges = {0, 1, 2, 3, (1L << 31) - 1, 1L << 32, (1L << 32) + 1, (1L << 62) + 7, Long.MAX_VALUE - 1, Long.MAX_VALUE,
        Long.MIN_VALUE, -2, -1};
    long[] out = new long[8];
    for (int i = 0; i < out.length; i++) {
      long v = r.nextInt(3) == 0 ? edges[r.nextInt(edges.length)] : r.nextLong() >>> r.nextInt(64);
      out[i] = max == -1 ? v : Long.remainderUnsigned(v, max + 1);
    }
    return out;
  }

  @Test
  void theWordPathGivesWhatBigIntegersGive() {
    java.util.Random r = new java.util.Random(11);
    BigInteger two64 = BigInteger.ONE.shiftLeft(64);
    for (int round = 0; round < 200_000; round++) {
      int n = 1 + r.nextInt(r.nextBoolean() ? 4 : 40);
      long[] amounts = boundaryOrRandom(r, -1); // any unsigned 64-bit amount
      long amount = amounts[0];
      // weights whose total fits 63 bits: each below (2^63 - 1) / n
      List<LargestRemainder.Part> parts = new ArrayList<>();
      BigInteger total = BigInteger.ZERO;
      for (int i = 0; i < n; i++) {
        long w = Long.remainderUnsigned(boundaryOrRandom(r, -1)[0], Long.MAX_VALUE / n + 1);
        if (r.nextInt(5) == 0) {
          w = r.nextInt(3);
        }
        parts.add(p("k" + r.nextInt(n), w)); // keys may repeat: ties then go by position
        total = total.add(BigInteger.valueOf(w));
      }
      if (total.signum() == 0) {
        continue;
      }
      BigInteger a = amount >= 0 ? BigInteger.valueOf(amount) : BigInteger.valueOf(amount).add(two64);
      assertArrayEquals(LargestRemainder.splitBig(a, total, parts), LargestRemainder.split64(amount, total.longValueExact(),
          parts), () -> a + " by " + parts);
      assertArrayEquals(LargestRemainder.splitBig(a, total, parts), LargestRemainder.split(a, parts));
    }
  }

  @Test
  void dividesA128BitWordPairByAWord() {
    java.util.Random r = new java.util.Random(12);
    BigInteger mask = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    for (int round = 0; round < 500_000; round++) {
      long[] x = boundaryOrRandom(r, -1);
      long divisor = x[0] == 0 ? 1 : x[0];
      long hi = Long.remainderUnsigned(x[1], divisor); // the quotient fits one word
      long lo = x[2];
      BigInteger d = BigInteger.valueOf(divisor).and(mask);
      BigInteger u = BigInteger.valueOf(hi).and(mask).shiftLeft(64).or(BigInteger.valueOf(lo).and(mask));
      assertEquals(u.divide(d).longValue(), LargestRemainder.divideUnsigned128(hi, lo, divisor),
          () -> u + " / " + d);
    }
    assertThrows(ArithmeticException.class, () -> LargestRemainder.divideUnsigned128(5, 0, 5));
  }
}
