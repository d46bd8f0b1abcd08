package dev.poa.udfs.influence;

import dev.poa.udfs.XxHash64;

/**
 * The projection of sketch spec {@code rp1}: {@code sketch[r] = Σ_c P[r][c] · g[c]} with
 * {@code P[r][c] = +1/√k} when bit 0 of {@code xxhash64(c · 65536 + r, seed)} is 0 and
 * {@code −1/√k} otherwise ({@code xxhash64} of a long, as Spark's {@code xxhash64}). {@code g} is
 * the flattened per-example gradient, {@code c} its 0-based index, {@code r < k}. E[PᵀP] = I, so
 * inner products of sketches estimate inner products of gradients (Johnson–Lindenstrauss).
 *
 * <p>Any framework can regenerate P from the spec alone: no matrix is shipped.
 */
public final class RademacherProjection {
  private final SketchSpec spec;
  private final int inputDim;
  private final float scale;
  /** Signs cached row-major [c][r] when small enough; null otherwise (computed on the fly). */
  private final boolean[] negative;

  public RademacherProjection(SketchSpec spec, int inputDim) {
    if (spec.k() > 65536) {
      throw new IllegalArgumentException("k must be below 65536");
    }
    this.spec = spec;
    this.inputDim = inputDim;
    this.scale = (float) (1.0 / Math.sqrt(spec.k()));
    long cells = (long) inputDim * spec.k();
    if (cells <= (1L << 26)) {
      negative = new boolean[(int) cells];
      for (int c = 0; c < inputDim; c++) {
        for (int r = 0; r < spec.k(); r++) {
          negative[c * spec.k() + r] = isNegative(r, c, spec.seed());
        }
      }
    } else {
      negative = null;
    }
  }

  public SketchSpec spec() {
    return spec;
  }

  static boolean isNegative(int r, long c, long seed) {
    return (XxHash64.hashLong(c * 65536L + r, seed) & 1L) != 0;
  }

  /** The entry P[r][c]. */
  public float entry(int r, int c) {
    return isNegative(r, c, spec.seed()) ? -scale : scale;
  }

  public float[] project(double[] gradient) {
    if (gradient.length != inputDim) {
      throw new IllegalArgumentException("gradient has " + gradient.length + " entries, expected " + inputDim);
    }
    int k = spec.k();
    double[] acc = new double[k];
    for (int c = 0; c < inputDim; c++) {
      double g = gradient[c];
      if (g == 0) {
        continue;
      }
      for (int r = 0; r < k; r++) {
        boolean neg = negative != null ? negative[c * k + r] : isNegative(r, c, spec.seed());
        acc[r] += neg ? -g : g;
      }
    }
    float[] out = new float[k];
    for (int r = 0; r < k; r++) {
      out[r] = (float) (acc[r] * scale);
    }
    return out;
  }
}
