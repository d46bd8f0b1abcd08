package dev.poa.udfs.influence;

import dev.poa.schemas.BadInputException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Identifies how a gradient sketch was made: {@code rp1:k=<dimension>:seed=<seed>} is the
 * per-example gradient of the loss, projected to {@code k} dimensions by the Rademacher matrix of
 * {@link RademacherProjection} drawn from {@code seed}. Query and training sketches of one adapter
 * must share a spec for their inner products to mean anything.
 */
public record SketchSpec(int k, long seed) implements java.io.Serializable {
  private static final Pattern ID = Pattern.compile("rp1:k=(\\d{1,5}):seed=(-?\\d{1,19})");
  public static final int MAX_K = 16384;

  public SketchSpec {
    if (k < 1 || k > MAX_K) {
      throw new BadInputException("sketch dimension k must be in 1.." + MAX_K + ", got " + k);
    }
  }

  public static SketchSpec parse(String id) {
    Matcher m = id == null ? null : ID.matcher(id.trim());
    if (m == null || !m.matches()) {
      throw new BadInputException(
          "sketch spec '" + id + "' is not of the form rp1:k=<dimension>:seed=<integer>");
    }
    return new SketchSpec(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
  }

  public String id() {
    return "rp1:k=" + k + ":seed=" + seed;
  }

  @Override
  public String toString() {
    return id();
  }
}
