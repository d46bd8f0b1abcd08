package dev.poa.udfs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The first checks of every JSON record contract: not blank, valid JSON, an object. */
public final class JsonRecords {
  private JsonRecords() {}

  /** The record's object, or the reason and message it was rejected with. */
  public record Read(ObjectNode object, String reason, String message) {
    public boolean ok() {
      return reason == null;
    }
  }

  /** A JSONL line's bytes: also rejected when not valid UTF-8. */
  public static Read line(byte[] raw, ObjectMapper json) {
    String text = SubmissionValidator.decodeUtf8(raw);
    return text == null ? new Read(null, Reasons.INVALID_UTF8, "line is not valid UTF-8") : text(text, json);
  }

  public static Read text(String text, ObjectMapper json) {
    if (text.isBlank()) {
      return new Read(null, Reasons.EMPTY_LINE, "empty line");
    }
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JsonProcessingException e) {
      return new Read(null, Reasons.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      return new Read(null, Reasons.NOT_AN_OBJECT,
          "a record must be a JSON object, got " + (node == null ? "nothing" : SubmissionValidator.nodeType(node)));
    }
    return new Read((ObjectNode) node, null, null);
  }
}
