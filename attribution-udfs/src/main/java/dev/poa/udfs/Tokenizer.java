package dev.poa.udfs;

import java.util.ArrayList;
import java.util.List;

/**
 * The default tokenizer: a token is a maximal run of letters, digits, combining marks and
 * underscores, or any single other non-whitespace character (punctuation, symbols). It is
 * language-agnostic and deterministic; counts are used for contribution sizes and attribution.
 */
public final class Tokenizer {
  private Tokenizer() {}

  private static boolean isWordChar(int cp) {
    return Character.isLetterOrDigit(cp)
        || cp == '_'
        || Character.getType(cp) == Character.NON_SPACING_MARK
        || Character.getType(cp) == Character.COMBINING_SPACING_MARK;
  }

  public static int count(String text) {
    int n = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (isWordChar(cp)) {
        if (!inWord) {
          n++;
          inWord = true;
        }
      } else {
        inWord = false;
        if (!Character.isWhitespace(cp) && !Character.isSpaceChar(cp)) {
          n++;
        }
      }
    }
    return n;
  }

  /** Tokens lower-cased (Locale.ROOT): what span attribution matches on. Null for null. */
  public static String[] lowerTokens(String text) {
    if (text == null) {
      return null;
    }
    List<String> t = tokens(text);
    String[] out = new String[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.get(i).toLowerCase(java.util.Locale.ROOT);
    }
    return out;
  }

  /** Character ranges of the tokens: {@code [start0, end0, start1, end1, ...]}, end exclusive. */
  public static int[] boundaries(String text) {
    int[] out = new int[16];
    int n = 0;
    int start = -1;
    for (int i = 0; i <= text.length(); ) {
      int cp = i < text.length() ? text.codePointAt(i) : ' ';
      int len = i < text.length() ? Character.charCount(cp) : 1;
      if (i < text.length() && isWordChar(cp)) {
        if (start < 0) {
          start = i;
        }
      } else {
        if (start >= 0) {
          out = grow(out, n + 2);
          out[n++] = start;
          out[n++] = i;
          start = -1;
        }
        if (i < text.length() && !Character.isWhitespace(cp) && !Character.isSpaceChar(cp)) {
          out = grow(out, n + 2);
          out[n++] = i;
          out[n++] = i + len;
        }
      }
      i += len;
    }
    return java.util.Arrays.copyOf(out, n);
  }

  private static int[] grow(int[] a, int need) {
    return need <= a.length ? a : java.util.Arrays.copyOf(a, Math.max(need, a.length * 2));
  }

  public static List<String> tokens(String text) {
    int[] b = boundaries(text);
    List<String> out = new ArrayList<>(b.length / 2);
    for (int i = 0; i < b.length; i += 2) {
      out.add(text.substring(b[i], b[i + 1]));
    }
    return out;
  }
}
