package dev.poa.udfs.influence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CholeskyTest {
  /** A random symmetric positive-definite n × n matrix, row-major: BᵀB for a random B. */
  static double[] spd(Random r, int n) {
    double[] b = new double[n * n];
    for (int i = 0; i < b.length; i++) {
      b[i] = r.nextGaussian();
    }
    double[] a = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < n; p++) {
          s += b[p * n + i] * b[p * n + j];
        }
        a[i * n + j] = s;
      }
    }
    return a;
  }

  /** L⁻¹ solved column by column in place, row-major, the textbook order of operations. */
  static double[] inverseFactorByColumns(double[] l, int n) {
    double[] w = new double[n * n];
    for (int col = 0; col < n; col++) {
      for (int i = col; i < n; i++) {
        double s = i == col ? 1.0 : 0.0;
        for (int p = col; p < i; p++) {
          s -= l[i * n + p] * w[p * n + col];
        }
        w[i * n + col] = s / l[i * n + i];
      }
    }
    return w;
  }

  /** L of A + λI, row by row below each pivot, the textbook order of operations. */
  static double[] factorRowByRow(double[] a, int n, double damping) {
    double[] l = new double[n * n];
    for (int j = 0; j < n; j++) {
      double d = a[j * n + j] + damping;
      for (int p = 0; p < j; p++) {
        d -= l[j * n + p] * l[j * n + p];
      }
      l[j * n + j] = Math.sqrt(d);
      for (int i = j + 1; i < n; i++) {
        double s = a[i * n + j];
        for (int p = 0; p < j; p++) {
          s -= l[i * n + p] * l[j * n + p];
        }
        l[i * n + j] = s / l[j * n + j];
      }
    }
    return l;
  }

  static final int[] SIZES = {1, 2, 3, 4, 5, 7, 8, 9, 64, 101, 130};

  @Test
  void factorHasTheBitsOfTheRowByRowFactor() throws Exception {
    Random r = new Random(3);
    java.lang.reflect.Field f = Cholesky.class.getDeclaredField("l");
    f.setAccessible(true);
    for (int n : SIZES) {
      double[] a = spd(r, n);
      double[] expected = factorRowByRow(a, n, 0.125);
      double[] l = (double[]) f.get(Cholesky.factor(a, n, 0.125));
      for (int i = 0; i < n * n; i++) {
        assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(l[i]), "n = " + n + ", entry " + i);
      }
    }
  }

  @Test
  void inverseHasTheBitsOfTheColumnByColumnSolveAndInvertsTheMatrix() throws Exception {
    Random r = new Random(5);
    for (int n : SIZES) {
      double[] a = spd(r, n);
      double damping = 0.25;
      Cholesky c = Cholesky.factor(a, n, damping);
      java.lang.reflect.Field f = Cholesky.class.getDeclaredField("l");
      f.setAccessible(true);
      double[] w = inverseFactorByColumns((double[]) f.get(c), n);
      double[] expected = new double[n * n];
      dev.ludovic.netlib.blas.BLAS.getInstance().dgemm("N", "T", n, n, n, 1.0, w, n, w, n, 0.0, expected, n);
      double[] inv = c.inverse();
      for (int i = 0; i < n * n; i++) {
        assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(inv[i]), "n = " + n + ", entry " + i);
      }
      // (A + λI)·inv = I
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int p = 0; p < n; p++) {
            s += (a[i * n + p] + (i == p ? damping : 0)) * inv[p * n + j];
          }
          assertEquals(i == j ? 1.0 : 0.0, s, 1e-8, "n = " + n);
        }
      }
    }
  }
}
