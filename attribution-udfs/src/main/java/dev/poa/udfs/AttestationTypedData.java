package dev.poa.udfs;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * What a validator signs: EIP-712 typed data, so that every field that decides a payment is
 * signed (who attests, which contribution, the verdict, and when) and a wallet shows it as fields.
 *
 * <pre>
 * domain:  EIP712Domain(string name,string version,uint256 chainId)
 *          name "poa", version "1", chainId = the settlement chain (poa.chain.id)
 * message: Attestation(address validator,string contributionId,string verdict,uint64 attestedAt)
 *          attestedAt = attested_at in Unix seconds
 * digest:  keccak256(0x1901 || domainSeparator || hashStruct(message))
 * </pre>
 *
 * In ethers.js: {@code wallet.signTypedData(domain, {Attestation: [...]}, message)}; in web3.py:
 * {@code Account.sign_typed_data(key, domain, types, message)}. The encoding is written out here
 * (no JSON schema parsing) because it runs once per record on the executors; it is checked against
 * ethers.js and Web3j's {@code StructuredDataEncoder} in the tests.
 */
public final class AttestationTypedData {
  private AttestationTypedData() {}

  public static final String SCHEME = "eip712-v1";
  public static final String DOMAIN_NAME = "poa";
  public static final String DOMAIN_VERSION = "1";
  public static final String DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId)";
  public static final String ATTESTATION_TYPE =
      "Attestation(address validator,string contributionId,string verdict,uint64 attestedAt)";

  private static final byte[] DOMAIN_TYPE_HASH = keccak(DOMAIN_TYPE);
  private static final byte[] ATTESTATION_TYPE_HASH = keccak(ATTESTATION_TYPE);

  /** The domain separator of a chain. */
  public static byte[] domainSeparator(long chainId) {
    return Hash.sha3(concat(DOMAIN_TYPE_HASH, keccak(DOMAIN_NAME), keccak(DOMAIN_VERSION), uint256(BigInteger.valueOf(chainId))));
  }

  /** hashStruct of an attestation. */
  public static byte[] structHash(String validator, String contributionId, String verdict, Instant attestedAt) {
    return Hash.sha3(concat(ATTESTATION_TYPE_HASH, address(validator), keccak(contributionId), keccak(verdict),
        uint256(BigInteger.valueOf(attestedAt.getEpochSecond()))));
  }

  /** The 32 bytes a validator's key signs. */
  public static byte[] digest(long chainId, String validator, String contributionId, String verdict, Instant attestedAt) {
    return Hash.sha3(concat(new byte[] {0x19, 0x01}, domainSeparator(chainId),
        structHash(validator, contributionId, verdict, attestedAt)));
  }

  /** The typed data as JSON, as {@code eth_signTypedData_v4} and Web3j's StructuredDataEncoder take it. */
  public static String json(long chainId, String validator, String contributionId, String verdict, Instant attestedAt) {
    return "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"version\",\"type\":\"string\"},"
        + "{\"name\":\"chainId\",\"type\":\"uint256\"}],\"Attestation\":[{\"name\":\"validator\",\"type\":\"address\"},"
        + "{\"name\":\"contributionId\",\"type\":\"string\"},{\"name\":\"verdict\",\"type\":\"string\"},"
        + "{\"name\":\"attestedAt\",\"type\":\"uint64\"}]},\"primaryType\":\"Attestation\",\"domain\":{\"name\":\""
        + DOMAIN_NAME + "\",\"version\":\"" + DOMAIN_VERSION + "\",\"chainId\":" + chainId + "},\"message\":{\"validator\":\""
        + validator + "\",\"contributionId\":\"" + jsonEscape(contributionId) + "\",\"verdict\":\"" + jsonEscape(verdict)
        + "\",\"attestedAt\":" + attestedAt.getEpochSecond() + "}}";
  }

  /** Signs an attestation (tests, the demo, tools). */
  public static String sign(long chainId, String validator, String contributionId, String verdict, Instant attestedAt,
      org.web3j.crypto.ECKeyPair key) {
    return Signatures.signHash(digest(chainId, validator, contributionId, verdict, attestedAt), key);
  }

  private static byte[] keccak(String s) {
    return Hash.sha3(s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] address(String hex) {
    return Numeric.toBytesPadded(Numeric.toBigInt(hex), 32);
  }

  private static byte[] uint256(BigInteger v) {
    return Numeric.toBytesPadded(v, 32);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static String jsonEscape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
