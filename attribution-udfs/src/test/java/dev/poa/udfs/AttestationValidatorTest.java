package dev.poa.udfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigInteger;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.StructuredDataEncoder;

class AttestationValidatorTest {
  static final long CHAIN = 31337;
  final AttestationValidator v = new AttestationValidator(CHAIN);
  final ECKeyPair key = ECKeyPair.create(BigInteger.valueOf(424242));
  final String address = Keys.toChecksumAddress(Keys.getAddress(key));

  /** A record whose fields are {@code at} and {@code verdict}, signed over {@code signedAt} and {@code signedVerdict}. */
  String record(String validator, String contribution, String verdict, String at, String signedVerdict, String signedAt,
      long chain) {
    return "{\"validator\":\"" + validator + "\",\"contribution_id\":\"" + contribution + "\",\"verdict\":\"" + verdict
        + "\",\"attested_at\":\"" + at + "\",\"signature\":\""
        + AttestationTypedData.sign(chain, address, contribution, signedVerdict, Instant.parse(signedAt), key) + "\"}";
  }

  String record(String validator, String contribution, String verdict, String at) {
    return record(validator, contribution, verdict, at, verdict, at, CHAIN);
  }

  @Test
  void signedVerdictsAreCheckedFieldByField() {
    String t = "2026-01-01T00:00:00Z";
    AttestationValidator.Validated ok = v.validateJsonText(record(address, "c_1", "invalid", t));
    assertNull(ok.reason(), ok.message());
    assertEquals(address.toLowerCase(java.util.Locale.ROOT), ok.validator());
    assertEquals("invalid", ok.verdict());
    assertEquals(Instant.parse(t), ok.attestedAt());
    // the same instant written with another offset is the same signed message
    assertNull(v.validateJsonText(record(address, "c_1", "invalid", "2026-01-01T02:00:00+02:00", "invalid", t, CHAIN))
        .reason());
    // a signature over another verdict, another time or another chain does not carry over
    assertEquals(Reasons.SIGNATURE_MISMATCH, v.validateJsonText(record(address, "c_1", "valid", t, "invalid", t, CHAIN)).reason());
    assertEquals(Reasons.SIGNATURE_MISMATCH,
        v.validateJsonText(record(address, "c_1", "invalid", "2025-12-01T00:00:00Z", "invalid", t, CHAIN)).reason());
    assertEquals(Reasons.SIGNATURE_MISMATCH, v.validateJsonText(record(address, "c_1", "invalid", t, "invalid", t, 1)).reason());
    assertEquals(Reasons.INVALID_TIMESTAMP,
        v.validateJsonText(record(address, "c_1", "valid", "2026-01-01T00:00:00.5Z", "valid", t, CHAIN)).reason());
    assertEquals(Reasons.INVALID_VERDICT, v.validateJsonText(record(address, "c_1", "maybe", t)).reason());
    assertEquals(Reasons.INVALID_TIMESTAMP, v.validateJsonText(record(address, "c_1", "valid", "yesterday", "valid", t, CHAIN))
        .reason());
    assertEquals(Reasons.INVALID_ADDRESS, v.validateJsonText(record("0x1234", "c_1", "valid", t)).reason());
    assertEquals(Reasons.MISSING_FIELD, v.validateJsonText("{\"validator\":\"" + address + "\"}").reason());
    assertEquals(Reasons.MALFORMED_JSON, v.validateJsonText("{").reason());
  }

  @Test
  void theDigestIsWeb3jsEip712EncodingOfTheTypedData() throws Exception {
    Instant at = Instant.parse("2026-11-25T12:34:56Z");
    for (String contribution : new String[] {"c_0123456789abcdef0123456789abcdef", "c_\"quoted\"", "ü"}) {
      byte[] ours = AttestationTypedData.digest(CHAIN, address, contribution, "valid", at);
      byte[] web3j = new StructuredDataEncoder(AttestationTypedData.json(CHAIN, address, contribution, "valid", at))
          .hashStructuredData();
      assertArrayEquals(web3j, ours, contribution);
    }
  }
}
