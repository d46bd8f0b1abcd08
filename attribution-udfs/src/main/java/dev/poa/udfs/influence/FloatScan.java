package dev.poa.udfs.influence;

/**
 * Finds the next number that reaches a threshold in a run of floats: the scoring's top-k lists
 * skip, with it, the scores that cannot enter them. With the {@code jdk.incubator.vector} module
 * and a CPU whose vectors hold 8 floats or more, a vector of scores is compared at once
 * ({@link FloatScanVectors}); otherwise one at a time. Either way the same index.
 */
public final class FloatScan {
  private FloatScan() {}

  /**
   * Whether runs are scanned with SIMD vectors: when the JVM has the {@code jdk.incubator.vector}
   * module, its vectors hold 8 floats or more, and the system property {@code poa.scan.vectors} is
   * not {@code false}.
   */
  public static final boolean VECTORS =
      !"false".equals(System.getProperty("poa.scan.vectors"))
          && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
          && FloatScanVectors.worthwhile();

  /**
   * The first index i in [from, to) with {@code a[i] >= threshold}, or {@code to} if there is none;
   * a NaN never reaches a threshold, and −0 reaches 0 (as {@code >=} says).
   */
  public static int firstAtLeast(float[] a, int from, int to, float threshold) {
    return VECTORS ? FloatScanVectors.firstAtLeast(a, from, to, threshold) : scalarFirstAtLeast(a, from, to, threshold);
  }

  /** The definition, one number at a time. */
  static int scalarFirstAtLeast(float[] a, int from, int to, float threshold) {
    for (int i = from; i < to; i++) {
      if (a[i] >= threshold) {
        return i;
      }
    }
    return to;
  }
}
