package dev.poa.udfs.influence;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

/**
 * Ground-truth evaluation of the gradient attribution: trains the reference model in process,
 * scores every (test, training) pair with the same sketches and the same {@link Trak} code the
 * Spark job uses, and compares with real retraining.
 *
 * <ul>
 *   <li>Leave-one-out: for a sample of training examples, retrain without it and measure the change
 *       of the total test loss; predicted change = Σ_q score(q, i). Pearson and Spearman.
 *   <li>LDS (linear datamodeling score, as in TRAK): retrain on random 50% subsets; for each test
 *       example, Spearman between its actual loss and −Σ_{i∈S} score(q, i) across subsets; mean.
 * </ul>
 */
public final class GradientEval {
  public record Config(int trainSize, int testSize, int features, SketchSpec spec, double l2, double damping,
      boolean relativeDamping, int looSamples, int ldsSubsets, long seed) {
    public static Config defaults() {
      return new Config(2000, 200, 128, new SketchSpec(1024, 42), 1.0, Trak.DEFAULT_DAMPING, true, 200, 50, 7);
    }
  }

  public record Result(Config config, double looPearson, double looSpearman, double lds, double lambda,
      double testAccuracy, long millis) {}

  public static Result run(Config c) {
    long start = System.nanoTime();
    SyntheticText gen = new SyntheticText(c.seed(), 0.1);
    int n = c.trainSize();
    double[][] train = new double[n][];
    int[] ytrain = new int[n];
    for (int i = 0; i < n; i++) {
      SyntheticText.Example e = gen.next();
      train[i] = HashedFeatures.of(e.text(), c.features());
      ytrain[i] = e.label();
    }
    int nt = c.testSize();
    double[][] test = new double[nt][];
    int[] ytest = new int[nt];
    for (int i = 0; i < nt; i++) {
      SyntheticText.Example e = gen.next();
      test[i] = HashedFeatures.of(e.text(), c.features());
      ytest[i] = e.label();
    }
    LogisticRegression model = LogisticRegression.train(train, ytrain, null, c.l2(), null);
    RademacherProjection projection = new RademacherProjection(c.spec(), c.features());
    int k = c.spec().k();
    float[] phi = new float[n * k];
    Trak.Gram gram = new Trak.Gram(k);
    for (int i = 0; i < n; i++) {
      float[] s = projection.project(model.lossGradient(train[i], ytrain[i]));
      System.arraycopy(s, 0, phi, i * k, k);
      gram.add(s);
    }
    Trak.Preconditioner pre = Trak.Preconditioner.of(gram.matrix(), k, c.damping(), c.relativeDamping());
    float[] whitened = new float[nt * k];
    int correct = 0;
    for (int q = 0; q < nt; q++) {
      float[] w = pre.whiten(projection.project(model.lossGradient(test[q], ytest[q])));
      System.arraycopy(w, 0, whitened, q * k, k);
      correct += (model.probability(test[q]) >= 0.5 ? 1 : 0) == ytest[q] ? 1 : 0;
    }
    float[] scores = new float[nt * n];
    Trak.scoreBlock(whitened, nt, phi, n, k, scores);

    double baseLoss = 0;
    for (int q = 0; q < nt; q++) {
      baseLoss += model.loss(test[q], ytest[q]);
    }
    Random random = new Random(c.seed() + 1);
    int loo = Math.min(c.looSamples(), n);
    int[] removed = random.ints(0, n).distinct().limit(loo).toArray();
    double[] actual = new double[loo];
    double[] predicted = new double[loo];
    for (int s = 0; s < loo; s++) {
      int i = removed[s];
      boolean[] include = new boolean[n];
      Arrays.fill(include, true);
      include[i] = false;
      LogisticRegression m = LogisticRegression.train(train, ytrain, include, c.l2(), model);
      double loss = 0;
      for (int q = 0; q < nt; q++) {
        loss += m.loss(test[q], ytest[q]);
      }
      actual[s] = loss - baseLoss;
      double p = 0;
      for (int q = 0; q < nt; q++) {
        p += scores[q * n + i];
      }
      predicted[s] = p;
    }

    int subsets = c.ldsSubsets();
    double[][] subsetLoss = new double[nt][subsets];
    double[][] subsetPred = new double[nt][subsets];
    for (int s = 0; s < subsets; s++) {
      boolean[] include = new boolean[n];
      for (int i = 0; i < n; i++) {
        include[i] = random.nextBoolean();
      }
      LogisticRegression m = LogisticRegression.train(train, ytrain, include, c.l2(), model);
      for (int q = 0; q < nt; q++) {
        subsetLoss[q][s] = m.loss(test[q], ytest[q]);
        double p = 0;
        for (int i = 0; i < n; i++) {
          if (include[i]) {
            p -= scores[q * n + i];
          }
        }
        subsetPred[q][s] = p;
      }
    }
    double lds = 0;
    for (int q = 0; q < nt; q++) {
      lds += spearman(subsetLoss[q], subsetPred[q]);
    }
    lds /= nt;
    return new Result(c, pearson(actual, predicted), spearman(actual, predicted), lds, pre.lambda(),
        correct / (double) nt, (System.nanoTime() - start) / 1_000_000);
  }

  public static double pearson(double[] a, double[] b) {
    int n = a.length;
    double ma = 0;
    double mb = 0;
    for (int i = 0; i < n; i++) {
      ma += a[i];
      mb += b[i];
    }
    ma /= n;
    mb /= n;
    double sab = 0;
    double saa = 0;
    double sbb = 0;
    for (int i = 0; i < n; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
  }

  public static double spearman(double[] a, double[] b) {
    return pearson(ranks(a), ranks(b));
  }

  /** Ranks with ties sharing their mean rank. */
  static double[] ranks(double[] v) {
    Integer[] idx = new Integer[v.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));
    double[] r = new double[v.length];
    for (int i = 0; i < idx.length; ) {
      int j = i;
      while (j + 1 < idx.length && v[idx[j + 1]] == v[idx[i]]) {
        j++;
      }
      double mean = (i + j) / 2.0 + 1;
      for (int t = i; t <= j; t++) {
        r[idx[t]] = mean;
      }
      i = j + 1;
    }
    return r;
  }

}
