package dev.poa.udfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TrainingGradientValidatorTest {
  final TrainingGradientValidator v = new TrainingGradientValidator();

  String reason(String line) {
    return v.validateJsonText(line).reason();
  }

  @Test
  void recordsAreCheckedFieldByField() {
    TrainingGradientValidator.Validated ok =
        v.validateJsonText("{\"contribution_id\":\"c_1\",\"sketch\":[1,-0.5,2e-3],\"sketch_spec\":\"rp1:k=3:seed=9\"}");
    assertNull(ok.reason());
    assertEquals("c_1", ok.contributionId());
    assertEquals("rp1:k=3:seed=9", ok.sketchSpec());
    assertArrayEquals(new float[] {1f, -0.5f, 2e-3f}, ok.sketch());

    assertEquals(Reasons.MISSING_FIELD, reason("{\"sketch\":[1],\"sketch_spec\":\"rp1:k=1:seed=9\"}"));
    assertEquals(Reasons.WRONG_TYPE, reason("{\"contribution_id\":5,\"sketch\":[1],\"sketch_spec\":\"rp1:k=1:seed=9\"}"));
    assertEquals(Reasons.MISSING_FIELD, reason("{\"contribution_id\":\"c\",\"sketch_spec\":\"rp1:k=1:seed=9\"}"));
    assertEquals(Reasons.INVALID_SKETCH, reason("{\"contribution_id\":\"c\",\"sketch\":[1,2],\"sketch_spec\":\"rp1:k=1:seed=9\"}"));
    assertEquals(Reasons.INVALID_SKETCH, reason("{\"contribution_id\":\"c\",\"sketch\":[1],\"sketch_spec\":\"gaussian\"}"));
    assertEquals(Reasons.INVALID_SKETCH, reason("{\"contribution_id\":\"c\",\"sketch\":[\"NaN\"],\"sketch_spec\":\"rp1:k=1:seed=9\"}"));
    assertEquals(Reasons.INVALID_SKETCH, reason("{\"contribution_id\":\"c\",\"sketch\":[1e39],\"sketch_spec\":\"rp1:k=1:seed=9\"}"));
    assertEquals(Reasons.INVALID_SKETCH, reason("{\"contribution_id\":\"c\",\"sketch\":[1]}"));
    assertEquals(Reasons.MALFORMED_JSON, reason("{\"contribution_id\":"));
    assertEquals(Reasons.NOT_AN_OBJECT, reason("[1]"));
    assertEquals(Reasons.EMPTY_LINE, reason("  "));
    assertEquals(Reasons.INVALID_UTF8, v.validateJsonLine(new byte[] {'{', (byte) 0xC3, '}'}).reason());
    assertNull(v.validateJsonLine("{\"contribution_id\":\"c\",\"sketch\":[1],\"sketch_spec\":\"rp1:k=1:seed=9\"}"
        .getBytes(StandardCharsets.UTF_8)).reason());
  }

  @Test
  void tokenBoundariesCoverExactlyTheTokens() {
    String text = "Héllo,  wörld_1 x=2";
    int[] b = Tokenizer.boundaries(text);
    String[] tokens = Tokenizer.tokens(text).toArray(new String[0]);
    assertEquals(tokens.length * 2, b.length);
    for (int i = 0; i < tokens.length; i++) {
      assertEquals(tokens[i], text.substring(b[2 * i], b[2 * i + 1]));
    }
    assertArrayEquals(new String[] {"héllo", ",", "wörld_1", "x", "=", "2"}, Tokenizer.lowerTokens(text));
  }
}
