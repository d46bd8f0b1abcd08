package dev.poa.udfs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The input contract of DataNet submissions, checked one record at a time. Pure Java, no Spark:
 * the ingest job calls it inside a map over input records. Every failure yields one reason code
 * (see {@link Reasons}) and a message that names the field and what was wrong.
 *
 * <p>Fields: {@code datanet}, {@code contributor}, {@code content}, {@code content_type},
 * {@code license}, {@code submitted_at} (all required strings), {@code signature} (optional
 * string), {@code metadata} (optional object of string values). Unknown fields are ignored.
 */
public final class SubmissionValidator implements Serializable {
  public static final long DEFAULT_MAX_CONTENT_BYTES = 4L * 1024 * 1024;
  public static final Set<String> CONTENT_TYPES = Set.of("text", "code", "transcript");
  static final List<String> REQUIRED =
      List.of("datanet", "contributor", "content", "content_type", "license", "submitted_at");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final Map<String, DatanetPolicy> policies;
  private final boolean knownDatanetsOnly;
  private final long maxContentBytes;

  public SubmissionValidator(
      Map<String, DatanetPolicy> policies, boolean knownDatanetsOnly, long maxContentBytes) {
    this.policies = Map.copyOf(policies);
    this.knownDatanetsOnly = knownDatanetsOnly;
    this.maxContentBytes = maxContentBytes;
  }

  /** Strict UTF-8 decoding; null when the bytes are not valid UTF-8. */
  public static String decodeUtf8(byte[] bytes) {
    boolean ascii = true;
    for (byte b : bytes) {
      if (b < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(bytes, StandardCharsets.ISO_8859_1); // ASCII is valid UTF-8, decoded as itself
    }
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      CharBuffer cb = d.decode(ByteBuffer.wrap(bytes));
      return cb.toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Validates one JSONL line given as raw bytes (without the line terminator). */
  public ValidatedSubmission validateJsonLine(byte[] raw) {
    String text = decodeUtf8(raw);
    if (text == null) {
      return reject(Reasons.INVALID_UTF8, "line is not valid UTF-8 (" + firstBadByte(raw) + ")");
    }
    return validateJsonText(text);
  }

  /** Validates one record given as JSON text. */
  public ValidatedSubmission validateJsonText(String text) {
    JsonRecords.Read r = JsonRecords.text(text, JSON);
    return r.ok() ? validateObject(r.object()) : reject(r.reason(), r.message());
  }

  /** Validates a parsed record. */
  public ValidatedSubmission validateObject(ObjectNode o) {
    List<String> missing = new ArrayList<>();
    for (String f : REQUIRED) {
      JsonNode v = o.get(f);
      if (v == null || v.isNull()) {
        missing.add(f);
      }
    }
    // Fields readable so far are kept on the rejected row, to help whoever fixes it.
    String datanet = textOrNull(o, "datanet");
    String contributor = textOrNull(o, "contributor");
    if (!missing.isEmpty()) {
      return reject(Reasons.MISSING_FIELD, "missing required field(s): " + String.join(", ", missing), datanet, contributor);
    }
    for (String f : REQUIRED) {
      if (!o.get(f).isTextual()) {
        return reject(
            Reasons.WRONG_TYPE,
            "field " + f + " must be a string, got " + nodeType(o.get(f)),
            datanet,
            contributor);
      }
    }
    JsonNode sigNode = o.get("signature");
    if (sigNode != null && !sigNode.isNull() && !sigNode.isTextual()) {
      return reject(Reasons.WRONG_TYPE, "field signature must be a string, got " + nodeType(sigNode), datanet, contributor);
    }
    Map<String, String> metadata = null;
    JsonNode md = o.get("metadata");
    if (md != null && !md.isNull()) {
      if (!md.isObject()) {
        return reject(Reasons.WRONG_TYPE, "field metadata must be an object of strings, got " + nodeType(md), datanet, contributor);
      }
      metadata = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = md.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          return reject(
              Reasons.INVALID_METADATA,
              "metadata." + e.getKey() + " must be a string, got " + nodeType(e.getValue()),
              datanet,
              contributor);
        }
        metadata.put(e.getKey(), e.getValue().textValue());
      }
    }
    String signature = sigNode == null || sigNode.isNull() ? null : sigNode.textValue();
    return validateFields(
        datanet,
        contributor,
        o.get("content").textValue(),
        o.get("content_type").textValue(),
        o.get("license").textValue(),
        o.get("submitted_at").textValue(),
        signature,
        metadata);
  }

  /** The semantic checks, on fields already known to be strings. */
  public ValidatedSubmission validateFields(
      String datanet,
      String contributor,
      String content,
      String contentType,
      String license,
      String submittedAt,
      String signature,
      Map<String, String> metadata) {
    if (!DatanetPolicy.SLUG.matcher(datanet).matches()) {
      return reject(
          Reasons.INVALID_DATANET,
          "datanet '" + abbreviate(datanet) + "' is not a slug ([a-z0-9][a-z0-9-]{1,62})",
          datanet,
          contributor);
    }
    DatanetPolicy policy = policies.get(datanet);
    if (policy == null) {
      if (knownDatanetsOnly) {
        return reject(
            Reasons.UNKNOWN_DATANET,
            "datanet '" + datanet + "' is not registered (create it with: poa datanets create)",
            datanet,
            contributor);
      }
      policy = DatanetPolicy.DEFAULT;
    }
    String addressProblem = Addresses.problem(contributor);
    if (addressProblem != null) {
      String reason = addressProblem.contains("EIP-55") ? Reasons.BAD_CHECKSUM : Reasons.INVALID_ADDRESS;
      return reject(reason, "contributor '" + abbreviate(contributor) + "': " + addressProblem, datanet, contributor);
    }
    String canonicalContributor = Addresses.canonical(contributor);
    if (content.isBlank()) {
      return reject(Reasons.EMPTY_CONTENT, "content is empty or only whitespace", datanet, canonicalContributor);
    }
    long bytes = utf8Length(content);
    if (bytes > maxContentBytes) {
      return reject(
          Reasons.CONTENT_TOO_LARGE,
          "content is " + bytes + " bytes, more than the limit of " + maxContentBytes,
          datanet,
          canonicalContributor);
    }
    if (!CONTENT_TYPES.contains(contentType)) {
      return reject(
          Reasons.INVALID_CONTENT_TYPE,
          "content_type '" + abbreviate(contentType) + "' is not one of text, code, transcript",
          datanet,
          canonicalContributor);
    }
    if (!Spdx.isValidExpression(license)) {
      return reject(
          Reasons.INVALID_LICENSE,
          "license '" + abbreviate(license) + "' is not an SPDX license id or expression",
          datanet,
          canonicalContributor);
    }
    if (!policy.allows(license)) {
      return reject(
          Reasons.LICENSE_NOT_ALLOWED,
          "license " + license + " is not accepted by datanet " + datanet + " (accepts " + policy.allowedLicenses() + ")",
          datanet,
          canonicalContributor);
    }
    Instant at;
    try {
      at = OffsetDateTime.parse(submittedAt, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return reject(
          Reasons.INVALID_TIMESTAMP,
          "submitted_at '" + abbreviate(submittedAt) + "' is not ISO-8601 with a UTC offset (e.g. 2026-01-31T12:00:00Z)",
          datanet,
          canonicalContributor);
    }
    byte[] sha = sha256(content.getBytes(StandardCharsets.UTF_8));
    if (signature != null) {
      Signatures.Check check = Signatures.verify(signature, sha, canonicalContributor);
      if (!check.ok()) {
        return reject(check.reason(), check.message(), datanet, canonicalContributor);
      }
    } else if (policy.signaturesRequired()) {
      return reject(
          Reasons.MISSING_SIGNATURE,
          "datanet " + datanet + " requires a signature by the contributor over sha256(content)",
          datanet,
          canonicalContributor);
    }
    String normalized = TextNormalizer.normalize(content);
    if (normalized.isEmpty()) {
      return reject(Reasons.EMPTY_CONTENT, "content has no visible characters", datanet, canonicalContributor);
    }
    return new ValidatedSubmission(
        null,
        null,
        datanet,
        canonicalContributor,
        content,
        contentType,
        license,
        at,
        metadata,
        signature,
        HexFormat.of().formatHex(sha),
        normalized,
        HexFormat.of().formatHex(sha256(normalized.getBytes(StandardCharsets.UTF_8))),
        Tokenizer.count(content));
  }

  public static ValidatedSubmission reject(String reason, String message) {
    return reject(reason, message, null, null);
  }

  public static ValidatedSubmission reject(String reason, String message, String datanet, String contributor) {
    return new ValidatedSubmission(
        reason, message, datanet, contributor, null, null, null, null, null, null, null, null, null, 0);
  }

  public static byte[] sha256(byte[] data) {
    return sha256Digest().digest(data);
  }

  /** A new SHA-256 digest, for hashing a stream of bytes (every JVM has the algorithm). */
  public static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256Hex(String s) {
    return HexFormat.of().formatHex(sha256(s.getBytes(StandardCharsets.UTF_8)));
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  private static String textOrNull(ObjectNode o, String field) {
    JsonNode v = o.get(field);
    return v != null && v.isTextual() ? v.textValue() : null;
  }

  static String nodeType(JsonNode n) {
    return switch (n.getNodeType()) {
      case NUMBER -> "number";
      case BOOLEAN -> "boolean";
      case ARRAY -> "array";
      case OBJECT -> "object";
      case NULL -> "null";
      case STRING -> "string";
      default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }

  private static String firstBadByte(byte[] raw) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(raw);
    CharBuffer out = CharBuffer.allocate(raw.length + 1);
    d.decode(in, out, true);
    int pos = in.position();
    return pos < raw.length
        ? String.format("bad byte 0x%02x at offset %d", raw[pos] & 0xFF, pos)
        : "truncated sequence at end";
  }
}
