package dev.poa.udfs;

import java.util.List;

/** Machine-readable reason codes of {@code datanet.submissions.reason}. */
public final class Reasons {
  private Reasons() {}

  // Rejections: the record is kept with its raw text and never becomes a contribution.
  public static final String EMPTY_LINE = "empty_line";
  public static final String INVALID_UTF8 = "invalid_utf8";
  public static final String MALFORMED_JSON = "malformed_json";
  public static final String MALFORMED_CSV = "malformed_csv";
  public static final String NOT_AN_OBJECT = "not_an_object";
  public static final String MISSING_FIELD = "missing_field";
  public static final String WRONG_TYPE = "wrong_type";
  public static final String INVALID_DATANET = "invalid_datanet";
  public static final String UNKNOWN_DATANET = "unknown_datanet";
  public static final String INVALID_ADDRESS = "invalid_address";
  public static final String BAD_CHECKSUM = "bad_checksum";
  public static final String EMPTY_CONTENT = "empty_content";
  public static final String CONTENT_TOO_LARGE = "content_too_large";
  public static final String INVALID_CONTENT_TYPE = "invalid_content_type";
  public static final String INVALID_LICENSE = "invalid_license";
  public static final String LICENSE_NOT_ALLOWED = "license_not_allowed";
  public static final String INVALID_TIMESTAMP = "invalid_timestamp";
  public static final String INVALID_METADATA = "invalid_metadata";
  public static final String INVALID_SIGNATURE = "invalid_signature";
  public static final String MISSING_SIGNATURE = "missing_signature";
  public static final String SIGNATURE_MISMATCH = "signature_mismatch";

  // Inference logs.
  public static final String UNKNOWN_ADAPTER = "unknown_adapter";
  public static final String NEGATIVE_FEE = "negative_fee";
  public static final String INVALID_FEE = "invalid_fee";
  public static final String INVALID_SKETCH = "invalid_sketch";

  // Validator attestations.
  public static final String INVALID_VERDICT = "invalid_verdict";
  public static final String UNKNOWN_CONTRIBUTION = "unknown_contribution";
  public static final String UNKNOWN_VALIDATOR = "unknown_validator";
  public static final String ATTESTED_IN_FUTURE = "attested_in_future";
  public static final String ATTESTED_BEFORE_CONTRIBUTION = "attested_before_contribution";

  // Training gradients.
  public static final String NOT_IN_TRAINING_SET = "not_in_training_set";
  public static final String SKETCH_SPEC_MISMATCH = "sketch_spec_mismatch";

  // Not rejections: the record maps onto an existing contribution.
  public static final String EXACT_DUPLICATE = "exact_duplicate";
  public static final String NEAR_DUPLICATE = "near_duplicate";

  public static final List<String> REJECTIONS =
      List.of(
          EMPTY_LINE, INVALID_UTF8, MALFORMED_JSON, MALFORMED_CSV, NOT_AN_OBJECT, MISSING_FIELD,
          WRONG_TYPE, INVALID_DATANET, UNKNOWN_DATANET, INVALID_ADDRESS, BAD_CHECKSUM,
          EMPTY_CONTENT, CONTENT_TOO_LARGE, INVALID_CONTENT_TYPE, INVALID_LICENSE,
          LICENSE_NOT_ALLOWED, INVALID_TIMESTAMP, INVALID_METADATA, INVALID_SIGNATURE,
          MISSING_SIGNATURE, SIGNATURE_MISMATCH);
}
