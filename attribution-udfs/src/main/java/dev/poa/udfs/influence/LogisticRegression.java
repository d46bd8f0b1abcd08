package dev.poa.udfs.influence;

/**
 * The reference model of poa's gradient attribution: L2-regularised binary logistic regression,
 * trained to convergence by Newton's method. Objective: Σ_i w_i·ℓ(θ; x_i, y_i) + (l2/2)·|θ|², with
 * ℓ the log loss and w_i ∈ {0, 1} (a removed example has weight 0). Small and convex, so
 * leave-one-out and subset retraining are exact and cheap: the ground truth of {@code poa eval}.
 */
public final class LogisticRegression {
  private final double[] theta;

  private LogisticRegression(double[] theta) {
    this.theta = theta;
  }

  public static LogisticRegression fromWeights(double[] theta) {
    return new LogisticRegression(theta.clone());
  }

  public double[] weights() {
    return theta.clone();
  }

  public int dim() {
    return theta.length;
  }

  /** Trains on the examples with include[i] (all when include is null), starting from init (or zero). */
  public static LogisticRegression train(double[][] x, int[] y, boolean[] include, double l2, LogisticRegression init) {
    int d = x[0].length;
    double[] t = init == null ? new double[d] : init.theta.clone();
    double[] h = new double[d * d];
    double[] g = new double[d];
    for (int iter = 0; iter < 50; iter++) {
      java.util.Arrays.fill(h, 0);
      for (int j = 0; j < d; j++) {
        g[j] = l2 * t[j];
      }
      for (int i = 0; i < x.length; i++) {
        if (include != null && !include[i]) {
          continue;
        }
        double[] xi = x[i];
        double p = sigmoid(dot(t, xi));
        double r = p - y[i];
        double w = p * (1 - p);
        for (int a = 0; a < d; a++) {
          double xa = xi[a];
          if (xa == 0) {
            continue;
          }
          g[a] += r * xa;
          double wxa = w * xa;
          int row = a * d;
          for (int b = 0; b <= a; b++) {
            h[row + b] += wxa * xi[b];
          }
        }
      }
      for (int a = 0; a < d; a++) {
        for (int b = 0; b < a; b++) {
          h[b * d + a] = h[a * d + b];
        }
      }
      double[] step = Cholesky.factor(h, d, l2).solve(g);
      double maxStep = 0;
      for (int j = 0; j < d; j++) {
        t[j] -= step[j];
        maxStep = Math.max(maxStep, Math.abs(step[j]));
      }
      if (maxStep < 1e-10) {
        break;
      }
    }
    return new LogisticRegression(t);
  }

  public double probability(double[] x) {
    return sigmoid(dot(theta, x));
  }

  /** Log loss of one example. */
  public double loss(double[] x, int y) {
    double z = dot(theta, x);
    // log(1 + e^z) − y·z, computed without overflow
    double softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    return softplus - y * z;
  }

  /** Gradient of the log loss of one example with respect to θ: (p − y)·x. */
  public double[] lossGradient(double[] x, int y) {
    double r = probability(x) - y;
    double[] out = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      out[j] = r * x[j];
    }
    return out;
  }

  static double sigmoid(double z) {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
