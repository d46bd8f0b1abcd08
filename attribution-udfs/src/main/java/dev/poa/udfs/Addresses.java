package dev.poa.udfs;

import java.util.regex.Pattern;
import org.web3j.crypto.Keys;

/** Ethereum address checks: format and EIP-55 mixed-case checksum. */
public final class Addresses {
  private static final Pattern HEX40 = Pattern.compile("0x[0-9a-fA-F]{40}");

  private Addresses() {}

  /** Why an address is not acceptable, or null when it is. */
  public static String problem(String address) {
    if (!HEX40.matcher(address).matches()) {
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

  /** The canonical form stored in the lakehouse: lower-case 0x-hex. */
  public static String canonical(String address) {
    return "0x" + address.substring(2).toLowerCase(java.util.Locale.ROOT);
  }
}
