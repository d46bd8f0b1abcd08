package dev.poa.udfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The input contract of validator attestations, one record at a time: {@code validator} (EIP-55
 * checked address), {@code contribution_id}, {@code verdict} ({@code valid} or {@code invalid}),
 * {@code attested_at} (ISO-8601 with offset, a whole second) and {@code signature}: the
 * validator's EIP-712 signature of {@link AttestationTypedData} over all four, so that none can be
 * changed, or replayed with another time, without the validator's key. What needs the lakehouse
 * (the validator registry, the contribution's time, the clock) is checked by the ingest job.
 */
public final class AttestationValidator implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Validated(String reason, String message, String validator, String contributionId, String verdict,
      Instant attestedAt, String signature) {
    public boolean valid() {
      return reason == null;
    }
  }

  private final long chainId;

  /** @param chainId the chain id of the typed data's domain (the settlement chain, {@code poa.chain.id}) */
  public AttestationValidator(long chainId) {
    this.chainId = chainId;
  }

  static Validated reject(String reason, String message) {
    return new Validated(reason, message, null, null, null, null, null);
  }

  public Validated validateJsonLine(byte[] raw) {
    return validate(JsonRecords.line(raw, JSON));
  }

  public Validated validateJsonText(String text) {
    return validate(JsonRecords.text(text, JSON));
  }

  private Validated validate(JsonRecords.Read read) {
    if (!read.ok()) {
      return reject(read.reason(), read.message());
    }
    JsonNode o = read.object();
    for (String f : new String[] {"validator", "contribution_id", "verdict", "attested_at", "signature"}) {
      JsonNode v = o.get(f);
      if (v == null || v.isNull()) {
        return reject(Reasons.MISSING_FIELD, "missing required field " + f);
      }
      if (!v.isTextual()) {
        return reject(Reasons.WRONG_TYPE, "field " + f + " must be a string");
      }
    }
    String validator = o.get("validator").textValue();
    String problem = Addresses.problem(validator);
    if (problem != null) {
      return reject(Reasons.INVALID_ADDRESS, "validator " + validator + ": " + problem);
    }
    String verdict = o.get("verdict").textValue();
    if (!verdict.equals("valid") && !verdict.equals("invalid")) {
      return reject(Reasons.INVALID_VERDICT, "verdict must be valid or invalid, not '" + verdict + "'");
    }
    Instant at;
    try {
      at = OffsetDateTime.parse(o.get("attested_at").textValue(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return reject(Reasons.INVALID_TIMESTAMP, "attested_at is not ISO-8601 with a UTC offset");
    }
    if (at.getNano() != 0) {
      return reject(Reasons.INVALID_TIMESTAMP, "attested_at must be a whole second: it is signed as Unix seconds");
    }
    String contributionId = o.get("contribution_id").textValue();
    String signature = o.get("signature").textValue();
    Signatures.Check check = Signatures.verifyHash(signature,
        AttestationTypedData.digest(chainId, validator, contributionId, verdict, at), validator, "validator");
    if (!check.ok()) {
      return reject(check.reason(), check.message());
    }
    return new Validated(null, null, Addresses.canonical(validator), contributionId, verdict, at, signature);
  }
}
