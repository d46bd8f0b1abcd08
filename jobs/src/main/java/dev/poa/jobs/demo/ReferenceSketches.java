package dev.poa.jobs.demo;

import dev.poa.udfs.influence.HashedFeatures;
import dev.poa.udfs.influence.LogisticRegression;
import dev.poa.udfs.influence.RademacherProjection;
import dev.poa.udfs.influence.SketchSpec;
import java.util.List;

/**
 * Gradient sketches from the reference model (the model of {@code poa eval attribution}): L2
 * logistic regression over hashed token features, here trained to tell an adapter's training
 * contributions (label 1) from other contributions (label 0). A sketch is the spec's projection of
 * the gradient of the log loss with respect to the model's weights. The demo uses it to produce
 * the sketches a training framework would send for a real adapter.
 */
public final class ReferenceSketches {
  public static final int FEATURES = 128;

  private final LogisticRegression model;
  private final RademacherProjection projection;

  private ReferenceSketches(LogisticRegression model, SketchSpec spec) {
    this.model = model;
    this.projection = new RademacherProjection(spec, FEATURES);
  }

  public static ReferenceSketches train(List<String> positives, List<String> negatives, SketchSpec spec) {
    int n = positives.size() + negatives.size();
    double[][] x = new double[n][];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      boolean pos = i < positives.size();
      x[i] = HashedFeatures.of(pos ? positives.get(i) : negatives.get(i - positives.size()), FEATURES);
      y[i] = pos ? 1 : 0;
    }
    return new ReferenceSketches(LogisticRegression.train(x, y, null, 1.0, null), spec);
  }

  public SketchSpec spec() {
    return projection.spec();
  }

  public float[] sketch(String text, int label) {
    return projection.project(model.lossGradient(HashedFeatures.of(text, FEATURES), label));
  }
}
