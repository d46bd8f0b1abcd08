package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.attribution.AttributeJob;
import dev.poa.jobs.attribution.GradientAttribution;
import dev.poa.jobs.attribution.SpanAttribution;
import dev.poa.jobs.eval.SpanEval;
import dev.poa.jobs.rewards.Audit;
import dev.poa.jobs.rewards.RewardsJob;
import dev.poa.jobs.rewards.ValidationIngestJob;
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

  String log(String id, String servedAt, String completion, String fee) {
    return MoneyPathGuardsTest.log(id, servedAt, completion, fee);
  }

  static String attestation(org.web3j.crypto.ECKeyPair key, String validator, String contribution, String verdict, String at) {
    return IngestFixtures.attestation(key, validator, contribution, verdict, at);
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

    // registered validators: v1 and v2 vouch for contributions that earn; v3 and v4 declare one invalid (a quorum
    // of two: slashed)
    org.web3j.crypto.ECKeyPair[] keys = new org.web3j.crypto.ECKeyPair[4];
    String[] validators = new String[4];
    for (int i = 0; i < 4; i++) {
      keys[i] = org.web3j.crypto.ECKeyPair.create(BigInteger.valueOf(1000 + i));
      validators[i] = "0x" + org.web3j.crypto.Keys.getAddress(keys[i]);
      IngestFixtures.validator(t, validators[i], "2026-03-01T00:00:00Z", "notes");
    }
    String slashedId = training.get(6).getString(0);
    List<String> attestations = List.of(
        attestation(keys[0], validators[0], training.get(0).getString(0), "valid", "2026-04-01T12:00:00Z"),
        attestation(keys[1], validators[1], training.get(3).getString(0), "valid", "2026-04-01T12:00:00Z"),
        attestation(keys[2], validators[2], slashedId, "invalid", "2026-04-01T12:00:00Z"),
        attestation(keys[3], validators[3], slashedId, "invalid", "2026-04-01T13:00:00Z"),
        attestation(keys[2], validators[0], training.get(1).getString(0), "valid", "2026-04-01T12:00:00Z"), // wrong signer
        attestation(keys[0], validators[0], "c_nope", "valid", "2026-04-01T12:00:00Z"));
    ValidationIngestJob.Result v = IngestFixtures.attestations(t, dir, "v1", attestations);
    assertEquals(4, v.accepted());
    assertEquals(java.util.Map.of("signature_mismatch", 1L, "unknown_contribution", 1L), v.rejectedByReason());

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
    // the validators' part went to v1 and v2 (one earning contribution each: equal to the wei or one apart), not v3
    List<Row> validatorRows = payouts.stream().filter(x -> x.getAs("role").equals("validator")).toList();
    assertEquals(java.util.Set.of(validators[0], validators[1]),
        validatorRows.stream().map(x -> (String) x.getAs("address")).collect(java.util.stream.Collectors.toSet()));
    BigInteger v0 = ((BigDecimal) validatorRows.get(0).getAs("amount_wei")).toBigIntegerExact();
    BigInteger v1 = ((BigDecimal) validatorRows.get(1).getAs("amount_wei")).toBigIntegerExact();
    assertTrue(v0.subtract(v1).abs().compareTo(BigInteger.ONE) <= 0, v0 + " vs " + v1);
    // the inference that quotes only the slashed contribution is attributed to it, yet pays nobody
    // for it: its contributors' part (70% of 1e18 + 1 wei) went to the treasury as unattributed
    assertTrue(t.spark().sql("SELECT 1 FROM " + t.table("attribution.scores") + " WHERE contribution_id = '" + slashedId
        + "' AND request_id = 'e1-q2'").count() > 0);
    assertTrue(treasury.compareTo(new BigInteger("700000000000000000")) > 0, treasury.toString());

    // a proof from the manifest verifies against the root
    String someone = payouts.stream().filter(x -> x.getAs("role").equals("contributor")).findFirst().orElseThrow().getAs("address");
    Audit audit = new Audit(t.lakehouse());
    Audit.Proof proof = audit.proof("2026-04-02", someone);
    assertEquals(r1.root(), StandardMerkleTree.processProof(new StandardMerkleTree.Leaf(someone, proof.cumulative()), proof.proof()));

    // same inputs, another partitioning of every shuffle (and AQE on or off): the same manifest, byte for byte
    Row manifestRow = t.spark().table(t.table("rewards.epoch_manifests")).filter("epoch = '2026-04-02'").first();
    java.util.Map<String, Long> pinned = new java.util.TreeMap<>();
    scala.jdk.javaapi.CollectionConverters.asJava(manifestRow.<String, Object>getMap(
        manifestRow.fieldIndex("input_snapshots"))).forEach((k, x) -> pinned.put(k, ((Number) x).longValue()));
    List<Row> storedRows = t.spark().table(t.table("rewards.epoch_payouts")).filter("epoch = '2026-04-02'")
        .select("address", "role", "amount_wei", "cumulative_wei").orderBy("address", "role").collectAsList();
    String shuffle = t.spark().conf().get("spark.sql.shuffle.partitions");
    String aqe = t.spark().conf().get("spark.sql.adaptive.enabled");
    try {
      for (String[] setting : new String[][] {{"1", "false"}, {"7", "false"}, {"13", "true"}}) {
        t.spark().conf().set("spark.sql.shuffle.partitions", setting[0]);
        t.spark().conf().set("spark.sql.adaptive.enabled", setting[1]);
        try (RewardsJob.Derivation d = new RewardsJob(t.lakehouse(), Progress.SILENT).derive("2026-04-02", policy, pinned)) {
          assertEquals(r1.root(), d.root());
          assertEquals(manifestRow.getAs("manifest_sha256"), d.manifestSha256(policy), "partitions " + setting[0]);
          assertEquals(storedRows, d.payouts().orderBy("address", "role").collectAsList());
        }
      }
    } finally {
      t.spark().conf().set("spark.sql.shuffle.partitions", shuffle);
      t.spark().conf().set("spark.sql.adaptive.enabled", aqe);
    }

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
    byte[] original = Files.readAllBytes(file);
    Files.writeString(file, new String(original, java.nio.charset.StandardCharsets.US_ASCII)
        .replaceFirst("\"total_wei\" : \"", "\"total_wei\" : \"9"));
    Audit.Report report = audit.run("2026-04-02", Progress.SILENT);
    assertFalse(report.clean());
    List<String> kinds = report.differences().stream().map(Audit.Difference::kind).toList();
    assertTrue(kinds.contains("changed_amount"), kinds.toString());
    assertTrue(kinds.contains("file_hash_mismatch"), kinds.toString());
    // and where the file stops being the manifest the epoch derives to (the one written, until then)
    int at = java.util.Arrays.mismatch(original, Files.readAllBytes(file));
    assertTrue(report.differences().stream().anyMatch(d -> d.kind().equals("file_content_differs")
        && d.detail().contains("first difference at byte " + at + ")")), report.differences().toString());
  }
}
