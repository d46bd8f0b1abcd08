package dev.poa.udfs.influence;

/**
 * Cholesky factor of a symmetric positive-definite matrix, row-major {@code n × n} doubles. Used
 * on the driver for the damped Gram matrix (k ≤ a few thousand) and for Newton steps of the
 * reference model.
 */
public final class Cholesky {
  private final int n;
  /** Lower triangle L, row-major; A = L Lᵀ. */
  private final double[] l;

  private Cholesky(int n, double[] l) {
    this.n = n;
    this.l = l;
  }

  /**
   * Factors {@code a + damping·I} (a is read, not modified).
   *
   * @throws IllegalArgumentException if the matrix is not positive definite (raise the damping)
   */
  public static Cholesky factor(double[] a, int n, double damping) {
    if (a.length != n * n) {
      throw new IllegalArgumentException("matrix is not " + n + "×" + n);
    }
    double[] l = new double[n * n];
    for (int j = 0; j < n; j++) {
      double d = a[j * n + j] + damping;
      int rj = j * n;
      for (int p = 0; p < j; p++) {
        d -= l[rj + p] * l[rj + p];
      }
      if (!(d > 0) || Double.isNaN(d)) {
        throw new IllegalArgumentException(
            "matrix is not positive definite at column " + j + " (pivot " + d + "): increase the damping λ");
      }
      double ljj = Math.sqrt(d);
      l[rj + j] = ljj;
      for (int i = j + 1; i < n; i++) {
        int ri = i * n;
        double s = a[ri + j];
        for (int p = 0; p < j; p++) {
          s -= l[ri + p] * l[rj + p];
        }
        l[ri + j] = s / ljj;
      }
    }
    return new Cholesky(n, l);
  }

  public int size() {
    return n;
  }

  /** The inverse (L Lᵀ)⁻¹, row-major: L⁻¹ by forward substitution, then L⁻ᵀ·L⁻¹ by BLAS. */
  public double[] inverse() {
    // W = L⁻¹ column by column, each column held contiguously while it is solved (row col of wt):
    // the inner products then read two contiguous runs instead of one stride-n column, and every
    // entry is the same sequence of operations as a column-major solve, so the same bits.
    double[] wt = new double[n * n];
    for (int col = 0; col < n; col++) {
      int rc = col * n;
      for (int i = col; i < n; i++) {
        double s = i == col ? 1.0 : 0.0;
        int ri = i * n;
        for (int p = col; p < i; p++) {
          s -= l[ri + p] * wt[rc + p];
        }
        wt[rc + i] = s / l[ri + i];
      }
    }
    double[] w = new double[n * n]; // W = L⁻¹, lower triangular, row-major
    for (int col = 0; col < n; col++) {
      for (int i = col; i < n; i++) {
        w[i * n + col] = wt[col * n + i];
      }
    }
    double[] inv = new double[n * n];
    // row-major W is column-major Wᵀ; Wᵀ·W (column-major) = (L Lᵀ)⁻¹, symmetric
    dev.ludovic.netlib.blas.BLAS.getInstance().dgemm("N", "T", n, n, n, 1.0, w, n, w, n, 0.0, inv, n);
    return inv;
  }

  /** Solves (L Lᵀ) x = b; returns x. */
  public double[] solve(double[] b) {
    if (b.length != n) {
      throw new IllegalArgumentException("vector has " + b.length + " entries, expected " + n);
    }
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double s = b[i];
      int ri = i * n;
      for (int p = 0; p < i; p++) {
        s -= l[ri + p] * y[p];
      }
      y[i] = s / l[ri + i];
    }
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double s = y[i];
      for (int p = i + 1; p < n; p++) {
        s -= l[p * n + i] * x[p];
      }
      x[i] = s / l[i * n + i];
    }
    return x;
  }
}
