package dev.poa.udfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InferenceLogValidatorTest {
  final InferenceLogValidator v = new InferenceLogValidator(Set.of("ad-1"));

  static String log(String fee, String extra) {
    return "{\"request_id\":\"r1\",\"adapter_id\":\"ad-1\",\"served_at\":\"2026-11-26T23:30:00-02:00\","
        + "\"prompt\":\"p\",\"completion\":\"c\",\"fee_wei\":" + fee + extra + "}";
  }

  String reason(String json) {
    return v.validateJsonText(json).reason();
  }

  @Test
  void feesAreExactIntegersInWei() {
    InferenceLogValidator.Validated ok = v.validateJsonText(log("\"123456789012345678901234567890\"", ""));
    assertNull(ok.reason(), ok.message());
    assertEquals(new BigInteger("123456789012345678901234567890"), ok.feeWei());
    assertEquals(new BigInteger("1000000000000000000000"), v.validateJsonText(log("1000000000000000000000", "")).feeWei());
    assertEquals(Reasons.NEGATIVE_FEE, reason(log("-5", "")));
    assertEquals(Reasons.NEGATIVE_FEE, reason(log("\"-5\"", "")));
    assertEquals(Reasons.INVALID_FEE, reason(log("1.5", "")));
    assertEquals(Reasons.INVALID_FEE, reason(log("1e18", "")));
    assertEquals(Reasons.INVALID_FEE, reason(log("\"12a\"", "")));
    assertEquals(Reasons.INVALID_FEE, reason(log("\"" + "9".repeat(39) + "\"", "")));
    assertEquals(Reasons.WRONG_TYPE, reason(log("true", "")));
  }

  @Test
  void theEpochIsTheUtcDayOfServedAt() {
    assertEquals("2026-11-27", v.validateJsonText(log("1", "")).epoch()); // 23:30 at -02:00 is 01:30 UTC next day
    assertEquals("2026-11-27", Epochs.resolve("2026-11-27"));
    assertEquals("2026-11-27", Epochs.resolve("2026-11-27T10:00:00+05:00"));
    assertEquals("2026-11-26", Epochs.resolve("2026-11-27T01:00:00+05:00"));
    assertThrows(IllegalArgumentException.class, () -> Epochs.resolve("yesterday"));
  }

  @Test
  void badRecordsGetReasons() {
    assertEquals(Reasons.UNKNOWN_ADAPTER, reason(log("1", "").replace("ad-1", "ad-9")));
    assertEquals(Reasons.INVALID_TIMESTAMP, reason(log("1", "").replace("-02:00", "")));
    assertEquals(Reasons.MISSING_FIELD, reason("{\"request_id\":\"r1\"}"));
    assertEquals(Reasons.WRONG_TYPE, reason(log("1", "").replace("\"c\"", "7")));
    assertEquals(Reasons.INVALID_SKETCH, reason(log("1", ",\"gradient_sketch\":[1,2]")));
    assertEquals(Reasons.INVALID_SKETCH, reason(log("1", ",\"gradient_sketch\":[1,\"x\"],\"sketch_spec\":\"rp1:k=2:seed=1\"")));
    // the spec must be known, and the sketch must have its k numbers
    assertEquals(Reasons.INVALID_SKETCH, reason(log("1", ",\"gradient_sketch\":[1,2],\"sketch_spec\":\"trak-v1\"")));
    assertEquals(Reasons.INVALID_SKETCH, reason(log("1", ",\"gradient_sketch\":[1,2,3],\"sketch_spec\":\"rp1:k=2:seed=1\"")));
    assertEquals(Reasons.MALFORMED_JSON, reason("{"));
    InferenceLogValidator.Validated sk = v.validateJsonText(log("1", ",\"gradient_sketch\":[0.5,-1.25],\"sketch_spec\":\"rp1:k=2:seed=1\""));
    assertArrayEquals(new float[] {0.5f, -1.25f}, sk.sketch());
  }

  @Test
  void adapterSpecsAreCheckedFieldByField() {
    String ok = "{\"adapter_id\":\"med-lora-1\",\"base_model\":\"tiny-llama\",\"owner\":\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\","
        + "\"datanets\":[\"medical\"],\"rank\":8,\"alpha\":16,\"target_modules\":[\"q_proj\",\"v_proj\"],\"artifact_uri\":\"s3a://m/a\"}";
    AdapterSpec a = AdapterSpec.parse(ok);
    assertEquals("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", a.owner());
    assertEquals(List.of("q_proj", "v_proj"), a.targetModules());
    assertNull(a.trainingSet());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdapterSpec.parse(ok.replace("8", "0")));
    assertTrue(e.getMessage().contains("rank"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> AdapterSpec.parse(ok.replace("\"medical\"", "\"Medical!\"")));
    assertThrows(IllegalArgumentException.class, () -> AdapterSpec.parse(ok.replace("0x5aAeb", "0x5AAeb")));
  }
}
