package dev.poa.udfs.influence;

import dev.ludovic.netlib.blas.BLAS;

/**
 * TRAK-style influence over gradient sketches: {@code score(q, i) = φ_qᵀ (ΦᵀΦ + λI)⁻¹ φ_i}, where Φ
 * stacks the training sketches of one adapter. The three parts run where their data is: {@link Gram}
 * partial sums on executors (merged on the driver), {@link Preconditioner} (Cholesky of the damped
 * k×k Gram) on the driver, and {@link #scoreBlock} (a dense block product, BLAS sgemm) on executors.
 */
public final class Trak {
  private Trak() {}

  /**
   * Default damping, relative: λ = 1.0 × trace(ΦᵀΦ)/k, the mean eigenvalue of the Gram matrix.
   * Calibrated on the reference model by {@code poa eval attribution} (0.1 loses ~0.03 of LOO
   * correlation there); configurable per run.
   */
  public static final double DEFAULT_DAMPING = 1.0;

  /** Rows buffered before a rank-b update of the Gram matrix. */
  private static final int GRAM_BLOCK = 128;

  /** Columns of the Gram matrix per product of its upper triangle: a multiple of 3 (see below). */
  static final int GRAM_COLUMNS = 192;

  /**
   * Whether the upper triangle's column-block products give every entry the bits of the whole k×k
   * product. With netlib's pure-Java BLAS they do when every product takes its packed path
   * (m·n·k ≥ 100³; a smaller one takes another loop) and the blocks start at multiples of 3: that
   * path tiles rows and columns by 3 from panel starts that are multiples of 3, so each entry is
   * computed by the same tile code over the same inner-dimension blocks. Otherwise (small k, a short
   * last flush, a native BLAS) the whole product is used. TrakTest compares the bits.
   */
  static boolean upperTriangleOnly(BLAS blas, int k, int rows) {
    if (!(blas instanceof dev.ludovic.netlib.blas.JavaBLAS) || (long) k * k * rows < PACKED_MIN) {
      return false;
    }
    for (int c0 = 0; c0 < k; c0 += GRAM_COLUMNS) {
      int c1 = Math.min(k, c0 + GRAM_COLUMNS);
      if ((long) c1 * (c1 - c0) * rows < PACKED_MIN) {
        return false;
      }
    }
    return true;
  }

  /** m·n·k from which netlib's pure-Java dgemm packs its operands (Java8BLAS.dgemmK). */
  private static final long PACKED_MIN = 100L * 100 * 100;

  /** ΦᵀΦ accumulated block by block, in double precision. */
  public static final class Gram implements java.io.Serializable {
    private final int k;
    private final double[] sum; // k×k, column-major; its upper triangle (row ≤ column) is kept
    private final double[] buffer;
    private int buffered;
    private long count;
    private double maxNorm;

    public Gram(int k) {
      this.k = k;
      this.sum = new double[k * k];
      this.buffer = new double[GRAM_BLOCK * k];
    }

    public int k() {
      return k;
    }

    public long count() {
      return count;
    }

    /** The largest Euclidean norm of the sketches added. */
    public double maxNorm() {
      return maxNorm;
    }

    public Gram add(float[] phi) {
      if (phi.length != k) {
        throw new IllegalArgumentException("sketch has " + phi.length + " entries, expected k = " + k);
      }
      int off = buffered * k;
      double norm = 0;
      for (int r = 0; r < k; r++) {
        buffer[off + r] = phi[r];
        norm += (double) phi[r] * phi[r];
      }
      maxNorm = Math.max(maxNorm, Math.sqrt(norm));
      buffered++;
      count++;
      if (buffered == GRAM_BLOCK) {
        flush();
      }
      return this;
    }

    private void flush() {
      if (buffered > 0) {
        // buffer is the column-major k×b matrix A whose columns are sketches: sum += A·Aᵀ.
        // (dgemm, not dsyrk: netlib's pure-Java dsyrk delegates to F2J, which Spark does not ship.)
        BLAS blas = BLAS.getInstance();
        if (upperTriangleOnly(blas, k, buffered)) {
          // The upper triangle (the matrix is symmetric) by column blocks, C[0:c1, c0:c1] +=
          // A[0:c1]·A[c0:c1]ᵀ: 0.6 of the time of the whole product.
          for (int c0 = 0; c0 < k; c0 += GRAM_COLUMNS) {
            int c1 = Math.min(k, c0 + GRAM_COLUMNS);
            blas.dgemm("N", "T", c1, c1 - c0, buffered, 1.0, buffer, 0, k, buffer, c0, k, 1.0, sum, c0 * k, k);
          }
        } else {
          blas.dgemm("N", "T", k, k, buffered, 1.0, buffer, k, buffer, k, 1.0, sum, k);
        }
        buffered = 0;
      }
    }

    /** Adds n sketches given row-major (n × k), e.g. a block already packed for BLAS. */
    public Gram addBlock(float[] rows, int n) {
      float[] one = new float[k];
      for (int i = 0; i < n; i++) {
        System.arraycopy(rows, i * k, one, 0, k);
        add(one);
      }
      return this;
    }

    /** Adds another partial Gram (same k) into this one. */
    public Gram merge(Gram other) {
      if (other.k != k) {
        throw new IllegalArgumentException("k differs: " + k + " vs " + other.k);
      }
      flush();
      other.flush();
      for (int i = 0; i < sum.length; i++) {
        sum[i] += other.sum[i];
      }
      count += other.count;
      maxNorm = Math.max(maxNorm, other.maxNorm);
      return this;
    }

    /**
     * Serialized as its upper triangle, after its buffered rows are added: a partition's Gram
     * travels from its task to the driver, and that way the task does the last product (not the
     * driver, one partition after the other) and sends half the numbers. Only the upper triangle
     * is ever read ({@link #matrix}); the same numbers, so the same bits.
     */
    private Object writeReplace() {
      flush();
      double[] upper = new double[k * (k + 1) / 2];
      int i = 0;
      for (int col = 0; col < k; col++) {
        System.arraycopy(sum, col * k, upper, i, col + 1);
        i += col + 1;
      }
      return new Serialized(k, upper, count, maxNorm);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
      throw new java.io.InvalidObjectException("a Gram is read through its serialized form");
    }

    /** What a Gram is serialized as (see writeReplace). */
    private record Serialized(int k, double[] upper, long count, double maxNorm) implements java.io.Serializable {
      private Object readResolve() throws java.io.InvalidObjectException {
        if (k < 1 || upper == null || upper.length != k * (k + 1) / 2) {
          throw new java.io.InvalidObjectException("a Gram of k = " + k + " needs " + k * (k + 1) / 2 + " numbers");
        }
        Gram g = new Gram(k);
        int i = 0;
        for (int col = 0; col < k; col++) {
          System.arraycopy(upper, i, g.sum, col * k, col + 1);
          i += col + 1;
        }
        g.count = count;
        g.maxNorm = maxNorm;
        return g;
      }
    }

    /** The symmetric k×k matrix, row-major (= column-major). */
    public double[] matrix() {
      flush();
      double[] m = new double[k * k];
      for (int col = 0; col < k; col++) {
        for (int row = 0; row <= col; row++) {
          double v = sum[col * k + row];
          m[col * k + row] = v;
          m[row * k + col] = v;
        }
      }
      return m;
    }
  }

  /** (ΦᵀΦ + λI)⁻¹, held as its Cholesky factor. */
  public static final class Preconditioner implements java.io.Serializable {
    private final Cholesky cholesky;
    private final double lambda;

    private Preconditioner(Cholesky cholesky, double lambda) {
      this.cholesky = cholesky;
      this.lambda = lambda;
    }

    /**
     * @param lambda the damping λ; when {@code relative}, λ is {@code lambda × trace(ΦᵀΦ)/k}, which
     *     makes the default independent of the sketches' scale
     */
    public static Preconditioner of(double[] gram, int k, double lambda, boolean relative) {
      double damping = lambda;
      if (relative) {
        double trace = 0;
        for (int i = 0; i < k; i++) {
          trace += gram[i * k + i];
        }
        damping = lambda * Math.max(trace / k, Double.MIN_NORMAL);
      }
      return new Preconditioner(Cholesky.factor(gram, k, damping), damping);
    }

    public double lambda() {
      return lambda;
    }

    public int k() {
      return cholesky.size();
    }

    /**
     * ψ for n queries at once (row-major n × k in and out): one BLAS product with the explicit
     * inverse, formed once (k³ flops), instead of n pairs of triangular solves.
     */
    public float[] whitenAll(float[] queries, int n) {
      int k = cholesky.size();
      double[] inv = inverse();
      double[] q = new double[n * k];
      for (int i = 0; i < q.length; i++) {
        q[i] = queries[i];
      }
      double[] out = new double[n * k];
      // column-major: Q is k×n; out = inv·Q (inv symmetric)
      BLAS.getInstance().dgemm("N", "N", k, n, k, 1.0, inv, k, q, k, 0.0, out, k);
      float[] f = new float[out.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) out[i];
      }
      return f;
    }

    private transient double[] inverse;

    /**
     * Forms the explicit inverse that {@link #whitenAll} multiplies by, now rather than in the first
     * call (where the callers that whiten chunks in parallel wait for it), e.g. while other work runs.
     */
    public Preconditioner withInverse() {
      inverse();
      return this;
    }

    private synchronized double[] inverse() {
      if (inverse == null) {
        inverse = cholesky.inverse();
      }
      return inverse;
    }

    /** ψ_q = (ΦᵀΦ + λI)⁻¹ φ_q, so that score(q, i) = ψ_qᵀ φ_i. */
    public float[] whiten(float[] query) {
      double[] b = new double[query.length];
      for (int i = 0; i < b.length; i++) {
        b[i] = query[i];
      }
      double[] x = cholesky.solve(b);
      float[] out = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        out[i] = (float) x[i];
      }
      return out;
    }
  }

  /**
   * Scores a block: {@code out[q·nc + c] = Σ_r whitened[q·k + r] · contributions[c·k + r]} for nq
   * whitened queries and nc training sketches, both row-major with k columns.
   */
  public static void scoreBlock(float[] whitened, int nq, float[] contributions, int nc, int k, float[] out) {
    if (nq == 0 || nc == 0) {
      return;
    }
    // Column-major view: C is k×nc, Ψ is k×nq; M = Cᵀ·Ψ is nc×nq column-major = out row-major [q][c].
    BLAS.getInstance().sgemm("T", "N", nc, nq, k, 1.0f, contributions, k, whitened, k, 0.0f, out, nc);
  }
}
