package dev.poa.udfs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poa.udfs.influence.SketchSpec;

/** Reads a gradient sketch and its spec from JSON, the same way for inference logs and training gradients. */
public final class Sketches {
  private Sketches() {}

  /** A sketch with its spec, or an error message (then sketch and spec are null). */
  public record Parsed(float[] sketch, SketchSpec spec, String error) {}

  public static Parsed parse(JsonNode sketch, JsonNode specNode, String field) {
    if (specNode == null || !specNode.isTextual() || specNode.textValue().isBlank()) {
      return new Parsed(null, null, field + " needs its sketch_spec");
    }
    SketchSpec spec;
    try {
      spec = SketchSpec.parse(specNode.textValue());
    } catch (IllegalArgumentException e) {
      return new Parsed(null, null, e.getMessage());
    }
    if (sketch == null || !sketch.isArray() || sketch.isEmpty()) {
      return new Parsed(null, null, field + " must be a non-empty array of numbers");
    }
    if (sketch.size() != spec.k()) {
      return new Parsed(null, null,
          field + " has " + sketch.size() + " numbers but its spec " + spec.id() + " says k = " + spec.k());
    }
    float[] out = new float[sketch.size()];
    for (int i = 0; i < sketch.size(); i++) {
      JsonNode x = sketch.get(i);
      float f = x.isNumber() ? x.floatValue() : Float.NaN;
      if (!Float.isFinite(f)) {
        return new Parsed(null, null, field + "[" + i + "] is not a finite number");
      }
      out[i] = f;
    }
    return new Parsed(out, spec, null);
  }
}
