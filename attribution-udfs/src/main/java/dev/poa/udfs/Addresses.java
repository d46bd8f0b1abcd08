package dev.poa.udfs;

import org.web3j.crypto.Keys;

/** Ethereum address checks: format and EIP-55 mixed-case checksum. */
public final class Addresses {
  private Addresses() {}

  /** Why an address is not acceptable, or null when it is. */
  public static String problem(String address) {
    if (!isHex40(address)) {
      return "not 0x followed by 40 hex digits";
    }
    String hex = address.substring(2);
    boolean allLower = hex.equals(hex.toLowerCase(java.util.Locale.ROOT));
    boolean allUpper = hex.equals(hex.toUpperCase(java.util.Locale.ROOT));
    if (allLower || allUpper) {
      return null;
    }
    String expected = Keys.toChecksumAddress(address.toLowerCase(java.util.Locale.ROOT));
    if (!expected.equals(address)) {
      return "mixed-case address fails its EIP-55 checksum (expected " + expected + ")";
    }
    return null;
  }

  /**
   * "0x" followed by 40 hex digits, either case. Checked by hand, not by a regex: every Merkle
   * leaf passes through here, and a regex match cost more than the leaf's two hashes.
   */
  public static boolean isHex40(String s) {
    if (s == null || s.length() != 42 || s.charAt(0) != '0' || s.charAt(1) != 'x') {
      return false;
    }
    for (int i = 2; i < 42; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  /** The canonical form stored in the lakehouse: lower-case 0x-hex. */
  public static String canonical(String address) {
    return "0x" + address.substring(2).toLowerCase(java.util.Locale.ROOT);
  }
}
