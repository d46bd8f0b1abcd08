package dev.poa.bench;

import java.util.Locale;

/**
 * The machine-readable end of a bench run: one JSON object per figure, one per line, after the table, so a script
 * can compare runs ({@code bench/growth}). {@code size} is the count the bench was run at (recipients, documents,
 * pairs, …, named by {@code size_unit}), {@code seconds} the wall time of what the figure measured, {@code value}
 * the figure in its {@code unit}; {@code ratio} is the value relative to its {@code floor} measured in the same run,
 * oriented as the table's: a rate against the floor's rate (higher is better), or a time as a multiple of the floor's
 * time (unit "s": lower is better); {@code target} the ratio the figure must reach (null where none is set).
 */
final class Figures {
  private Figures() {}

  /** The median of several timings of one thing (the mean of the middle two for an even count). */
  static double median(double[] values) {
    double[] v = values.clone();
    java.util.Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static void print(String bench, String figure, long size, String sizeUnit, double seconds, double value, String unit,
      Double floor, Double ratio, Double target) {
    System.out.println(String.format(Locale.ROOT,
        "{\"bench\": \"%s\", \"figure\": \"%s\", \"size\": %d, \"size_unit\": \"%s\", \"seconds\": %s, \"value\": %s,"
            + " \"unit\": \"%s\", \"floor\": %s, \"ratio\": %s, \"target\": %s}",
        bench, figure, size, sizeUnit, number(seconds), number(value), unit, number(floor), number(ratio),
        number(target)));
  }

  private static String number(Double d) {
    return d == null || d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.4g", d);
  }
}
