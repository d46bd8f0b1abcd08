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
    List<Integer> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int len = Character.charCount(cp);
      if (isWordChar(cp)) {
        if (start < 0) {
          start = i;
        }
      } else {
        if (start >= 0) {
          out.add(start);
          out.add(i);
          start = -1;
        }
        if (!Character.isWhitespace(cp) && !Character.isSpaceChar(cp)) {
          out.add(i);
          out.add(i + len);
        }
      }
      i += len;
    }
    if (start >= 0) {
      out.add(start);
      out.add(text.length());
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  public static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int len = Character.charCount(cp);
      if (isWordChar(cp)) {
        if (start < 0) {
          start = i;
        }
      } else {
        if (start >= 0) {
          out.add(text.substring(start, i));
          start = -1;
        }
        if (!Character.isWhitespace(cp) && !Character.isSpaceChar(cp)) {
          out.add(text.substring(i, i + len));
        }
      }
      i += len;
    }
    if (start >= 0) {
      out.add(text.substring(start));
    }
    return out;
  }
}
