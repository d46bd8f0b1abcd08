package dev.poa.udfs.influence;

import java.util.Random;

/**
 * Labelled texts for the reference model: two topics, each a Zipf-like draw over its own words,
 * mixed with a shared vocabulary and a few words of the other topic, with a share of labels flipped
 * so the classes overlap (a separable set would make influence degenerate). Deterministic by seed.
 */
public final class SyntheticText {
  public record Example(String text, int label) {}

  private final Random random;
  private final double labelNoise;

  public SyntheticText(long seed, double labelNoise) {
    this.random = new Random(seed);
    this.labelNoise = labelNoise;
  }

  public Example next() {
    int topic = random.nextInt(2);
    int len = 20 + random.nextInt(40);
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < len; j++) {
      double u = random.nextDouble();
      if (u < 0.15) {
        sb.append("topic").append(topic).append('_').append(zipf(150, 40));
      } else if (u < 0.20) {
        sb.append("topic").append(1 - topic).append('_').append(random.nextInt(150));
      } else {
        sb.append("word").append(zipf(400, 120));
      }
      sb.append(' ');
    }
    int label = random.nextDouble() < labelNoise ? 1 - topic : topic;
    return new Example(sb.toString().trim(), label);
  }

  private int zipf(int size, double spread) {
    return (int) (Math.abs(random.nextGaussian() * spread)) % size;
  }
}
