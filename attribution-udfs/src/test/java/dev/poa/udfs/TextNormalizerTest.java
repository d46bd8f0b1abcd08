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
}
