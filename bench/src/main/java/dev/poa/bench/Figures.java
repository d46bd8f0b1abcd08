package dev.poa.bench;

import java.util.Locale;

/**
 * The machine-readable end of a bench run: one JSON object per figure, one per line, after the table, so a script
 * can compare runs. {@code ratio} is the value relative to its floor measured in the same run, oriented as the
 * table's (higher is better), {@code target} the ratio the figure must reach (null where none is set).
 */
final class Figures {
  private Figures() {}

  static void print(String bench, String figure, String size, double value, String unit, Double floor, Double ratio,
      Double target) {
    System.out.println(String.format(Locale.ROOT,
        "{\"bench\": \"%s\", \"figure\": \"%s\", \"size\": \"%s\", \"value\": %s, \"unit\": \"%s\", \"floor\": %s,"
            + " \"ratio\": %s, \"target\": %s}",
        bench, figure, size, number(value), unit, number(floor), number(ratio), number(target)));
  }

  private static String number(Double d) {
    return d == null || d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.4g", d);
  }
}
