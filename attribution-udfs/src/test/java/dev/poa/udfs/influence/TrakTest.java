package dev.poa.udfs.influence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrakTest {
  static float[] randomVector(Random r, int k) {
    float[] v = new float[k];
    for (int i = 0; i < k; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /**
   * The Gram matrix as it was computed before its upper-triangle products: the whole k×k product
   * per block of 128 sketches, the two triangles averaged. The triangle-only products must give the
   * same bits (scores, and so payouts, depend on them), for any k, including k not a multiple of the
   * column block, and across merged partial sums.
   */
  @Test
  void upperTriangleProductsGiveTheBitsOfTheWholeProduct() {
    for (int k : new int[] {5, 64, 200, 1024, 1030}) {
      Random r = new Random(k);
      Trak.Gram a = new Trak.Gram(k);
      Trak.Gram b = new Trak.Gram(k);
      double[] sa = new double[k * k];
      double[] sb = new double[k * k];
      double[] bufA = new double[128 * k];
      double[] bufB = new double[128 * k];
      int[] na = new int[1];
      int[] nb = new int[1];
      int rows = k >= 1024 ? 700 : 1000;
      for (int n = 0; n < rows; n++) {
        float[] v = randomVector(r, k);
        boolean toB = n % 5 == 0;
        (toB ? b : a).add(v);
        double[] buf = toB ? bufB : bufA;
        int[] count = toB ? nb : na;
        for (int i = 0; i < k; i++) {
          buf[count[0] * k + i] = v[i];
        }
        if (++count[0] == 128) {
          wholeProduct(k, buf, count, toB ? sb : sa);
        }
      }
      wholeProduct(k, bufA, na, sa);
      wholeProduct(k, bufB, nb, sb);
      for (int i = 0; i < sa.length; i++) {
        sa[i] += sb[i];
      }
      double[] expected = new double[k * k];
      for (int col = 0; col < k; col++) {
        for (int row = 0; row <= col; row++) {
          double v = 0.5 * (sa[col * k + row] + sa[row * k + col]);
          expected[col * k + row] = v;
          expected[row * k + col] = v;
        }
      }
      if (k >= 1024) {
        assertTrue(Trak.upperTriangleOnly(dev.ludovic.netlib.blas.BLAS.getInstance(), k, 128), "the triangle is used");
      }
      double[] got = a.merge(b).matrix();
      for (int i = 0; i < expected.length; i++) {
        assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(got[i]),
            "k = " + k + ", entry " + i + ": " + expected[i] + " vs " + got[i]);
      }
    }
  }

  static void wholeProduct(int k, double[] buf, int[] count, double[] sum) {
    if (count[0] > 0) {
      dev.ludovic.netlib.blas.BLAS.getInstance().dgemm("N", "T", k, k, count[0], 1.0, buf, k, buf, k, 1.0, sum, k);
      count[0] = 0;
    }
  }

  /** Through Java serialization, as a task's result reaches the driver. */
  static Trak.Gram sent(Trak.Gram g) throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(g);
    }
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      return (Trak.Gram) in.readObject();
    }
  }

  @Test
  void aGramSentAsItsUpperTriangleMergesToTheSameBits() throws Exception {
    Random r = new Random(4);
    for (int k : new int[] {1, 5, 300}) {
      // partitions with rows still buffered (not a multiple of 128) and one with none
      int[] rows = {300, 77, 0, 129};
      List<Trak.Gram> kept = new ArrayList<>();
      List<Trak.Gram> viaBytes = new ArrayList<>();
      for (int n : rows) {
        Trak.Gram a = new Trak.Gram(k);
        Trak.Gram b = new Trak.Gram(k);
        for (int i = 0; i < n; i++) {
          float[] v = randomVector(r, k);
          a.add(v);
          b.add(v);
        }
        kept.add(a);
        viaBytes.add(sent(b));
        assertEquals(n, viaBytes.get(viaBytes.size() - 1).count());
        assertEquals(a.maxNorm(), viaBytes.get(viaBytes.size() - 1).maxNorm());
      }
      Trak.Gram x = new Trak.Gram(k);
      Trak.Gram y = new Trak.Gram(k);
      kept.forEach(x::merge);
      viaBytes.forEach(y::merge);
      double[] mx = x.matrix();
      double[] my = y.matrix();
      for (int i = 0; i < k * k; i++) {
        assertEquals(Double.doubleToRawLongBits(mx[i]), Double.doubleToRawLongBits(my[i]), "k = " + k + ", entry " + i);
      }
      assertEquals(x.count(), y.count());
    }
  }

  @Test
  void gramMatchesNaiveSumOfOuterProductsAcrossBlocksAndMerges() {
    Random r = new Random(1);
    int k = 7;
    Trak.Gram a = new Trak.Gram(k);
    Trak.Gram b = new Trak.Gram(k);
    double[] naive = new double[k * k];
    for (int n = 0; n < 300; n++) { // more than one block of 128
      float[] v = randomVector(r, k);
      (n % 3 == 0 ? b : a).add(v);
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          naive[i * k + j] += (double) v[i] * v[j];
        }
      }
    }
    double[] m = a.merge(b).matrix();
    assertEquals(300, a.count());
    for (int i = 0; i < k * k; i++) {
      assertEquals(naive[i], m[i], 1e-9 * Math.max(1, Math.abs(naive[i])));
    }
    assertThrows(IllegalArgumentException.class, () -> new Trak.Gram(3).add(new float[4]));
  }

  @Test
  void whitenedScoresEqualTheInverseOfTheDampedGram() {
    Random r = new Random(2);
    int k = 5;
    Trak.Gram g = new Trak.Gram(k);
    float[][] train = new float[40][];
    for (int i = 0; i < train.length; i++) {
      train[i] = randomVector(r, k);
      g.add(train[i]);
    }
    double[] gram = g.matrix();
    Trak.Preconditioner p = Trak.Preconditioner.of(gram, k, 0.5, false);
    float[] q = randomVector(r, k);
    float[] psi = p.whiten(q);
    // (G + λI) ψ must give back q
    for (int i = 0; i < k; i++) {
      double s = 0.5 * psi[i];
      for (int j = 0; j < k; j++) {
        s += gram[i * k + j] * psi[j];
      }
      assertEquals(q[i], s, 1e-4);
    }
    // the batched form gives the same ψ
    float[] twice = p.whitenAll(concat(q, q), 2);
    for (int i = 0; i < k; i++) {
      assertEquals(psi[i], twice[i], 1e-5 * Math.max(1, Math.abs(psi[i])));
      assertEquals(psi[i], twice[k + i], 1e-5 * Math.max(1, Math.abs(psi[i])));
    }
    float[] flat = new float[train.length * k];
    for (int i = 0; i < train.length; i++) {
      System.arraycopy(train[i], 0, flat, i * k, k);
    }
    float[] out = new float[train.length];
    Trak.scoreBlock(psi, 1, flat, train.length, k, out);
    for (int i = 0; i < train.length; i++) {
      double dot = 0;
      for (int j = 0; j < k; j++) {
        dot += psi[j] * train[i][j];
      }
      assertEquals(dot, out[i], 1e-4);
    }
    // relative damping: λ = factor × trace / k
    double trace = 0;
    for (int i = 0; i < k; i++) {
      trace += gram[i * k + i];
    }
    assertEquals(0.1 * trace / k, Trak.Preconditioner.of(gram, k, 0.1, true).lambda(), 1e-12);
  }

  static float[] concat(float[] a, float[] b) {
    float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void choleskyRefusesAMatrixThatIsNotPositiveDefinite() {
    double[] singular = {1, 1, 1, 1};
    assertThrows(IllegalArgumentException.class, () -> Cholesky.factor(singular, 2, 0));
    double[] x = Cholesky.factor(singular, 2, 1).solve(new double[] {3, 3});
    assertArrayEquals(new double[] {1, 1}, x, 1e-12);
  }

  @Test
  void projectionIsRademacherAndPreservesInnerProductsOnAverage() {
    SketchSpec spec = SketchSpec.parse("rp1:k=512:seed=42");
    assertEquals("rp1:k=512:seed=42", spec.id());
    RademacherProjection p = new RademacherProjection(spec, 64);
    double[] e3 = new double[64];
    e3[3] = 1;
    float[] col = p.project(e3);
    float scale = (float) (1 / Math.sqrt(512));
    for (int r = 0; r < 512; r++) {
      assertEquals(p.entry(r, 3), col[r], 1e-7);
      assertEquals(scale, Math.abs(col[r]), 1e-7);
    }
    // E[PᵀP] = I: distinct columns are nearly orthogonal, with the spread of independent signs
    double sumsq = 0;
    int pairs = 0;
    for (int a = 0; a < 64; a++) {
      for (int b = a + 1; b < 64; b++) {
        double dot = 0;
        for (int r = 0; r < 512; r++) {
          dot += p.entry(r, a) * p.entry(r, b);
        }
        sumsq += dot * dot;
        pairs++;
      }
    }
    double rms = Math.sqrt(sumsq / pairs);
    assertTrue(rms > 0.8 / Math.sqrt(512) && rms < 1.2 / Math.sqrt(512), "rms of column inner products " + rms);
    assertThrows(IllegalArgumentException.class, () -> SketchSpec.parse("gaussian:k=4"));
    assertThrows(IllegalArgumentException.class, () -> SketchSpec.parse("rp1:k=0:seed=1"));
  }

  @Test
  void gradientMethodTracksLeaveOneOutAndSubsetRetraining() {
    GradientEval.Config d = GradientEval.Config.defaults();
    GradientEval.Result r = GradientEval.run(new GradientEval.Config(400, 60, 32, new SketchSpec(128, 42), d.l2(),
        d.damping(), d.relativeDamping(), 40, 12, 5));
    assertTrue(r.looPearson() > 0.85, "LOO Pearson " + r.looPearson());
    assertTrue(r.lds() > 0.6, "LDS " + r.lds());
  }

  @Test
  void spearmanHandlesTies() {
    assertEquals(1.0, GradientEval.spearman(new double[] {1, 2, 2, 3}, new double[] {10, 20, 20, 30}), 1e-12);
    assertEquals(-1.0, GradientEval.spearman(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-12);
  }
}
