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
      // Each entry below the pivot is its own chain of subtractions, which waits for the one before
      // it; four rows' chains advance together, so the processor overlaps them. Each chain keeps its
      // own order, so the same bits as one row after the other.
      int i = j + 1;
      for (; i + 3 < n; i += 4) {
        int r0 = i * n;
        int r1 = r0 + n;
        int r2 = r1 + n;
        int r3 = r2 + n;
        double s0 = a[r0 + j];
        double s1 = a[r1 + j];
        double s2 = a[r2 + j];
        double s3 = a[r3 + j];
        for (int p = 0; p < j; p++) {
          double lj = l[rj + p];
          s0 -= l[r0 + p] * lj;
          s1 -= l[r1 + p] * lj;
          s2 -= l[r2 + p] * lj;
          s3 -= l[r3 + p] * lj;
        }
        l[r0 + j] = s0 / ljj;
        l[r1 + j] = s1 / ljj;
        l[r2 + j] = s2 / ljj;
        l[r3 + j] = s3 / ljj;
      }
      for (; i < n; i++) {
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
    // Within a column each entry needs the ones above it, but columns are independent: four
    // columns are solved together, row by row, so that their four chains of subtractions overlap
    // (as in factor); each chain keeps its order.
    double[] wt = new double[n * n];
    int col = 0;
    for (; col + 3 < n; col += 4) {
      int c0 = col * n;
      int c1 = c0 + n;
      int c2 = c1 + n;
      int c3 = c2 + n;
      for (int i = col; i < col + 4; i++) {
        // the group's first rows: the columns whose diagonal is at or above row i
        int ri = i * n;
        for (int c = col; c <= i; c++) {
          int rc = c * n;
          double s = i == c ? 1.0 : 0.0;
          for (int p = c; p < i; p++) {
            s -= l[ri + p] * wt[rc + p];
          }
          wt[rc + i] = s / l[ri + i];
        }
      }
      int joint = col + 3; // from here on, all four chains take the same p
      for (int i = col + 4; i < n; i++) {
        int ri = i * n;
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        s0 -= l[ri + col] * wt[c0 + col];
        s0 -= l[ri + col + 1] * wt[c0 + col + 1];
        s1 -= l[ri + col + 1] * wt[c1 + col + 1];
        s0 -= l[ri + col + 2] * wt[c0 + col + 2];
        s1 -= l[ri + col + 2] * wt[c1 + col + 2];
        s2 -= l[ri + col + 2] * wt[c2 + col + 2];
        for (int p = joint; p < i; p++) {
          double lp = l[ri + p];
          s0 -= lp * wt[c0 + p];
          s1 -= lp * wt[c1 + p];
          s2 -= lp * wt[c2 + p];
          s3 -= lp * wt[c3 + p];
        }
        double lii = l[ri + i];
        wt[c0 + i] = s0 / lii;
        wt[c1 + i] = s1 / lii;
        wt[c2 + i] = s2 / lii;
        wt[c3 + i] = s3 / lii;
      }
    }
    for (; col < n; col++) {
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
    for (int c = 0; c < n; c++) {
      for (int i = c; i < n; i++) {
        w[i * n + c] = wt[c * n + i];
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
