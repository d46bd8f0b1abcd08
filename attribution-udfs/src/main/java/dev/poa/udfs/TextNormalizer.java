package dev.poa.udfs;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The normal form that exact and near-duplicate detection compare. In order:
 *
 * <ol>
 *   <li>Unicode NFKC (compatibility forms fold: ligatures, full-width letters, superscripts);
 *   <li>format characters (Unicode category Cf: zero-width space/joiners, BOM, soft hyphen) are
 *       removed;
 *   <li>case folding, as {@code toLowerCase(toUpperCase(s))} in the root locale, which maps
 *       e.g. "ß" to "ss" and final sigma to sigma, like full Unicode case folding does;
 *   <li>whitespace folding: every run of whitespace or separator characters (Java whitespace and
 *       Unicode category Z, including no-break spaces) becomes one ASCII space; leading and
 *       trailing whitespace is removed.
 * </ol>
 *
 * Punctuation and digits are kept: two documents that differ in them are different documents.
 */
public final class TextNormalizer {
  private TextNormalizer() {}

  public static String normalize(String text) {
    String ascii = normalizeAscii(text);
    return ascii != null ? ascii : normalizeUnicode(text);
  }

  /**
   * The same steps for a text of ASCII characters only, or null for any other text. On ASCII,
   * NFKC changes nothing, no character is a format character, case folding lower-cases A–Z, and
   * the whitespace characters are TAB, LF, VT, FF, CR, the four separators U+001C–U+001F and the
   * space: one pass over the characters, without the three copies of the general path.
   */
  static String normalizeAscii(String text) {
    int n = text.length();
    byte[] out = new byte[n];
    int len = 0;
    boolean pendingSpace = false;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        return null;
      }
      if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) {
        pendingSpace = len > 0;
        continue;
      }
      if (pendingSpace) {
        out[len++] = ' ';
        pendingSpace = false;
      }
      out[len++] = (byte) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    return new String(out, 0, len, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** The steps as defined, for any text. */
  static String normalizeUnicode(String text) {
    String nfkc = Normalizer.normalize(text, Normalizer.Form.NFKC);
    String folded = nfkc.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(folded.length());
    boolean pendingSpace = false;
    for (int i = 0; i < folded.length(); ) {
      int cp = folded.codePointAt(i);
      i += Character.charCount(cp);
      int type = Character.getType(cp);
      if (type == Character.FORMAT) {
        continue;
      }
      if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
        pendingSpace = out.length() > 0;
        continue;
      }
      if (pendingSpace) {
        out.append(' ');
        pendingSpace = false;
      }
      out.appendCodePoint(cp);
    }
    return out.toString();
  }
}
