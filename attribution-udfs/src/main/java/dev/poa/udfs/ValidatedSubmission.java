package dev.poa.udfs;

import java.time.Instant;
import java.util.Map;

/**
 * One input record after validation: either valid (reason null), with its derived fields, or
 * rejected with a reason code and message. Fields that could be read are kept even on rejection.
 */
public record ValidatedSubmission(
    String reason,
    String message,
    String datanet,
    String contributor,
    String content,
    String contentType,
    String license,
    Instant submittedAt,
    Map<String, String> metadata,
    String signature,
    String contentSha256,
    String normalized,
    String normalizedSha256,
    int tokenCount) {

  public boolean valid() {
    return reason == null;
  }
}
