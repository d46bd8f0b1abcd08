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
import dev.poa.jobs.attribution.SpanAttribution;
import dev.poa.jobs.eval.SpanEval;
import dev.poa.jobs.rewards.Audit;
import dev.poa.jobs.rewards.RewardsJob;
import dev.poa.jobs.serving.LogIngestJob;
import dev.poa.udfs.rewards.RewardPolicy;
import dev.poa.udfs.rewards.StandardMerkleTree;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rewards of epochs: exact totals, manifests, proofs, reruns, audits that catch tampering. */
class RewardsTest {
  static final String TREASURY = "0x" + "ee".repeat(20);
  final ObjectMapper json = new ObjectMapper();

  String log(String id, String servedAt, String completion, String fee) {
    ObjectNode o = json.createObjectNode();
    o.put("request_id", id);
    o.put("adapter_id", "ad");
    o.put("served_at", servedAt);
    o.put("completion", completion);
    o.put("fee_wei", fee);
    return o.toString();
  }

  void logsAndAttribution(TestLakehouse t, Path dir, String epoch, List<Row> training, String batch, Random random) {
    List<String> logs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String quote = SpanEval.verbatim(training.get((i * 3) % training.size()).getString(1), 15 + i, random);
      logs.add(log(batch + "-q" + i, epoch + "T0" + i + ":00:00Z", "So: " + quote + " done.", "1000000000000000001"));
    }
    logs.add(log(batch + "-none", epoch + "T09:00:00Z", "nothing quoted here at all, not a single span", "777"));
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(
        List.of(SharedSpark.write(dir.resolve(batch + ".jsonl"), String.join("\n", logs) + "\n").toString()), null, batch));
    new AttributeJob(t.lakehouse(), Progress.SILENT).run(new AttributeJob.Config(epoch, AttributeJob.Method.SPAN,
        SpanAttribution.Settings.defaults(), GradientAttribution.Settings.defaults()));
  }

  @Test
  void epochsPayExactlyTheirFeesAndAuditsCatchTampering(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    List<Row> training = IngestFixtures.notesWithAdapter(t, dir, 21, 8, 70);
    Random random = new Random(4);
    logsAndAttribution(t, dir, "2026-04-02", training, "e1", random);

    RewardPolicy policy = RewardPolicy.defaults(TREASURY);
    String manifests = dir.resolve("manifests").toUri().toString();
    RewardsJob.Result r1 = new RewardsJob(t.lakehouse(), Progress.SILENT).run(new RewardsJob.Config("2026-04-02", policy, manifests));
    BigInteger fees = new BigInteger("1000000000000000001").multiply(BigInteger.valueOf(5)).add(BigInteger.valueOf(777));
    assertEquals(fees, r1.totalWei());
    List<Row> payouts = t.spark().table(t.table("rewards.epoch_payouts")).collectAsList();
    assertEquals(fees, payouts.stream().map(x -> ((BigDecimal) x.getAs("amount_wei")).toBigIntegerExact())
        .reduce(BigInteger.ZERO, BigInteger::add));
    assertTrue(payouts.stream().allMatch(x -> ((BigDecimal) x.getAs("amount_wei")).signum() > 0));
    // the unattributed inference's contributors' part (70% of 777 = 543.9 → 544) is among the treasury's amount
    BigInteger treasury = payouts.stream().filter(x -> x.getAs("address").equals(TREASURY))
        .map(x -> ((BigDecimal) x.getAs("amount_wei")).toBigIntegerExact()).reduce(BigInteger.ZERO, BigInteger::add);
    assertTrue(treasury.compareTo(BigInteger.valueOf(544)) > 0, treasury.toString());

    // a proof from the manifest verifies against the root
    String someone = payouts.stream().filter(x -> x.getAs("role").equals("contributor")).findFirst().orElseThrow().getAs("address");
    Audit audit = new Audit(t.lakehouse());
    Audit.Proof proof = audit.proof("2026-04-02", someone);
    assertEquals(r1.root(), StandardMerkleTree.processProof(new StandardMerkleTree.Leaf(someone, proof.cumulative()), proof.proof()));

    // rerun: unchanged; a second epoch builds cumulative amounts on the first
    assertTrue(new RewardsJob(t.lakehouse(), Progress.SILENT).run(new RewardsJob.Config("2026-04-02", policy, manifests))
        .alreadyFinalised());
    logsAndAttribution(t, dir, "2026-04-03", training, "e2", random);
    RewardsJob.Result r2 = new RewardsJob(t.lakehouse(), Progress.SILENT).run(new RewardsJob.Config("2026-04-03", policy, manifests));
    assertEquals(fees.add(fees), r2.cumulativeTotalWei());
    Audit.Proof later = audit.proof("2026-04-03", TREASURY);
    assertTrue(later.cumulative().compareTo(later.epochAmount()) > 0);

    // the first epoch still audits clean although its tables moved on (time travel)
    assertTrue(audit.run("2026-04-02", Progress.SILENT).clean());
    // a log that arrives late for a finalised epoch goes to the first open epoch; finalised ones stay as they are
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(List.of(SharedSpark.write(dir.resolve("late.jsonl"),
        log("late", "2026-04-02T23:00:00Z", "late", "5") + "\n").toString()), null, "late"));
    assertEquals("2026-04-04", t.spark().table(t.table("serving.inference_logs")).filter("request_id = 'late'").first()
        .getAs("epoch"));
    assertTrue(new RewardsJob(t.lakehouse(), Progress.SILENT).run(new RewardsJob.Config("2026-04-02", policy, manifests))
        .alreadyFinalised());
    // recomputing a finalised epoch under another policy gives another root: refused loudly
    RewardPolicy other = new RewardPolicy("v2", 6000, 3000, 500, 500, TREASURY, "treasury");
    assertThrows(RewardsJob.ManifestMismatchException.class, () -> new RewardsJob(t.lakehouse(), Progress.SILENT)
        .run(new RewardsJob.Config("2026-04-02", other, manifests)));
    assertThrows(IllegalStateException.class, () -> new RewardsJob(t.lakehouse(), Progress.SILENT)
        .run(new RewardsJob.Config("2026-04-01", policy, manifests))); // earlier than a finalised epoch

    // tampering with a payout row and with the manifest file are both caught
    t.spark().sql("UPDATE " + t.table("rewards.epoch_payouts") + " SET amount_wei = amount_wei + 1 WHERE epoch = '2026-04-02'"
        + " AND address = '" + someone + "'");
    Path file = Path.of(java.net.URI.create(manifests)).resolve("epoch-2026-04-02.json");
    Files.writeString(file, Files.readString(file).replaceFirst("\"total_wei\" : \"", "\"total_wei\" : \"9"));
    Audit.Report report = audit.run("2026-04-02", Progress.SILENT);
    assertFalse(report.clean());
    List<String> kinds = report.differences().stream().map(Audit.Difference::kind).toList();
    assertTrue(kinds.contains("changed_amount"), kinds.toString());
    assertTrue(kinds.contains("file_hash_mismatch"), kinds.toString());
  }
}
