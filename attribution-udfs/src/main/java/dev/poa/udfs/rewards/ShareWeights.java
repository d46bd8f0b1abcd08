package dev.poa.udfs.rewards;

/**
 * An attribution share as the integer weight the fee split uses: round(share·2^bits), halves
 * rounded up, i.e. what Spark's {@code round(share * 2^bits)} followed by an ANSI cast to
 * {@code bigint} gives, without Spark's path through {@code BigDecimal.valueOf(double)}, which
 * formats every value as a decimal string (a tenth of the split stage's time at 1M recipients).
 *
 * <p>Same results: for a finite product x, Spark rounds the shortest decimal of x half-up; that
 * decimal lies on the same side of every half-integer as x itself (a half-integer below 2^52 is
 * a double, and the shortest decimal of x is nearer x than any other double), so for x ≥ 0 it
 * equals {@link Math#round(double)} (nearest, ties up); for x &lt; 0 the weight is never positive
 * either way, and the split keeps only positive weights. Like the ANSI cast, a product that is not
 * finite or does not fit a {@code long} is an error.
 */
public final class ShareWeights {
  private ShareWeights() {}

  private static final double LONG_LIMIT = 0x1p63;

  /** round(share·2^bits) half up, or 0 when that is not positive. */
  public static long weight(double share, int bits) {
    double x = share * Math.scalb(1.0, bits);
    if (!(Math.abs(x) < LONG_LIMIT)) {
      throw new ArithmeticException("an attribution share of " + share + " does not give a weight that fits a long"
          + " (share × 2^" + bits + " = " + x + ")");
    }
    return x > 0 ? Math.round(x) : 0L;
  }
}
