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
      List<Integer> order = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        order.add(i);
      }
      order.sort(Comparator.<Integer, BigInteger>comparing(i -> remainder[i]).reversed()
          .thenComparing(i -> parts.get(i).key()));
      for (int j = 0; j < left; j++) {
        int i = order.get(j);
        out[i] = out[i].add(BigInteger.ONE);
      }
    }
    return out;
  }
}
