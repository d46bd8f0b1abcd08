package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.serving.AdapterRegistry;
import dev.poa.jobs.serving.LogIngestJob;
import dev.poa.udfs.AdapterSpec;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferenceLogsTest {
  static String adapter(String id, String trainingSet) {
    return "{\"adapter_id\":\"" + id + "\",\"base_model\":\"tiny-llama\",\"owner\":\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\","
        + "\"datanets\":[\"news\"],\"rank\":8,\"alpha\":16,\"target_modules\":[\"q_proj\",\"v_proj\"],"
        + "\"artifact_uri\":\"file:///adapters/" + id + "\"" + trainingSet + "}";
  }

  static String log(String requestId, String adapter, String servedAt, String fee) {
    return "{\"request_id\":\"" + requestId + "\",\"adapter_id\":\"" + adapter + "\",\"served_at\":\"" + servedAt
        + "\",\"prompt\":\"q\",\"completion\":\"answer\",\"fee_wei\":" + fee + "}";
  }

  @Test
  void adaptersLogsAndEpochs(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    Path subs = SharedSpark.write(dir.resolve("s.jsonl"), IngestValidationTest.rec("news", "first text", "") + "\n"
        + IngestValidationTest.rec("news", "second text", "") + "\n");
    IngestFixtures.ingest(t, IngestFixtures.config("s", subs));
    long contributionsSnapshot = t.lakehouse().currentSnapshotId(dev.poa.schemas.Tables.CONTRIBUTIONS);

    AdapterRegistry.Registered all = AdapterRegistry.register(t.lakehouse(), AdapterSpec.parse(adapter("ad-all", "")));
    assertEquals(2, all.trainingSetSize());
    assertEquals(contributionsSnapshot, all.contributionsSnapshotId());
    String oneId = t.spark().table(t.table("datanet.contributions")).first().getAs("contribution_id");
    AdapterRegistry.Registered one =
        AdapterRegistry.register(t.lakehouse(), AdapterSpec.parse(adapter("ad-one", ",\"training_set\":[\"" + oneId + "\"]")));
    assertEquals(1, one.trainingSetSize());
    assertThrows(AdapterRegistry.AdapterExistsException.class,
        () -> AdapterRegistry.register(t.lakehouse(), AdapterSpec.parse(adapter("ad-one", ""))));
    assertThrows(IllegalArgumentException.class, () -> AdapterRegistry.register(t.lakehouse(),
        AdapterSpec.parse(adapter("ad-bad", ",\"training_set\":[\"c_nope\"]"))));

    Path logs = SharedSpark.write(dir.resolve("logs.jsonl"), String.join("\n", List.of(
        log("r1", "ad-all", "2026-11-26T10:00:00Z", "\"1000000000000000000\""),
        log("r2", "ad-one", "2026-11-26T23:59:59Z", "250"),
        log("r1", "ad-all", "2026-11-26T10:00:00Z", "\"1000000000000000000\""), // redelivered
        log("r3", "ad-one", "2026-11-27T00:00:00Z", "7"),
        log("r4", "ad-zzz", "2026-11-27T00:00:00Z", "7"),
        log("r5", "ad-one", "2026-11-27T00:00:00Z", "-7"),
        log("r6", "ad-one", "2026-11-27T00:00:00Z", "0.5"))) + "\n");
    LogIngestJob.Result r = new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(List.of(logs.toString()), null, "l1"));
    assertEquals(7, r.read());
    assertEquals(3, r.accepted());
    assertEquals(1, r.duplicateRequest());
    assertEquals(Map.of("unknown_adapter", 1L, "negative_fee", 1L, "invalid_fee", 1L), r.rejectedByReason());
    assertTrue(r.reconciles());

    // Redelivery in a later batch is dropped too; a rerun of a batch changes nothing.
    Path again = SharedSpark.write(dir.resolve("again.jsonl"), log("r3", "ad-one", "2026-11-27T00:00:00Z", "7") + "\n");
    LogIngestJob.Result r2 = new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(List.of(again.toString()), null, "l2"));
    assertEquals(1, r2.duplicateRequest());
    assertTrue(new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(List.of(logs.toString()), null, "l1")).alreadyIngested());

    List<Row> epochs = t.spark().sql("SELECT epoch, count(*), sum(fee_wei) FROM " + t.table("serving.inference_logs")
        + " GROUP BY epoch ORDER BY epoch").collectAsList();
    assertEquals("2026-11-26", epochs.get(0).getString(0));
    assertEquals(2L, epochs.get(0).getLong(1));
    assertEquals(new BigDecimal("1000000000000000250"), epochs.get(0).getDecimal(2));
    assertEquals("2026-11-27", epochs.get(1).getString(0));
    assertEquals(3L, t.spark().table(t.table("serving.inference_log_rejects")).count());
    assertThrows(IllegalArgumentException.class, () -> new LogIngestJob.Config(List.of(logs.toString()), null, "bad id!"));
  }
}
