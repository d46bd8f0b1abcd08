package dev.poa.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

class SubmissionValidatorTest {
  static final ECKeyPair KEY = ECKeyPair.create(BigInteger.valueOf(0xC0FFEEL));
  static final String ADDR = Keys.toChecksumAddress(Keys.getAddress(KEY));

  final SubmissionValidator open =
      new SubmissionValidator(
          Map.of("signed", new DatanetPolicy(Set.of(), true), "mit-only", new DatanetPolicy(Set.of("MIT"), false)),
          false,
          100);

  static String rec(String datanet, String content, String extra) {
    return "{\"datanet\":\"" + datanet + "\",\"contributor\":\"" + ADDR + "\",\"content\":\"" + content
        + "\",\"content_type\":\"text\",\"license\":\"CC-BY-4.0\",\"submitted_at\":\"2026-03-01T10:00:00+02:00\"" + extra + "}";
  }

  String reason(String line) {
    return open.validateJsonLine(line.getBytes(StandardCharsets.UTF_8)).reason();
  }

  @Test
  void validRecordIsAcceptedWithDerivedFields() {
    ValidatedSubmission v = open.validateJsonLine(rec("news", "Hello  World", ",\"metadata\":{\"lang\":\"en\"}").getBytes(StandardCharsets.UTF_8));
    assertNull(v.reason(), v.message());
    assertEquals(ADDR.toLowerCase(), v.contributor());
    assertEquals("hello world", v.normalized());
    assertEquals("2026-03-01T08:00:00Z", v.submittedAt().toString());
    assertEquals(Map.of("lang", "en"), v.metadata());
    assertEquals(2, v.tokenCount());
  }

  @Test
  void eachBadInputGetsItsReason() {
    assertEquals(Reasons.EMPTY_LINE, reason("   "));
    assertEquals(Reasons.MALFORMED_JSON, reason("{\"datanet\":"));
    assertEquals(Reasons.MALFORMED_JSON, reason(rec("news", "x", "") + " trailing"));
    assertEquals(Reasons.MALFORMED_JSON, reason("{\"datanet\":\"a\",\"datanet\":\"b\"}"));
    assertEquals(Reasons.NOT_AN_OBJECT, reason("\"just a string\""));
    assertEquals(Reasons.MISSING_FIELD, reason("{\"datanet\":\"news\"}"));
    assertEquals(Reasons.MISSING_FIELD, reason(rec("news", "x", "").replace("\"content\":\"x\"", "\"content\":null")));
    assertEquals(Reasons.WRONG_TYPE, reason(rec("news", "x", "").replace("\"content\":\"x\"", "\"content\":7")));
    assertEquals(Reasons.WRONG_TYPE, reason(rec("news", "x", ",\"metadata\":[1]")));
    assertEquals(Reasons.INVALID_METADATA, reason(rec("news", "x", ",\"metadata\":{\"a\":true}")));
    assertEquals(Reasons.INVALID_DATANET, reason(rec("News", "x", "")));
    assertEquals(Reasons.INVALID_ADDRESS, reason(rec("news", "x", "").replace(ADDR, "0xabc")));
    assertEquals(Reasons.BAD_CHECKSUM, reason(rec("news", "x", "").replace(ADDR, swapCase(ADDR))));
    assertEquals(Reasons.EMPTY_CONTENT, reason(rec("news", " \\n ", "")));
    assertEquals(Reasons.EMPTY_CONTENT, reason(rec("news", "\\u200b", "")));
    assertEquals(Reasons.CONTENT_TOO_LARGE, reason(rec("news", "x".repeat(101), "")));
    assertEquals(Reasons.INVALID_CONTENT_TYPE, reason(rec("news", "x", "").replace("\"text\"", "\"image\"")));
    assertEquals(Reasons.INVALID_LICENSE, reason(rec("news", "x", "").replace("CC-BY-4.0", "free")));
    assertEquals(Reasons.LICENSE_NOT_ALLOWED, reason(rec("mit-only", "x", "")));
    assertEquals(Reasons.INVALID_TIMESTAMP, reason(rec("news", "x", "").replace("2026-03-01T10:00:00+02:00", "2026-03-01T10:00:00")));
    assertEquals(Reasons.INVALID_TIMESTAMP, reason(rec("news", "x", "").replace("2026-03-01T10:00:00+02:00", "yesterday")));
    assertEquals(Reasons.MISSING_SIGNATURE, reason(rec("signed", "x", "")));
    assertEquals(Reasons.INVALID_SIGNATURE, reason(rec("news", "x", ",\"signature\":\"0x00\"")));
    assertEquals(Reasons.WRONG_TYPE, reason(rec("news", "x", ",\"signature\":5")));
    byte[] invalidUtf8 = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    assertEquals(Reasons.INVALID_UTF8, open.validateJsonLine(invalidUtf8).reason());
  }

  @Test
  void unknownDatanetsAreRejectedOnlyWhenAsked() {
    SubmissionValidator strict = new SubmissionValidator(Map.of(), true, 100);
    assertEquals(Reasons.UNKNOWN_DATANET, strict.validateJsonText(rec("news", "x", "")).reason());
    assertNull(open.validateJsonText(rec("news", "x", "")).reason());
  }

  @Test
  void signaturesAreVerifiedAgainstTheContributor() {
    byte[] sha = SubmissionValidator.sha256("signed text".getBytes(StandardCharsets.UTF_8));
    String good = Signatures.sign(sha, KEY);
    assertNull(open.validateJsonText(rec("signed", "signed text", ",\"signature\":\"" + good + "\"")).reason());
    String forged = Signatures.sign(sha, ECKeyPair.create(BigInteger.valueOf(42)));
    ValidatedSubmission v = open.validateJsonText(rec("signed", "signed text", ",\"signature\":\"" + forged + "\""));
    assertEquals(Reasons.SIGNATURE_MISMATCH, v.reason());
    assertTrue(v.message().contains(ADDR.toLowerCase()));
  }

  private static String swapCase(String a) {
    StringBuilder sb = new StringBuilder("0x");
    for (char c : a.substring(2).toCharArray()) {
      sb.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
    }
    String s = sb.toString();
    // an address whose letters all have one case would stay valid after a swap
    return s.equals(s.toLowerCase()) || s.equals(s.toUpperCase()) ? s.substring(0, 41) + "G" : s;
  }

  @Test
  void decodesStrictUtf8WithAnAsciiShortcut() {
    java.util.Random r = new java.util.Random(9);
    for (int i = 0; i < 3000; i++) {
      byte[] b = new byte[r.nextInt(60)];
      for (int j = 0; j < b.length; j++) {
        b[j] = (byte) (i % 3 == 0 ? r.nextInt(0x80) : r.nextInt(256)); // a third all ASCII
      }
      String strict;
      try {
        strict = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(b)).toString();
      } catch (java.nio.charset.CharacterCodingException e) {
        strict = null;
      }
      org.junit.jupiter.api.Assertions.assertEquals(strict, SubmissionValidator.decodeUtf8(b));
    }
    org.junit.jupiter.api.Assertions.assertEquals("h\u00e9", SubmissionValidator.decodeUtf8(new byte[] {'h', (byte) 0xC3, (byte) 0xA9}));
    org.junit.jupiter.api.Assertions.assertNull(SubmissionValidator.decodeUtf8(new byte[] {'h', (byte) 0xC3}));
  }
}
