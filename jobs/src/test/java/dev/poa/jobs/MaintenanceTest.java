package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.jobs.ops.MaintainJob;
import dev.poa.jobs.rewards.Audit;
import dev.poa.jobs.rewards.EpochTags;
import dev.poa.jobs.rewards.ValidationIngestJob;
import dev.poa.jobs.serving.GradientIngestJob;
import dev.poa.jobs.serving.LogIngestJob;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code poa maintain} on a lakehouse of finalised epochs and many small batches of every kind,
 * with a zero retention: audits still pass (through the epoch tags, created for epochs finalised
 * without them), a rewards rerun is a no-op, every batch kind is still recognised, files are
 * fewer, contents identical; a dry run changes nothing; orphan removal keeps young files; a
 * maintenance run and an ingest started together lose and duplicate nothing.
 */
class MaintenanceTest {
  static final String E1 = "2026-06-02";
  static final String E2 = "2026-06-03";

  /** Every row of every table but the ops tables (the lease, the maintenance records), sorted. */
  static Map<String, List<String>> contents(TestLakehouse t) {
    Map<String, List<String>> out = new TreeMap<>();
    for (TableDefinition d : Tables.ALL) {
      if (!d.qualifiedName().startsWith("ops.") && t.lakehouse().exists(d)) {
        out.put(d.qualifiedName(), t.spark().table(t.table(d.qualifiedName())).collectAsList().stream().map(Row::toString)
            .sorted().toList());
      }
    }
    return out;
  }

  static long dataFiles(TestLakehouse t, TableDefinition d) {
    Table table = t.lakehouse().table(d);
    table.refresh();
    return table.currentSnapshot() == null ? 0 : Long.parseLong(table.currentSnapshot().summary().get("total-data-files"));
  }

  /** Every file under the warehouse with its size and modification time: what a dry run must leave as it is. */
  static List<String> files(Path warehouse) throws IOException {
    try (Stream<Path> s = Files.walk(warehouse)) {
      return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("catalog.db"))
          .map(p -> p + " " + p.toFile().length() + " " + p.toFile().lastModified()).sorted().toList();
    }
  }

  /** Current snapshot and refs of every table (the lease aside). */
  static List<String> heads(TestLakehouse t) {
    List<String> out = new ArrayList<>();
    for (TableDefinition d : Tables.ALL) {
      if (d != Tables.LAKEHOUSE_LEASE && t.lakehouse().exists(d)) {
        Table table = t.lakehouse().table(d);
        table.refresh();
        out.add(d.qualifiedName() + " " + new TreeMap<>(table.refs()) + " " + count(table.snapshots()));
      }
    }
    return out;
  }

  static int removeTags(TestLakehouse t, String epoch) {
    int n = 0;
    for (TableDefinition d : Tables.ALL) {
      Table table = t.lakehouse().table(d);
      table.refresh();
      if (table.refs().containsKey(EpochTags.name(epoch))) {
        table.manageSnapshots().removeTag(EpochTags.name(epoch)).commit();
        n++;
      }
    }
    return n;
  }

  static long count(Iterable<?> it) {
    long n = 0;
    for (Object ignored : it) {
      n++;
    }
    return n;
  }

  Path submissions(Path dir, String name, int docs, long seed) {
    Corpus c = new Corpus(seed, 4);
    List<String> lines = new ArrayList<>();
    c.generate(docs, 50, 0.3, List.of("notes"), Instant.parse("2026-03-01T00:00:00Z")).forEach(d -> lines.add(c.toJsonLine(d)));
    return SharedSpark.write(dir.resolve(name), String.join("\n", lines) + "\n");
  }

  static MaintainJob.Config zeroRetention() {
    return MaintainJob.Config.defaults().withRetain(Duration.ZERO, 1).withOrphansOlderThan(Duration.ofHours(1));
  }

  @Test
  void maintenanceKeepsAuditsBatchesAndContentsAndADryRunChangesNothing(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    List<Row> training = IngestFixtures.notesWithAdapter(t, dir, 51, 8, 60);
    // small batches of every kind (the submissions' first batch came with the adapter)
    List<IngestJob.Config> subs = new ArrayList<>();
    subs.add(IngestFixtures.config("s0", submissions(dir, "s0.jsonl", 3, 60)));
    IngestFixtures.ingest(t, subs.get(0));
    List<String> grads = IngestFixtures.gradientLines(training);
    GradientIngestJob.Config gc = new GradientIngestJob.Config("ad",
        List.of(SharedSpark.write(dir.resolve("g.jsonl"), String.join("\n", grads) + "\n").toString()), null, "g1");
    new GradientIngestJob(t.lakehouse(), Progress.SILENT).run(gc);
    org.web3j.crypto.ECKeyPair key = org.web3j.crypto.ECKeyPair.create(BigInteger.valueOf(91));
    String validator = "0x" + org.web3j.crypto.Keys.getAddress(key);
    IngestFixtures.validator(t, validator, "2026-03-01T00:00:00Z", "notes");
    List<String> attestation = List.of(IngestFixtures.attestation(key, validator, training.get(0).getString(0), "valid",
        "2026-05-01T00:00:00Z"));
    assertEquals(1, IngestFixtures.attestations(t, dir, "v1", attestation).accepted());
    Random random = new Random(5);
    for (String e : List.of(E1, E2)) {
      for (int b = 0; b < (e.equals(E1) ? 2 : 1); b++) {
        List<String> lines = MoneyPathGuardsTest.quotes(training, e, e + "-" + b + "-", 3, random);
        MoneyPathGuardsTest.logs(t, dir, "logs-" + e + "-" + b, lines);
      }
    }
    for (String e : List.of(E1, E2)) {
      MoneyPathGuardsTest.attribute(t, e);
      MoneyPathGuardsTest.rewards(t, dir, e);
    }
    for (String e : List.of(E1, E2)) {
      assertEquals(EpochTags.name(e), t.lakehouse().table(Tables.INFERENCE_LOGS).refs().keySet().stream()
          .filter(EpochTags.name(e)::equals).findFirst().orElse(null), "rewards tagged what " + e + " read");
    }
    // E1 and E2 as in a lakehouse finalised before tags existed: 'poa migrate' tags them from their manifests
    int removed = removeTags(t, E1) + removeTags(t, E2);
    CliTest.Run migrated = CliTest.poa(t.warehouse(), t.config().catalogName(), "migrate");
    assertEquals(0, migrated.code(), migrated.err());
    assertTrue(migrated.out().contains("epoch tags: 2 finalised epoch(s), " + removed + " tag(s) created"), migrated.out());
    // E1 once more, for maintenance to tag before it expires anything
    removeTags(t, E1);
    Map<String, List<String>> before = contents(t);
    long submissionFiles = dataFiles(t, Tables.SUBMISSIONS);
    long logFiles = dataFiles(t, Tables.INFERENCE_LOGS);
    assertTrue(submissionFiles >= 2 && logFiles >= 3, submissionFiles + " / " + logFiles);

    // a dry run reports work and changes nothing: no file, no snapshot, no tag, no record
    List<String> heads = heads(t);
    List<String> files = files(t.warehouse());
    MaintainJob.Result dry = new MaintainJob(t.lakehouse(), Progress.SILENT).run(zeroRetention().withDryRun(true));
    assertTrue(dry.tables().stream().anyMatch(r -> r.table().equals("datanet.submissions") && r.filesRewritten() >= 2
        && r.snapshotsExpired() > 0), dry.tables().toString());
    assertEquals(heads, heads(t));
    assertEquals(files, files(t.warehouse()));

    // an orphan older than the safe age goes, a young one stays
    Path data = Files.createDirectories(Path.of(t.lakehouse().table(Tables.SUBMISSIONS).location()
        .replaceFirst("^file:(//)?", "")).resolve("data"));
    Path oldOrphan = Files.writeString(data.resolve("left-by-a-killed-writer.parquet"), "x");
    Files.setLastModifiedTime(oldOrphan, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
    Path youngOrphan = Files.writeString(data.resolve("being-written.parquet"), "y");
    MaintainJob.Result run = new MaintainJob(t.lakehouse(), Progress.SILENT).run(zeroRetention());
    assertEquals(0, run.failed(), run.tables().toString());
    assertTrue(run.tags().created() > 0, "the missing tags of " + E1 + " were created first: " + run.tags());
    // what 'poa migrate' gives a lakehouse finalised before tags: here, nothing left to create
    CliTest.Run migrate = CliTest.poa(t.warehouse(), t.config().catalogName(), "migrate");
    assertEquals(0, migrate.code(), migrate.err());
    assertTrue(migrate.out().contains("epoch tags: 2 finalised epoch(s), 0 tag(s) created"), migrate.out());
    assertFalse(Files.exists(oldOrphan), "old orphan removed");
    assertTrue(Files.exists(youngOrphan), "young orphan kept");

    // contents identical, fewer files, history expired except what the epoch tags keep
    assertEquals(before, contents(t));
    assertTrue(dataFiles(t, Tables.SUBMISSIONS) < submissionFiles, dataFiles(t, Tables.SUBMISSIONS) + " files");
    assertTrue(dataFiles(t, Tables.INFERENCE_LOGS) < logFiles, dataFiles(t, Tables.INFERENCE_LOGS) + " files");
    // what is left of the history: the current snapshot and those the epoch tags keep, nothing else
    Table payouts = t.lakehouse().table(Tables.EPOCH_PAYOUTS);
    for (TableDefinition d : List.of(Tables.SCORES, Tables.EPOCH_PAYOUTS, Tables.INFERENCE_LOGS)) {
      Table table = t.lakehouse().table(d);
      table.refresh();
      java.util.Set<Long> kept = new java.util.TreeSet<>();
      table.refs().forEach((name, ref) -> kept.add(ref.snapshotId()));
      java.util.Set<Long> left = new java.util.TreeSet<>();
      table.snapshots().forEach(sn -> left.add(sn.snapshotId()));
      assertEquals(kept, left, d.qualifiedName() + ": refs " + table.refs());
      assertTrue(table.refs().keySet().containsAll(d == Tables.EPOCH_PAYOUTS ? List.of(EpochTags.name(E2))
          : List.of(EpochTags.name(E1), EpochTags.name(E2))), d.qualifiedName() + ": " + table.refs().keySet());
    }
    assertEquals(Long.valueOf(1), t.spark().sql("SELECT count(DISTINCT run_id) FROM " + t.table("ops.maintenance_runs"))
        .first().get(0));
    Row subsRecord = t.spark().sql("SELECT * FROM " + t.table("ops.maintenance_runs")
        + " WHERE table_name = 'datanet.submissions'").first();
    assertEquals("done", subsRecord.getAs("status"));
    assertEquals(submissionFiles, (long) subsRecord.<Long>getAs("data_files_before"));
    assertTrue(subsRecord.<Long>getAs("snapshots_expired") > 0);
    assertEquals(1L, (long) subsRecord.<Long>getAs("orphans_removed"));
    // every promise still holds: audits, the rewards no-op, every batch kind recognised
    for (String e : List.of(E1, E2)) {
      Audit.Report audit = new Audit(t.lakehouse()).run(e, Progress.SILENT);
      assertTrue(audit.clean(), e + ": " + audit.differences());
      assertTrue(MoneyPathGuardsTest.rewards(t, dir, e).alreadyFinalised());
    }
    List<Long> snapshots = IngestFixtures.snapshotIds(t);
    for (IngestJob.Config c : subs) {
      assertEquals(IngestJob.Outcome.ALREADY_INGESTED, IngestFixtures.ingest(t, c).outcome());
    }
    for (String e : List.of(E1, E2)) {
      for (int b = 0; b < (e.equals(E1) ? 2 : 1); b++) {
        String id = "logs-" + e + "-" + b;
        assertTrue(new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(
            List.of(dir.resolve(id + ".jsonl").toString()), null, id)).alreadyIngested(), id);
      }
    }
    assertTrue(new GradientIngestJob(t.lakehouse(), Progress.SILENT).run(gc).alreadyIngested());
    assertTrue(new ValidationIngestJob(t.lakehouse(), Progress.SILENT).run(ValidationIngestJob.Config.of(
        List.of(dir.resolve("v1.jsonl").toString()), null, "v1")).alreadyIngested());
    assertEquals(snapshots, IngestFixtures.snapshotIds(t), "no rerun committed anything");
    // an operator's plain expire_snapshots after dropping a tag: the audit says the epoch cannot be re-derived
    String tag = EpochTags.name(E2);
    payouts.refresh();
    long e2Payouts = payouts.refs().get(tag).snapshotId();
    payouts.manageSnapshots().removeTag(tag).commit();
    BatchLedgerTest.call(t, "expire_snapshots(table => '%s.rewards.epoch_payouts', older_than => TIMESTAMP '"
        + java.sql.Timestamp.from(Instant.now().plusSeconds(1)) + "', retain_last => 1)");
    Audit.Report broken = new Audit(t.lakehouse()).run(E2, Progress.SILENT);
    assertFalse(broken.clean());
    assertEquals("snapshot_expired", broken.differences().get(0).kind(), broken.differences().toString());
    assertTrue(broken.differences().get(0).detail().contains(Long.toString(e2Payouts)), broken.differences().toString());
  }

  @Test
  void maintenanceAndAnIngestStartedTogetherLoseAndDuplicateNothing(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    for (int i = 0; i < 2; i++) {
      IngestFixtures.ingest(t, IngestFixtures.config("s" + i, submissions(dir, "s" + i + ".jsonl", 4, 80 + i)));
    }
    Map<String, List<String>> before = contents(t);
    Path late = submissions(dir, "late.jsonl", 6, 90);
    CompletableFuture<MaintainJob.Result> maintain = CompletableFuture.supplyAsync(
        () -> new MaintainJob(t.lakehouse(), Progress.SILENT).run(zeroRetention()));
    CompletableFuture<IngestJob.Result> ingest = CompletableFuture.supplyAsync(
        () -> IngestFixtures.ingest(t, IngestFixtures.config("late", late)));
    assertEquals(0, maintain.get().failed());
    IngestJob.Result r = ingest.get();
    assertEquals(IngestJob.Outcome.INGESTED, r.outcome());
    assertTrue(r.reconciles());
    Map<String, List<String>> after = contents(t);
    // the earlier rows are all there, once; the late batch's rows are all there, once
    for (String table : List.of("datanet.submissions", "datanet.contributions")) {
      List<String> kept = new ArrayList<>(after.get(table));
      for (String row : before.get(table)) {
        assertTrue(kept.remove(row), table + " lost " + row);
      }
      if (table.equals("datanet.submissions")) {
        assertEquals(r.read(), kept.size(), "the late batch's submissions, once each");
        assertTrue(kept.stream().allMatch(row -> row.contains("late")), kept.toString());
      } else {
        assertEquals(r.accepted(), kept.size(), "the late batch's new contributions, once each");
      }
    }
    assertNotNull(t.spark().table(t.table("datanet.ingest_runs")).filter("batch_id = 'late'").first());
  }

  @Test
  void orphanRemovalBelowAnHourIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MaintainJob.Config.defaults().withOrphansOlderThan(Duration.ofMinutes(59)));
    assertTrue(e.getMessage().contains("below 1h"), e.getMessage());
  }
}
