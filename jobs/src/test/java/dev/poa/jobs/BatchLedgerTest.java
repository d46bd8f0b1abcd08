package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.jobs.rewards.ValidationIngestJob;
import dev.poa.jobs.serving.GradientIngestJob;
import dev.poa.jobs.serving.LogIngestJob;
import dev.poa.schemas.NotReadyException;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every batch kind (submissions, logs, gradients, attestations) is recognised from its completion
 * row, its rows and the current snapshot's ancestry, so batch idempotency survives what data
 * engineers do to Iceberg tables: a rollback (the batch can be ingested again), compaction and
 * snapshot expiry (a rerun is still a no-op, and a batch that stopped midway is still found).
 */
class BatchLedgerTest {
  final Corpus corpus = new Corpus(9, 4);

  Path submissions(Path dir, String name, int docs, long seed) {
    Corpus c = new Corpus(seed, 4);
    List<String> lines = new ArrayList<>();
    c.generate(docs, 60, 0.3, List.of("notes"), Instant.parse("2026-03-01T00:00:00Z")).forEach(d -> lines.add(c.toJsonLine(d)));
    return SharedSpark.write(dir.resolve(name), String.join("\n", lines) + "\n");
  }

  /** Calls an Iceberg procedure of the test's catalog; {@code %s} in it stands for the catalog name. */
  static void call(TestLakehouse t, String procedure) {
    String cat = t.config().catalogName();
    t.spark().sql("CALL " + cat + ".system." + procedure.replace("%s", cat)).collectAsList();
  }

  static long parentOfBatch(TestLakehouse t, TableDefinition table, String batchId) {
    Table tb = t.lakehouse().table(table);
    tb.refresh();
    for (Snapshot s : tb.snapshots()) {
      if (batchId.equals(s.summary().get(IngestJob.BATCH_PROPERTY))) {
        return s.parentId();
      }
    }
    throw new AssertionError("no snapshot of batch " + batchId + " in " + table.qualifiedName());
  }

  /** Ingests a batch that stops right after its submissions commit (another process takes the catalog). */
  static void stopAfterSubmissions(TestLakehouse t, IngestJob.Config config) throws Exception {
    CatalogLock.afterNextCommitTo(t, "datanet.submissions", () -> IngestFixtures.ingest(t, config));
  }

  @Test
  void aRolledBackBatchIsIngestedAgainByItsRerun(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    IngestFixtures.ingest(t, IngestFixtures.config("base", submissions(dir, "base.jsonl", 6, 1)));
    // a batch stops after its submissions commit; then its input file changes
    Path in = submissions(dir, "mid.jsonl", 8, 2);
    stopAfterSubmissions(t, IngestFixtures.config("mid", in));
    Files.writeString(in, Files.readString(in) + new Corpus(3, 4).toJsonLine(new Corpus(3, 4).doc("z", "original", "notes",
        0, "text", "an extra record added after the batch stopped, long enough to stand alone", Instant.parse(
            "2026-03-02T00:00:00Z"))) + "\n");
    IngestJob.BatchConflictException changed = assertThrows(IngestJob.BatchConflictException.class,
        () -> IngestFixtures.ingest(t, IngestFixtures.config("mid", in)));
    long before = parentOfBatch(t, Tables.SUBMISSIONS, "mid");
    assertTrue(changed.getMessage().contains("roll datanet.submissions back to the snapshot before"), changed.getMessage());
    // the remedy the message names: roll back; the batch is then a new batch, read from its new inputs
    call(t, "rollback_to_snapshot('%s.datanet.submissions', " + before + ")");
    IngestJob.Result again = IngestFixtures.ingest(t, IngestFixtures.config("mid", in));
    assertEquals(IngestJob.Outcome.INGESTED, again.outcome());
    long records = Files.readAllLines(in).size();
    assertEquals(records, again.read());
    assertTrue(again.reconciles());
    assertEquals(records, t.spark().table(t.table("datanet.submissions")).filter("batch_id = 'mid'").count());

    // a log batch rolled back (logs and its completion row) is ingested again by its rerun
    IngestFixtures.notesWithAdapterOn(t);
    // an earlier batch, so that each table has a snapshot to roll back to
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(List.of(SharedSpark.write(
        dir.resolve("logs0.jsonl"), InferenceLogsTest.log("r0", "ad", "2026-06-01T09:00:00Z", "5") + "\n"
            + InferenceLogsTest.log("r0-bad", "ad", "2026-06-01T09:00:00Z", "-1") + "\n").toString()), null, "l0"));
    Path logs = SharedSpark.write(dir.resolve("logs.jsonl"), String.join("\n",
        InferenceLogsTest.log("r1", "ad", "2026-06-01T10:00:00Z", "5"),
        InferenceLogsTest.log("r2", "ad", "2026-06-01T11:00:00Z", "7"),
        InferenceLogsTest.log("r3", "ad", "2026-06-01T12:00:00Z", "-7")) + "\n");
    LogIngestJob.Config lc = new LogIngestJob.Config(List.of(logs.toString()), null, "l1");
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(lc);
    for (TableDefinition d : List.of(Tables.INFERENCE_LOGS, Tables.INFERENCE_LOG_REJECTS, Tables.LOG_INGEST_RUNS)) {
      call(t, "rollback_to_snapshot('%s." + d.qualifiedName() + "', " + parentOfBatch(t, d, "l1") + ")");
    }
    assertEquals(1, t.spark().table(t.table("serving.inference_logs")).count());
    LogIngestJob.Result l = new LogIngestJob(t.lakehouse(), Progress.SILENT).run(lc);
    assertEquals(2, l.accepted());
    assertEquals(3, t.spark().table(t.table("serving.inference_logs")).count(), "the rolled-back logs are back");
    assertEquals(2, t.spark().table(t.table("serving.inference_log_rejects")).count());
  }

  @Test
  void everyBatchKindIsRecognisedAfterCompactionAndSnapshotExpiry(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    IngestJob.Config subs = IngestFixtures.config("s1", submissions(dir, "s1.jsonl", 8, 4));
    IngestFixtures.ingest(t, subs);
    IngestFixtures.ingest(t, IngestFixtures.config("s2", submissions(dir, "s2.jsonl", 5, 5)));
    IngestFixtures.notesWithAdapterOn(t);
    List<Row> training = t.spark().sql("SELECT contribution_id FROM " + t.table("models.adapter_training_set")
        + " ORDER BY contribution_id").collectAsList();
    List<String> grads = IngestFixtures.gradientLines(training);
    GradientIngestJob.Config gc = new GradientIngestJob.Config("ad",
        List.of(SharedSpark.write(dir.resolve("g.jsonl"), String.join("\n", grads) + "\n").toString()), null, "g1");
    new GradientIngestJob(t.lakehouse(), Progress.SILENT).run(gc);
    // later batches of each kind, so that expiry removes the first batches' own snapshots
    new GradientIngestJob(t.lakehouse(), Progress.SILENT).run(new GradientIngestJob.Config("ad",
        List.of(SharedSpark.write(dir.resolve("g2.jsonl"), grads.get(0) + "\n").toString()), null, "g2"));
    LogIngestJob.Config lc = new LogIngestJob.Config(List.of(SharedSpark.write(dir.resolve("l.jsonl"),
        InferenceLogsTest.log("r1", "ad", "2026-06-01T10:00:00Z", "5") + "\n").toString()), null, "l1");
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(lc);
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(List.of(SharedSpark.write(
        dir.resolve("l2.jsonl"), InferenceLogsTest.log("r2", "ad", "2026-06-01T11:00:00Z", "5") + "\n").toString()), null, "l2"));
    org.web3j.crypto.ECKeyPair key = org.web3j.crypto.ECKeyPair.create(BigInteger.valueOf(77));
    String validator = "0x" + org.web3j.crypto.Keys.getAddress(key);
    IngestFixtures.validator(t, validator, "2026-03-01T00:00:00Z", "notes");
    ValidationIngestJob.Config vc = ValidationIngestJob.Config.of(List.of(SharedSpark.write(dir.resolve("v.jsonl"),
        IngestFixtures.attestation(key, validator, training.get(0).getString(0), "valid", "2026-05-01T00:00:00Z") + "\n")
        .toString()), null, "v1");
    assertEquals(1, new ValidationIngestJob(t.lakehouse(), Progress.SILENT).run(vc).accepted());
    new ValidationIngestJob(t.lakehouse(), Progress.SILENT).run(ValidationIngestJob.Config.of(List.of(SharedSpark.write(
        dir.resolve("v2.jsonl"), IngestFixtures.attestation(key, validator, training.get(1).getString(0), "valid",
            "2026-05-01T00:00:00Z") + "\n").toString()), null, "v2"));

    // compact every table, then expire every snapshot but the current one
    for (TableDefinition d : Tables.ALL) {
      if (d != Tables.LAKEHOUSE_LEASE && t.lakehouse().currentSnapshotId(d) >= 0) {
        call(t, "rewrite_data_files(table => '%s." + d.qualifiedName() + "', options => map('rewrite-all', 'true'))");
        call(t, "expire_snapshots(table => '%s." + d.qualifiedName() + "', older_than => TIMESTAMP '"
            + java.sql.Timestamp.from(Instant.now().plusSeconds(1)) + "', retain_last => 1)");
      }
    }
    for (TableDefinition d : List.of(Tables.SUBMISSIONS, Tables.TRAINING_GRADIENTS, Tables.INFERENCE_LOGS, Tables.VALIDATIONS)) {
      assertEquals(1, java.util.stream.StreamSupport.stream(t.lakehouse().table(d).snapshots().spliterator(), false).count(),
          d.qualifiedName() + ": only the current snapshot is left");
    }
    List<Long> snapshots = IngestFixtures.snapshotIds(t);
    assertEquals(IngestJob.Outcome.ALREADY_INGESTED, IngestFixtures.ingest(t, subs).outcome());
    assertTrue(new LogIngestJob(t.lakehouse(), Progress.SILENT).run(lc).alreadyIngested());
    GradientIngestJob.Result g = new GradientIngestJob(t.lakehouse(), Progress.SILENT).run(gc);
    assertTrue(g.alreadyIngested());
    assertEquals(training.size(), g.accepted());
    assertTrue(new ValidationIngestJob(t.lakehouse(), Progress.SILENT).run(vc).alreadyIngested());
    assertEquals(snapshots, IngestFixtures.snapshotIds(t), "no rerun committed anything");
  }

  @Test
  void aBatchThatStoppedIsStillFoundUnderACompaction(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    IngestFixtures.ingest(t, IngestFixtures.config("base", submissions(dir, "base.jsonl", 6, 7)));
    Path in = submissions(dir, "mid.jsonl", 6, 8);
    stopAfterSubmissions(t, IngestFixtures.config("mid", in));
    // a compaction commits on top of the stopped batch's snapshot
    call(t, "rewrite_data_files(table => '%s.datanet.submissions', options => map('rewrite-all', 'true'))");
    assertEquals("replace", t.lakehouse().table(Tables.SUBMISSIONS).currentSnapshot().operation());
    NotReadyException refused = assertThrows(NotReadyException.class,
        () -> IngestFixtures.ingest(t, IngestFixtures.config("other", submissions(dir, "o.jsonl", 3, 9))));
    assertTrue(refused.getMessage().contains("--batch-id mid"), refused.getMessage());
    assertEquals(IngestJob.Outcome.RESUMED, IngestFixtures.ingest(t, IngestFixtures.config("mid", in)).outcome());
  }
}
