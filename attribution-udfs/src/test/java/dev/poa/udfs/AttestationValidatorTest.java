package dev.poa.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

class AttestationValidatorTest {
  final AttestationValidator v = new AttestationValidator();
  final ECKeyPair key = ECKeyPair.create(BigInteger.valueOf(424242));
  final String address = Keys.toChecksumAddress(Keys.getAddress(key));

  String record(String validator, String contribution, String verdict, String at, String signedVerdict) {
    return "{\"validator\":\"" + validator + "\",\"contribution_id\":\"" + contribution + "\",\"verdict\":\"" + verdict
        + "\",\"attested_at\":\"" + at + "\",\"signature\":\""
        + Signatures.sign(AttestationValidator.statement(contribution, signedVerdict), key) + "\"}";
  }

  @Test
  void signedVerdictsAreCheckedFieldByField() {
    AttestationValidator.Validated ok = v.validateJsonText(record(address, "c_1", "invalid", "2026-01-01T00:00:00Z", "invalid"));
    assertNull(ok.reason(), ok.message());
    assertEquals(address.toLowerCase(java.util.Locale.ROOT), ok.validator());
    assertEquals("invalid", ok.verdict());
    // a signature over another verdict does not carry over
    assertEquals(Reasons.SIGNATURE_MISMATCH,
        v.validateJsonText(record(address, "c_1", "valid", "2026-01-01T00:00:00Z", "invalid")).reason());
    assertEquals(Reasons.INVALID_VERDICT, v.validateJsonText(record(address, "c_1", "maybe", "2026-01-01T00:00:00Z", "maybe")).reason());
    assertEquals(Reasons.INVALID_TIMESTAMP, v.validateJsonText(record(address, "c_1", "valid", "yesterday", "valid")).reason());
    assertEquals(Reasons.INVALID_ADDRESS, v.validateJsonText(record("0x1234", "c_1", "valid", "2026-01-01T00:00:00Z", "valid")).reason());
    assertEquals(Reasons.MISSING_FIELD, v.validateJsonText("{\"validator\":\"" + address + "\"}").reason());
    assertEquals(Reasons.MALFORMED_JSON, v.validateJsonText("{").reason());
  }
}
