package dev.poa.udfs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;

/**
 * The input contract of training gradient sketches of one adapter, one record at a time:
 * {@code contribution_id} (string), {@code sketch} (array of k finite numbers) and
 * {@code sketch_spec} ({@code rp1:k=<k>:seed=<seed>}). Membership in the adapter's training set
 * and one spec per adapter are checked by the job, against the tables.
 */
public final class TrainingGradientValidator implements Serializable {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  public record Validated(String reason, String message, String contributionId, float[] sketch, String sketchSpec) {
    public boolean valid() {
      return reason == null;
    }
  }

  private static Validated reject(String reason, String message, String contributionId) {
    return new Validated(reason, message, contributionId, null, null);
  }

  public Validated validateJsonLine(byte[] raw) {
    return validate(JsonRecords.line(raw, JSON));
  }

  public Validated validateJsonText(String text) {
    return validate(JsonRecords.text(text, JSON));
  }

  private Validated validate(JsonRecords.Read read) {
    if (!read.ok()) {
      return reject(read.reason(), read.message(), null);
    }
    JsonNode o = read.object();
    JsonNode cid = o.get("contribution_id");
    if (cid == null || cid.isNull()) {
      return reject(Reasons.MISSING_FIELD, "missing required field contribution_id", null);
    }
    if (!cid.isTextual()) {
      return reject(Reasons.WRONG_TYPE, "field contribution_id must be a string", null);
    }
    String contributionId = cid.textValue();
    if (o.get("sketch") == null || o.get("sketch").isNull()) {
      return reject(Reasons.MISSING_FIELD, "missing required field sketch", contributionId);
    }
    Sketches.Parsed p = Sketches.parse(o.get("sketch"), o.get("sketch_spec"), "sketch");
    if (p.error() != null) {
      return reject(Reasons.INVALID_SKETCH, p.error(), contributionId);
    }
    return new Validated(null, null, contributionId, p.sketch(), p.spec().id());
  }
}
