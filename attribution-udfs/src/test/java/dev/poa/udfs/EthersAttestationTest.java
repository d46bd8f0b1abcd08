package dev.poa.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Attestations signed by ethers.js ({@code signTypedData}, through {@code tools/attestation-sign},
 * installed by {@code npm ci --prefix tools/attestation-sign}) verify in Java, and a replay of one
 * with another time or verdict does not.
 */
@Tag("slow")
class EthersAttestationTest {
  static final Path TOOL = Path.of("..", "tools", "attestation-sign").toAbsolutePath().normalize();
  /** The second account of the standard test mnemonic (a development key, public). */
  static final String KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

  @Test
  void attestationsSignedByEthersVerify() throws Exception {
    assertTrue(Files.isDirectory(TOOL.resolve("node_modules/ethers")),
        "ethers is missing: run npm ci --prefix tools/attestation-sign");
    ProcessBuilder pb = new ProcessBuilder("node", "sign.mjs", "--chain-id", "31337",
        "--contribution", "c_00112233445566778899aabbccddeeff", "--verdict", "invalid", "--attested-at", "2026-11-25T08:00:00Z",
        "--contribution", "c_ffeeddccbbaa99887766554433221100", "--verdict", "valid", "--attested-at", "2026-11-26T23:59:59Z")
        .directory(TOOL.toFile()).redirectErrorStream(true);
    pb.environment().put("POA_VALIDATOR_KEY", KEY);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    List<String> lines = out.strip().lines().toList();
    assertEquals(2, lines.size(), out);

    AttestationValidator validator = new AttestationValidator(31337);
    for (String line : lines) {
      AttestationValidator.Validated v = validator.validateJsonText(line);
      assertNull(v.reason(), v.message() + ": " + line);
      assertEquals("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", v.validator());
    }
    // the same signature with another time, verdict or chain fails
    assertEquals(Reasons.SIGNATURE_MISMATCH, validator.validateJsonText(
        lines.get(0).replace("2026-11-25T08:00:00Z", "2026-11-20T08:00:00Z")).reason());
    assertEquals(Reasons.SIGNATURE_MISMATCH, validator.validateJsonText(
        lines.get(0).replace("\"invalid\"", "\"valid\"")).reason());
    assertEquals(Reasons.SIGNATURE_MISMATCH, new AttestationValidator(1).validateJsonText(lines.get(1)).reason());
  }
}
