package dev.poa.udfs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The input contract of inference logs, one record at a time. Fields: {@code request_id},
 * {@code adapter_id} (registered), {@code served_at} (ISO-8601 with offset), {@code completion}
 * (strings, required), {@code prompt} (string, optional), {@code fee_wei} (a non-negative integer
 * in wei: a JSON integer or a string of digits, at most 38 digits), {@code gradient_sketch}
 * (optional array of finite numbers, with {@code sketch_spec}), {@code metadata} (optional object
 * of strings).
 */
public final class InferenceLogValidator implements Serializable {
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,38}");
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

  private final Set<String> adapters;

  public InferenceLogValidator(Set<String> adapters) {
    this.adapters = Set.copyOf(adapters);
  }

  /** A validated record: reason null when valid. */
  public record Validated(
      String reason,
      String message,
      String requestId,
      String adapterId,
      Instant servedAt,
      String prompt,
      String completion,
      BigInteger feeWei,
      float[] sketch,
      String sketchSpec,
      Map<String, String> metadata) {
    public boolean valid() {
      return reason == null;
    }

    public String epoch() {
      return servedAt == null ? null : Epochs.of(servedAt);
    }
  }

  static Validated reject(String reason, String message, String requestId) {
    return new Validated(reason, message, requestId, null, null, null, null, null, null, null, null);
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
    JsonNode rid = o.get("request_id");
    String requestId = rid != null && rid.isTextual() ? rid.textValue() : null;
    for (String f : new String[] {"request_id", "adapter_id", "served_at", "completion", "fee_wei"}) {
      JsonNode v = o.get(f);
      if (v == null || v.isNull()) {
        return reject(Reasons.MISSING_FIELD, "missing required field " + f, requestId);
      }
      if (!f.equals("fee_wei") && !v.isTextual()) {
        return reject(Reasons.WRONG_TYPE, "field " + f + " must be a string", requestId);
      }
    }
    if (requestId.isBlank()) {
      return reject(Reasons.MISSING_FIELD, "request_id is empty", requestId);
    }
    String adapterId = o.get("adapter_id").textValue();
    if (!adapters.contains(adapterId)) {
      return reject(Reasons.UNKNOWN_ADAPTER,
          "adapter '" + adapterId + "' is not registered (poa adapters register)", requestId);
    }
    Instant servedAt;
    try {
      servedAt = OffsetDateTime.parse(o.get("served_at").textValue(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return reject(Reasons.INVALID_TIMESTAMP, "served_at is not ISO-8601 with a UTC offset", requestId);
    }
    JsonNode fee = o.get("fee_wei");
    BigInteger feeWei;
    if (fee.isTextual()) {
      String t = fee.textValue();
      if (t.startsWith("-")) {
        return reject(Reasons.NEGATIVE_FEE, "fee_wei " + t + " is negative", requestId);
      }
      if (!DIGITS.matcher(t).matches()) {
        return reject(Reasons.INVALID_FEE, "fee_wei '" + t + "' is not an integer amount of wei (digits only, at most 38)", requestId);
      }
      feeWei = new BigInteger(t);
    } else if (fee.isIntegralNumber()) {
      feeWei = fee.bigIntegerValue();
      if (feeWei.signum() < 0) {
        return reject(Reasons.NEGATIVE_FEE, "fee_wei " + feeWei + " is negative", requestId);
      }
      if (feeWei.toString().length() > 38) {
        return reject(Reasons.INVALID_FEE, "fee_wei has more than 38 digits", requestId);
      }
    } else if (fee.isNumber()) {
      BigDecimal d = fee.decimalValue();
      return reject(d.signum() < 0 ? Reasons.NEGATIVE_FEE : Reasons.INVALID_FEE,
          "fee_wei " + d.toPlainString() + " is not a whole number of wei", requestId);
    } else {
      return reject(Reasons.WRONG_TYPE, "fee_wei must be an integer or a string of digits", requestId);
    }
    JsonNode prompt = o.get("prompt");
    if (prompt != null && !prompt.isNull() && !prompt.isTextual()) {
      return reject(Reasons.WRONG_TYPE, "field prompt must be a string", requestId);
    }
    float[] sketch = null;
    String spec = null;
    JsonNode sk = o.get("gradient_sketch");
    if (sk != null && !sk.isNull()) {
      Sketches.Parsed p = Sketches.parse(sk, o.get("sketch_spec"), "gradient_sketch");
      if (p.error() != null) {
        return reject(Reasons.INVALID_SKETCH, p.error(), requestId);
      }
      sketch = p.sketch();
      spec = p.spec().id();
    }
    Map<String, String> metadata = null;
    JsonNode md = o.get("metadata");
    if (md != null && !md.isNull()) {
      if (!md.isObject()) {
        return reject(Reasons.WRONG_TYPE, "field metadata must be an object of strings", requestId);
      }
      metadata = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = md.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          return reject(Reasons.INVALID_METADATA, "metadata." + e.getKey() + " must be a string", requestId);
        }
        metadata.put(e.getKey(), e.getValue().textValue());
      }
    }
    return new Validated(null, null, requestId, adapterId, servedAt,
        prompt == null || prompt.isNull() ? null : prompt.textValue(), o.get("completion").textValue(), feeWei, sketch,
        spec, metadata);
  }
}
