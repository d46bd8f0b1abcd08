package dev.poa.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

class AddressesAndSignaturesTest {
  // EIP-55 test vector from the EIP.
  static final String CHECKSUMMED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

  @Test
  void eip55() {
    assertNull(Addresses.problem(CHECKSUMMED));
    assertNull(Addresses.problem(CHECKSUMMED.toLowerCase()));
    assertNull(Addresses.problem("0x" + CHECKSUMMED.substring(2).toUpperCase()));
    assertTrue(Addresses.problem("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").contains("EIP-55"));
    assertNotNull(Addresses.problem("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"));
    assertNotNull(Addresses.problem("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00"));
    assertEquals(CHECKSUMMED.toLowerCase(), Addresses.canonical(CHECKSUMMED));
  }

  @Test
  void hex40AgreesWithTheRegexAtEveryCharacterBoundary() {
    java.util.regex.Pattern regex = java.util.regex.Pattern.compile("0x[0-9a-fA-F]{40}");
    String base = CHECKSUMMED.substring(2);
    List<String> cases = new java.util.ArrayList<>(List.of(CHECKSUMMED, "", "0x", "0X" + base, "1x" + base, "0x" + base + "0",
        "0x" + base.substring(1), " " + CHECKSUMMED, CHECKSUMMED + "\n"));
    // every character around the hex ranges and some beyond ASCII (digits and letters Character.digit accepts)
    for (char c : "/09:@AFG`afg\u0660\uff10\uff21".toCharArray()) {
      cases.add("0x" + c + base.substring(1));
      cases.add("0x" + base.substring(0, 39) + c);
    }
    for (String c : cases) {
      assertEquals(regex.matcher(c).matches(), Addresses.isHex40(c), c);
    }
    assertFalse(Addresses.isHex40(null));
  }

  @Test
  void personalSignRoundTripAndMismatch() {
    // The first key of the standard test mnemonic (anvil/hardhat account 0).
    ECKeyPair key = ECKeyPair.create(new BigInteger("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", 16));
    String address = "0x" + Keys.getAddress(key);
    assertEquals("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", address);
    byte[] sha = SubmissionValidator.sha256("hello".getBytes(StandardCharsets.UTF_8));
    String sig = Signatures.sign(sha, key);
    assertTrue(Signatures.verify(sig, sha, address).ok());
    Signatures.Check other = Signatures.verify(sig, sha, "0x0000000000000000000000000000000000000001");
    assertFalse(other.ok());
    assertEquals(Reasons.SIGNATURE_MISMATCH, other.reason());
    byte[] otherSha = SubmissionValidator.sha256("hullo".getBytes(StandardCharsets.UTF_8));
    assertEquals(Reasons.SIGNATURE_MISMATCH, Signatures.verify(sig, otherSha, address).reason());
    assertEquals(Reasons.INVALID_SIGNATURE, Signatures.verify("0xzz", sha, address).reason());
  }

  @Test
  void spdx() {
    assertTrue(Spdx.isValidExpression("MIT"));
    assertTrue(Spdx.isValidExpression("mit"));
    assertTrue(Spdx.isValidExpression("Apache-2.0 OR MIT"));
    assertTrue(Spdx.isValidExpression("(MIT AND CC-BY-4.0) OR LicenseRef-acme-1"));
    assertTrue(Spdx.isValidExpression("GPL-2.0-or-later WITH Classpath-exception-2.0"));
    assertFalse(Spdx.isValidExpression("Not-A-License"));
    assertFalse(Spdx.isValidExpression("MIT OR"));
    assertFalse(Spdx.isValidExpression("(MIT"));
    assertFalse(Spdx.isValidExpression(""));
  }
}
