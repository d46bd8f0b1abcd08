package dev.poa.udfs;

import java.math.BigInteger;
import java.security.SignatureException;
import java.util.Arrays;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Submission signatures: an EIP-191 {@code personal_sign} by the contributor over the 32 raw bytes
 * of sha256(content as UTF-8). The signed message is therefore
 * {@code "\x19Ethereum Signed Message:\n32" || sha256(content)}, hashed with keccak256, which is
 * what {@code wallet.signMessage(getBytes("0x" + contentSha256Hex))} produces in ethers.js. The
 * signature is 65 bytes r||s||v as 0x-hex, v in {27, 28} (0/1 accepted).
 */
public final class Signatures {
  private Signatures() {}

  /** Result of a check: ok, or a reason code and message. */
  public record Check(boolean ok, String reason, String message) {
    static Check good() {
      return new Check(true, null, null);
    }

    static Check bad(String reason, String message) {
      return new Check(false, reason, message);
    }
  }

  public static Check verify(String signatureHex, byte[] contentSha256, String contributor) {
    return verifyHash(signatureHex, Sign.getEthereumMessageHash(contentSha256), contributor, "contributor");
  }

  /**
   * Checks that {@code signatureHex} over the 32-byte {@code hash} (already the final digest, as
   * EIP-712's or EIP-191's) recovers {@code signer}; {@code role} names the signer in messages.
   */
  public static Check verifyHash(String signatureHex, byte[] hash, String signer, String role) {
    byte[] sig;
    try {
      if (!signatureHex.startsWith("0x") || signatureHex.length() != 132) {
        return Check.bad(
            Reasons.INVALID_SIGNATURE, "signature must be 0x followed by 130 hex digits (65 bytes)");
      }
      sig = Numeric.hexStringToByteArray(signatureHex);
    } catch (RuntimeException e) {
      return Check.bad(Reasons.INVALID_SIGNATURE, "signature is not valid hex");
    }
    byte v = sig[64];
    if (v == 0 || v == 1) {
      v += 27;
    }
    if (v != 27 && v != 28) {
      return Check.bad(Reasons.INVALID_SIGNATURE, "signature v must be 27 or 28, got " + sig[64]);
    }
    Sign.SignatureData data =
        new Sign.SignatureData(v, Arrays.copyOfRange(sig, 0, 32), Arrays.copyOfRange(sig, 32, 64));
    try {
      BigInteger key = Sign.signedMessageHashToKey(hash, data);
      String recovered = "0x" + Keys.getAddress(key);
      if (!recovered.equalsIgnoreCase(signer)) {
        return Check.bad(
            Reasons.SIGNATURE_MISMATCH,
            "signature was made by " + recovered + ", not by " + role + " " + signer);
      }
      return Check.good();
    } catch (SignatureException | RuntimeException e) {
      return Check.bad(Reasons.INVALID_SIGNATURE, "signature does not recover a key: " + e.getMessage());
    }
  }

  /** Signs like personal_sign (for tests, the demo and tools). */
  public static String sign(byte[] contentSha256, org.web3j.crypto.ECKeyPair key) {
    return hex(Sign.signPrefixedMessage(contentSha256, key));
  }

  /** Signs a 32-byte digest as it is (EIP-712's final hash), r||s||v in 0x-hex. */
  public static String signHash(byte[] hash, org.web3j.crypto.ECKeyPair key) {
    return hex(Sign.signMessage(hash, key, false));
  }

  private static String hex(Sign.SignatureData d) {
    byte[] out = new byte[65];
    System.arraycopy(d.getR(), 0, out, 0, 32);
    System.arraycopy(d.getS(), 0, out, 32, 32);
    out[64] = d.getV()[0];
    return Numeric.toHexString(out);
  }
}
