package dev.poa.udfs.rewards;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Splits an integer amount by non-negative integer weights, exactly: each part gets
 * floor(amount × weight / Σweights); the units left over (fewer than the number of parts) go one
 * each to the parts with the largest remainders, ties broken by the smaller key. The parts sum to
 * the amount to the unit, never go negative, and depend only on (amount, weights, keys) — not on
 * the order the parts are given in.
 */
public final class LargestRemainder {
  private LargestRemainder() {}

  /** A part to pay: its key (e.g. the recipient address) and weight. */
  public record Part(String key, BigInteger weight) {
    public Part {
      if (weight.signum() < 0) {
        throw new IllegalArgumentException("negative weight for " + key);
      }
    }
  }

  /**
   * @return the amounts, in the order of {@code parts}
   * @throws IllegalArgumentException when the amount is negative, or positive with all weights 0
   */
  public static BigInteger[] split(BigInteger amount, List<Part> parts) {
    if (amount.signum() < 0) {
      throw new IllegalArgumentException("negative amount " + amount);
    }
    int n = parts.size();
    BigInteger total = BigInteger.ZERO;
    for (Part p : parts) {
      total = total.add(p.weight());
    }
    BigInteger[] out = new BigInteger[n];
    if (total.signum() == 0) {
      if (amount.signum() != 0) {
        throw new IllegalArgumentException("cannot split " + amount + " by weights that are all zero");
      }
      Arrays.fill(out, BigInteger.ZERO);
      return out;
    }
    if (amount.bitLength() <= 64 && total.bitLength() < 64) {
      return split64(amount.longValue(), total.longValue(), parts);
    }
    return splitBig(amount, total, parts);
  }

  /** {@link #split} of a positive total weight, in {@code BigInteger} arithmetic throughout. */
  static BigInteger[] splitBig(BigInteger amount, BigInteger total, List<Part> parts) {
    int n = parts.size();
    BigInteger[] out = new BigInteger[n];
    BigInteger[] remainder = new BigInteger[n];
    BigInteger given = BigInteger.ZERO;
    for (int i = 0; i < n; i++) {
      BigInteger[] qr = amount.multiply(parts.get(i).weight()).divideAndRemainder(total);
      out[i] = qr[0];
      remainder[i] = qr[1];
      given = given.add(qr[0]);
    }
    int left = amount.subtract(given).intValueExact(); // < n
    if (left > 0) {
      List<Integer> order = largestRemainderFirst(parts, Comparator.comparing(i -> remainder[i]));
      for (int j = 0; j < left; j++) {
        int i = order.get(j);
        out[i] = out[i].add(BigInteger.ONE);
      }
    }
    return out;
  }

  /**
   * The parts' indexes in the order the units left over go: largest remainder first, ties to the
   * smaller key (one rule for both paths of {@link #split}).
   */
  private static List<Integer> largestRemainderFirst(List<Part> parts, Comparator<Integer> byRemainder) {
    List<Integer> order = new ArrayList<>(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      order.add(i);
    }
    order.sort(byRemainder.reversed().thenComparing(i -> parts.get(i).key()));
    return order;
  }

  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  /**
   * {@link #split} when the amount fits 64 bits unsigned and the total weight 63: each
   * amount × weight is a 128-bit product divided by the total in 64-bit words, the same
   * quotients and remainders as with {@code BigInteger}, without allocating one per part (the
   * split of a million fees is mostly this).
   */
  static BigInteger[] split64(long amount, long total, List<Part> parts) {
    int n = parts.size();
    long[] quotient = new long[n];
    long[] remainder = new long[n];
    long given = 0;
    for (int i = 0; i < n; i++) {
      long w = parts.get(i).weight().longValue();
      // amount is unsigned: the signed high word misses w when its top bit is set
      long hi = Math.multiplyHigh(amount, w) + ((amount >> 63) & w);
      long lo = amount * w;
      quotient[i] = divideUnsigned128(hi, lo, total);
      remainder[i] = lo - quotient[i] * total; // < total: exact in the low word
      given += quotient[i];
    }
    long left = amount - given; // < n
    if (left > 0) {
      List<Integer> order = largestRemainderFirst(parts, Comparator.comparingLong(i -> remainder[i]));
      for (int j = 0; j < left; j++) {
        quotient[order.get(j)]++;
      }
    }
    BigInteger[] out = new BigInteger[n];
    for (int i = 0; i < n; i++) {
      out[i] = quotient[i] >= 0 ? BigInteger.valueOf(quotient[i]) : BigInteger.valueOf(quotient[i]).add(TWO_64);
    }
    return out;
  }

  /**
   * (hi·2^64 + lo) / divisor, all unsigned, for hi < divisor (the quotient fits 64 bits): the
   * division of two 64-bit words by one in 32-bit digits (Knuth's algorithm D, as "divlu" in
   * Hacker's Delight, 2nd ed., 9–4).
   */
  static long divideUnsigned128(long hi, long lo, long divisor) {
    if (Long.compareUnsigned(hi, divisor) >= 0) {
      throw new ArithmeticException("the quotient does not fit 64 bits");
    }
    final long base = 1L << 32;
    int shift = Long.numberOfLeadingZeros(divisor);
    long v = divisor << shift;
    long vn1 = v >>> 32;
    long vn0 = v & 0xFFFFFFFFL;
    long un32 = shift == 0 ? hi : (hi << shift) | (lo >>> (64 - shift));
    long un10 = lo << shift;
    long un1 = un10 >>> 32;
    long un0 = un10 & 0xFFFFFFFFL;
    long q1 = Long.divideUnsigned(un32, vn1);
    long rhat = un32 - q1 * vn1;
    while (Long.compareUnsigned(q1, base) >= 0 || Long.compareUnsigned(q1 * vn0, base * rhat + un1) > 0) {
      q1--;
      rhat += vn1;
      if (Long.compareUnsigned(rhat, base) >= 0) {
        break;
      }
    }
    long un21 = un32 * base + un1 - q1 * v;
    long q0 = Long.divideUnsigned(un21, vn1);
    rhat = un21 - q0 * vn1;
    while (Long.compareUnsigned(q0, base) >= 0 || Long.compareUnsigned(q0 * vn0, base * rhat + un0) > 0) {
      q0--;
      rhat += vn1;
      if (Long.compareUnsigned(rhat, base) >= 0) {
        break;
      }
    }
    return q1 * base + q0;
  }
}
