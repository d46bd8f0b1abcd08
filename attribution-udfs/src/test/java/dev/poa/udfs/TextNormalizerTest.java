package dev.poa.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {
  @Test
  void foldsWhitespaceCaseAndCompatibilityForms() {
    assertEquals("hello world", TextNormalizer.normalize("  Hello\t\n  WORLD \u00a0"));
    assertEquals("fine office", TextNormalizer.normalize("\ufb01ne o\ufb03ce")); // ligatures
    assertEquals("abc 123", TextNormalizer.normalize("\uff21\uff22\uff23 \uff11\uff12\uff13")); // full-width
    assertEquals("strasse", TextNormalizer.normalize("STRAßE"));
    assertEquals("zerowidth", TextNormalizer.normalize("zero\u200bwidth\ufeff"));
  }

  @Test
  void keepsPunctuationAndDigits() {
    assertNotEquals(TextNormalizer.normalize("pay 10 units."), TextNormalizer.normalize("pay 100 units."));
    assertEquals("a, b.", TextNormalizer.normalize("a,   b."));
  }

  @Test
  void blankTextNormalisesToEmpty() {
    assertEquals("", TextNormalizer.normalize(" \t\n\u2003 "));
  }

  @Test
  void asciiPathGivesWhatTheDefinitionGives() {
    for (char c = 0; c < 0x80; c++) { // every ASCII character, alone and between letters
      for (String t : new String[] {String.valueOf(c), "A" + c + "b", c + "x" + c + c + "Y" + c}) {
        assertEquals(TextNormalizer.normalizeUnicode(t), TextNormalizer.normalizeAscii(t), "U+" + Integer.toHexString(c));
      }
    }
    java.util.Random r = new java.util.Random(5);
    for (int i = 0; i < 2000; i++) {
      char[] cs = new char[r.nextInt(200)];
      for (int j = 0; j < cs.length; j++) {
        cs[j] = (char) (r.nextInt(4) == 0 ? r.nextInt(0x20) : r.nextInt(0x80));
      }
      String t = new String(cs);
      assertEquals(TextNormalizer.normalizeUnicode(t), TextNormalizer.normalizeAscii(t));
      assertEquals(TextNormalizer.normalizeUnicode(t), TextNormalizer.normalize(t));
    }
    assertEquals(null, TextNormalizer.normalizeAscii("caf\u00e9"), "not ASCII: the general path");
    assertEquals("caf\u00e9 ok", TextNormalizer.normalize("CAF\u00c9  ok"));
  }
}
