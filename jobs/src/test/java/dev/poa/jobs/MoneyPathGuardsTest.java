package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.attribution.AttributeJob;
import dev.poa.jobs.attribution.GradientAttribution;
import dev.poa.jobs.attribution.PublishedAttribution;
import dev.poa.jobs.attribution.SpanAttribution;
import dev.poa.jobs.eval.SpanEval;
import dev.poa.jobs.rewards.RewardsJob;
import dev.poa.jobs.serving.LogIngestJob;
import dev.poa.jobs.settlement.SettleJob;
import dev.poa.schemas.NotReadyException;
import dev.poa.udfs.rewards.RewardPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stages that move money check their own preconditions: rewards of an epoch that is not
 * completely and currently attributed, not over, or with an earlier epoch left behind are refused
 * with "not ready" (exit 8) and write nothing; attribution of a finalised epoch is refused (exit
 * 4); a run that stops half-way publishes nothing; a second manifest row for an epoch cannot be
 * committed; amounts beyond decimal(38,0) fail loudly. Each fault is produced for real: the half
 * attribution stops because another process holds the SQLite catalog when it commits.
 */
class MoneyPathGuardsTest {
  static final String TREASURY = RewardsTest.TREASURY;
  static final ObjectMapper JSON = new ObjectMapper();

  static String log(String id, String servedAt, String completion, String fee) {
    ObjectNode o = JSON.createObjectNode();
    o.put("request_id", id);
    o.put("adapter_id", "ad");
    o.put("served_at", servedAt);
    o.put("completion", completion);
    o.put("fee_wei", fee);
    return o.toString();
  }

  static LogIngestJob.Result logs(TestLakehouse t, Path dir, String batch, List<String> lines) {
    return new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(
        List.of(SharedSpark.write(dir.resolve(batch + ".jsonl"), String.join("\n", lines) + "\n").toString()), null, batch));
  }

  static List<String> quotes(List<Row> training, String epoch, String prefix, int n, Random random) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String quote = SpanEval.verbatim(training.get((i * 3) % training.size()).getString(1), 15 + i, random);
      lines.add(log(prefix + i, epoch + "T0" + i + ":00:00Z", "So: " + quote + " done.", "1000000000000000001"));
    }
    return lines;
  }

  static AttributeJob.Result attribute(TestLakehouse t, String epoch) {
    return new AttributeJob(t.lakehouse(), Progress.SILENT).run(new AttributeJob.Config(epoch, AttributeJob.Method.SPAN,
        SpanAttribution.Settings.defaults(), GradientAttribution.Settings.defaults()));
  }

  static RewardsJob.Result rewards(TestLakehouse t, Path dir, String epoch) throws Exception {
    return new RewardsJob(t.lakehouse(), Progress.SILENT).run(new RewardsJob.Config(epoch, RewardPolicy.defaults(TREASURY),
        dir.resolve("manifests").toUri().toString()));
  }

  static long rows(TestLakehouse t, String table) {
    return t.spark().table(t.table(table)).count();
  }

  @Test
  void rewardsWaitForACompleteAndCurrentAttributionAndAttributionStopsAtAFinalisedEpoch(@TempDir Path dir)
      throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    List<Row> training = IngestFixtures.notesWithAdapter(t, dir, 41, 8, 60);
    Random random = new Random(3);
    String e = "2026-06-02";
    logs(t, dir, "e1", quotes(training, e, "q", 5, random));

    // 1. never attributed
    NotReadyException none = assertThrows(NotReadyException.class, () -> rewards(t, dir, e));
    assertTrue(none.getMessage().contains("no published attribution: run 'poa attribute --epoch " + e + "'"),
        none.getMessage());
    assertEquals(0, rows(t, "rewards.epoch_manifests"));
    assertEquals(0, rows(t, "rewards.epoch_payouts"));
    assertFalse(Files.exists(dir.resolve("manifests").resolve("epoch-" + e + ".json")), "no manifest file");

    // 2. an attribution that stops between its scores and its summary (another process takes the catalog)
    // publishes nothing: readers joined to the published runs see none of it, and rewards still wait
    CatalogLock.afterNextCommitTo(t, "attribution.scores", () -> attribute(t, e));
    assertTrue(rows(t, "attribution.scores") > 0, "the stopped run had committed its scores");
    assertEquals(0, rows(t, "attribution.inference_summary"));
    assertEquals(0, rows(t, "attribution.runs"));
    assertEquals(0, PublishedAttribution.of(e, t.spark().table(t.table("attribution.runs")))
        .rows(t.spark().table(t.table("attribution.scores"))).count());
    assertThrows(NotReadyException.class, () -> rewards(t, dir, e));

    // 3. attributed, then a log of the epoch arrives: the run no longer covers the epoch
    attribute(t, e);
    logs(t, dir, "e1-late", List.of(log("late", e + "T23:00:00Z", "a late one", "5")));
    NotReadyException stale = assertThrows(NotReadyException.class, () -> rewards(t, dir, e));
    assertTrue(stale.getMessage().contains("attributed 5 of its 6 inference(s)"), stale.getMessage());
    assertTrue(stale.getMessage().contains("(e.g. late)"), stale.getMessage());
    assertEquals(0, rows(t, "rewards.epoch_manifests"));

    // attributed again: ready; the rows of the runs before it are gone
    AttributeJob.Result last = attribute(t, e);
    RewardsJob.Result r = rewards(t, dir, e);
    assertEquals(1, rows(t, "rewards.epoch_manifests"));
    assertEquals(List.of(last.runId()), t.spark().sql("SELECT DISTINCT run_id FROM " + t.table("attribution.scores"))
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    assertEquals(1L, t.spark().table(t.table("rewards.epoch_manifests")).first().<Long>getAs("chain_epoch"));

    // 4. attribution of a finalised epoch is refused, and changes nothing
    long scores = t.lakehouse().currentSnapshotId(dev.poa.schemas.Tables.SCORES);
    assertThrows(ConflictException.class, () -> attribute(t, e));
    assertEquals(scores, t.lakehouse().currentSnapshotId(dev.poa.schemas.Tables.SCORES));
    CliTest.Run cli = CliTest.poa(t.warehouse(), t.config().catalogName(), "attribute", "--epoch", e);
    assertEquals(4, cli.code(), cli.err());
    assertTrue(cli.err().contains("is finalised"), cli.err());

    // 5. the next epoch: not over yet; and an epoch after an earlier one left behind
    String today = dev.poa.udfs.Epochs.of(Instant.now());
    logs(t, dir, "now", List.of(log("now-1", Instant.now().minusSeconds(1).toString(), "now", "7")));
    attribute(t, today);
    NotReadyException notOver = assertThrows(NotReadyException.class, () -> rewards(t, dir, today));
    assertTrue(notOver.getMessage().contains("has not ended"), notOver.getMessage());
    String e3 = "2026-06-04";
    logs(t, dir, "e3", quotes(training, "2026-06-03", "p", 2, random));
    logs(t, dir, "e4", quotes(training, e3, "s", 2, random));
    attribute(t, e3);
    NotReadyException behind = assertThrows(NotReadyException.class, () -> rewards(t, dir, e3));
    assertTrue(behind.getMessage().contains("Epoch 2026-06-03 has inferences and is not finalised"), behind.getMessage());
    CliTest.Run exit8 = CliTest.poa(t.warehouse(), t.config().catalogName(), "--conf", "poa.rewards.treasury=" + TREASURY,
        "rewards", "--epoch", e3);
    assertEquals(8, exit8.code(), exit8.err());
    assertEquals(1, rows(t, "rewards.epoch_manifests"));

    // chain epochs are assigned at finalisation, stored, and what settle commits
    attribute(t, "2026-06-03");
    rewards(t, dir, "2026-06-03");
    rewards(t, dir, e3);
    assertEquals(List.of(1L, 2L, 3L), t.spark().sql("SELECT chain_epoch FROM " + t.table("rewards.epoch_manifests")
        + " ORDER BY epoch").as(org.apache.spark.sql.Encoders.LONG()).collectAsList());
    assertEquals(3L, new SettleJob(t.lakehouse(), Progress.SILENT).request(e3, "0x" + "11".repeat(20)).chainEpoch());
    assertTrue(r.root().startsWith("0x"));
  }

  @Test
  void aSecondManifestRowForAnEpochCannotBeCommitted(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    List<Row> training = IngestFixtures.notesWithAdapter(t, dir, 43, 8, 60);
    String e = "2026-06-12";
    logs(t, dir, "e", quotes(training, e, "q", 3, new Random(5)));
    attribute(t, e);
    // another writer that does not take the lease finalises the epoch while this run derives it
    Progress otherWriter = m -> {
      if (m.startsWith("manifest written")) {
        Row row = t.spark().sql("SELECT '" + e + "' AS epoch, 'x' AS policy_version, '{}' AS policy_json, '0x00' AS root,"
            + " CAST(1 AS DECIMAL(38,0)) AS total_wei, CAST(1 AS DECIMAL(38,0)) AS cumulative_total_wei, 1L AS recipients,"
            + " 'elsewhere' AS manifest_path, 'ab' AS manifest_sha256, map('x', 1L) AS input_snapshots,"
            + " 'finalised' AS status, current_timestamp() AS created_at, 1L AS chain_epoch,"
            + " CAST(NULL AS MAP<STRING, STRING>) AS settings").first();
        IcebergWrites.append(t.spark().createDataFrame(List.of(row), t.spark().table(t.table("rewards.epoch_manifests"))
            .schema()), t.table("rewards.epoch_manifests"), java.util.Map.of());
      }
    };
    ConflictException c = assertThrows(ConflictException.class, () -> new RewardsJob(t.lakehouse(), otherWriter)
        .run(new RewardsJob.Config(e, RewardPolicy.defaults(TREASURY), dir.resolve("manifests").toUri().toString())));
    assertTrue(c.getMessage().contains("Another run finalised epoch " + e), c.getMessage());
    assertEquals(1, t.spark().table(t.table("rewards.epoch_manifests")).filter("epoch = '" + e + "'").count());
  }

  @Test
  void amountsBeyondDecimal38FailLoudlyEvenWithAnsiModeOff(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    IngestFixtures.notesWithAdapter(t, dir, 47, 4, 40);
    String e = "2026-06-22";
    String big = "6" + "0".repeat(37); // 6e37: fits decimal(38,0); two of them do not
    logs(t, dir, "big", List.of(log("b1", e + "T01:00:00Z", "nothing quoted", big),
        log("b2", e + "T02:00:00Z", "nothing quoted either", big)));
    attribute(t, e);
    String ansi = t.spark().conf().get("spark.sql.ansi.enabled");
    t.spark().conf().set("spark.sql.ansi.enabled", "false");
    try {
      RewardsJob.AmountOverflowException overflow = assertThrows(RewardsJob.AmountOverflowException.class,
          () -> rewards(t, dir, e));
      assertTrue(overflow.getMessage().contains("does not fit decimal(38,0)"), overflow.getMessage());
      assertEquals("false", t.spark().conf().get("spark.sql.ansi.enabled"), "the session's setting is restored");
    } finally {
      t.spark().conf().set("spark.sql.ansi.enabled", ansi);
    }
    assertEquals(0, rows(t, "rewards.epoch_manifests"));
    assertEquals(0, rows(t, "rewards.epoch_payouts"));
  }
}
