package dev.poa.jobs;

import static dev.poa.jobs.IngestFixtures.config;
import static dev.poa.jobs.IngestFixtures.ingest;
import static dev.poa.jobs.IngestFixtures.snapshotIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.cli.PoaCli;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.schemas.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reruns and failures. Failures are real: another process holding the write lock of the SQLite
 * catalog makes Iceberg's commit fail after the job has written its data files, exactly as a
 * crash between writing and committing would leave things.
 */
class IngestSafetyTest {
  final Corpus corpus = new Corpus(5, 4);

  Path input(Path dir, String name, int docs) {
    List<String> lines = new ArrayList<>();
    corpus.generate(docs, 80, 0.5, List.of("news", "code-net"), Instant.parse("2026-03-01T00:00:00Z"))
        .forEach(d -> lines.add(corpus.toJsonLine(d)));
    lines.add("{broken");
    return SharedSpark.write(dir.resolve(name), String.join("\n", lines) + "\n");
  }

  static long dataFiles(TestLakehouse t) throws Exception {
    try (Stream<Path> s = Files.walk(t.warehouse().resolve("data"))) {
      return s.filter(p -> p.toString().endsWith(".parquet")).count();
    }
  }

  @Test
  void rerunningABatchChangesNothing(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    Path in = input(dir, "a.jsonl", 30);
    IngestJob.Result first = ingest(t, config(null, in));
    List<Long> snapshots = snapshotIds(t);
    long rows = t.spark().table(t.table("datanet.submissions")).count();

    IngestJob.Result again = ingest(t, config(null, in)); // default batch id: derived from the inputs
    assertEquals(IngestJob.Outcome.ALREADY_INGESTED, again.outcome());
    assertEquals(first.batchId(), again.batchId());
    assertEquals(List.of(first.read(), first.accepted(), first.duplicate(), first.nearDuplicate(), first.rejected()),
        List.of(again.read(), again.accepted(), again.duplicate(), again.nearDuplicate(), again.rejected()));
    assertEquals(snapshots, snapshotIds(t), "no table got a new snapshot");
    assertEquals(rows, t.spark().table(t.table("datanet.submissions")).count());
  }

  @Test
  void aBatchIdCannotBeReusedForOtherInputs(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    Path in = input(dir, "a.jsonl", 5);
    ingest(t, config("fixed", in));
    Files.writeString(in, Files.readString(in) + "{\"more\":1}\n");
    List<Long> snapshots = snapshotIds(t);
    IngestJob.BatchConflictException e =
        assertThrows(IngestJob.BatchConflictException.class, () -> ingest(t, config("fixed", in)));
    assertTrue(e.getMessage().contains("new --batch-id"), e.getMessage());
    assertEquals(snapshots, snapshotIds(t));
  }

  @Test
  void aCommitThatFailsLeavesEveryTableAtItsLastSnapshot(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    ingest(t, config("base", input(dir, "base.jsonl", 10)));
    List<Long> before = snapshotIds(t);
    long filesBefore = dataFiles(t);
    Path in = input(dir, "next.jsonl", 20);
    try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + t.catalogDb());
        Statement st = lock.createStatement()) {
      // another writer takes the catalog just as the job, holding the lease, starts its first commit
      Progress takeTheCatalog = m -> {
        if (m.startsWith("committing datanet.submissions")) {
          try {
            st.execute("BEGIN IMMEDIATE");
          } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
          }
        }
      };
      assertThrows(RuntimeException.class, () -> new IngestJob(t.lakehouse(), takeTheCatalog).run(config("next", in)));
      st.execute("ROLLBACK");
    }
    assertEquals(before, snapshotIds(t), "tables unchanged");
    assertTrue(dataFiles(t) > filesBefore, "the job had written data files before its commit failed");
    assertEquals(0L, t.spark().table(t.table("datanet.submissions")).filter("batch_id = 'next'").count());

    IngestJob.Result r = ingest(t, config("next", in));
    assertEquals(IngestJob.Outcome.INGESTED, r.outcome());
    assertTrue(r.reconciles());
  }

  @Test
  void aBatchStoppedAfterItsSubmissionsCommitIsFinishedByARerun(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    Path base = input(dir, "base.jsonl", 10);
    ingest(t, config("base", base));
    Path in = SharedSpark.write(dir.resolve("mid.jsonl"),
        Files.readString(input(dir, "tmp.jsonl", 15)) + Files.readString(base)); // re-submissions included
    Throwable failed = CatalogLock.afterNextCommitTo(t, "datanet.submissions", () -> ingest(t, config("mid", in)));
    // the CLI tells whoever runs it which file is locked and how to find the process that holds it
    String hint = PoaCli.lockedCatalogHint(failed, () -> t.catalogDb().toString());
    assertNotNull(hint, () -> stackTrace(failed));
    assertTrue(hint.contains("fuser -v " + t.catalogDb()), hint);
    long stored = t.spark().table(t.table("datanet.submissions")).filter("batch_id = 'mid'").count();
    assertTrue(stored > 0, "submissions were committed before the failure");
    assertEquals(0L, t.spark().table(t.table("datanet.ingest_runs")).filter("batch_id = 'mid'").count());

    // Another batch must not start while this one is incomplete.
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> ingest(t, config("other", input(dir, "o.jsonl", 3))));
    assertTrue(refused.getMessage().contains("--batch-id mid"), refused.getMessage());
    assertNull(PoaCli.lockedCatalogHint(refused, () -> t.catalogDb().toString()));

    IngestJob.Result r = ingest(t, config("mid", in));
    assertEquals(IngestJob.Outcome.RESUMED, r.outcome());
    assertEquals(stored, r.read());
    assertTrue(r.reconciles());
    // Contribution counts equal what the submissions table says, exactly once.
    long mapped = t.spark().table(t.table("datanet.submissions")).filter("status <> 'rejected'").count();
    long counted = t.spark().sql("SELECT sum(submission_count) FROM " + t.table("datanet.contributions")).first().getLong(0);
    assertEquals(mapped, counted);
    long contributionsBefore = t.lakehouse().currentSnapshotId(Tables.CONTRIBUTIONS);
    assertEquals(IngestJob.Outcome.ALREADY_INGESTED, ingest(t, config("mid", in)).outcome());
    assertEquals(contributionsBefore, t.lakehouse().currentSnapshotId(Tables.CONTRIBUTIONS), "the rerun committed nothing");
  }

  static String stackTrace(Throwable t) {
    java.io.StringWriter w = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }
}
