package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.jobs.demo.Corpus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@code poa} processes (the packaged jar, as {@code ./poa} runs it) on one lakehouse: two
 * writers started together write one at a time and end as a sequential run would; a writer
 * killed with SIGKILL leaves a lease that expires; a writer paused (SIGSTOP) past its lease's
 * expiry loses it and commits nothing when it resumes.
 */
class LakehouseRaceIT {
  /** A poa process whose output is collected as it runs; {@code marker} is counted down when a line contains it. */
  static final class Poa {
    final Process process;
    final StringBuffer out = new StringBuffer();
    final CountDownLatch seen = new CountDownLatch(1);
    final CompletableFuture<Void> reader;

    Poa(Path warehouse, String marker, String... args) throws IOException {
      process = new ProcessBuilder(KillAndRerunIT.command(warehouse, args)).redirectErrorStream(true).start();
      reader = CompletableFuture.runAsync(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            out.append(line).append('\n');
            if (marker != null && line.contains(marker)) {
              seen.countDown();
            }
          }
        } catch (IOException e) {
          // the process was killed
        }
      });
    }

    int exit() throws Exception {
      assertTrue(process.waitFor(8, TimeUnit.MINUTES), "poa did not finish:\n" + out);
      reader.get(30, TimeUnit.SECONDS);
      return process.exitValue();
    }

    void awaitMarker() throws InterruptedException {
      assertTrue(seen.await(5, TimeUnit.MINUTES), "marker not seen:\n" + out);
    }

    void signal(String sig) throws Exception {
      Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
      assertEquals(0, kill.waitFor());
    }

    /**
     * SIGSTOP at a moment the process holds no lock on the SQLite catalog. SQLite locks the whole database file, so a
     * process stopped in the middle of a catalog read or commit holds up every other process until it resumes,
     * whatever its lease says (the CLI then names the file and how to find that process: PoaCli.lockedCatalogHint).
     * What this test stops is a writer between catalog calls: if an exclusive transaction cannot be taken at once,
     * the stopped process holds a lock, and it is resumed for a moment and stopped again.
     */
    void stopOutsideTheCatalog(Path catalogDb) throws Exception {
      for (int attempt = 0; attempt < 100; attempt++) {
        signal("STOP");
        if (unlocked(catalogDb)) {
          return;
        }
        signal("CONT");
        Thread.sleep(20);
      }
      throw new AssertionError("the process held the catalog at each of 100 stops:\n" + out);
    }
  }

  /** Whether no process holds a lock on the SQLite database: an exclusive transaction is taken without waiting. */
  static boolean unlocked(Path db) throws SQLException {
    Properties noWait = new Properties();
    noWait.setProperty("busy_timeout", "0");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db, noWait); Statement s = c.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      s.execute("ROLLBACK");
      return true;
    } catch (SQLException e) {
      if (PoaSpark.sqliteBusy(e)) {
        return false;
      }
      throw e;
    }
  }

  static String run(Path warehouse, String... args) throws Exception {
    Poa p = new Poa(warehouse, null, args);
    int exit = p.exit();
    assertEquals(0, exit, String.join(" ", args) + ":\n" + p.out);
    return p.out.toString();
  }

  /** The rows of a query, as csv lines (standard output only; the header dropped). */
  static List<String> lines(Path warehouse, String query) throws Exception {
    Process p = new ProcessBuilder(KillAndRerunIT.command(warehouse, "sql", "--format", "csv", "--limit", "100000", query))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES));
    assertEquals(0, p.exitValue(), query + ":\n" + out);
    List<String> rows = out.strip().lines().toList();
    return rows.subList(1, rows.size());
  }

  static String[] csv(Path warehouse, String query) throws Exception {
    return lines(warehouse, query).get(0).split(",");
  }

  /** Two halves of a corpus whose near-duplicate variants fall in the other half than their originals. */
  static List<Path> halves(Path dir) throws IOException {
    Corpus corpus = new Corpus(23, 6, false);
    List<Corpus.Doc> docs = corpus.generate(120, 60, 0.6, List.of("news", "law"), Instant.parse("2026-04-01T00:00:00Z"));
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      (i % 2 == 0 ? a : b).add(corpus.toJsonLine(docs.get(i)));
    }
    return List.of(Files.writeString(dir.resolve("a.jsonl"), String.join("\n", a) + "\n"),
        Files.writeString(dir.resolve("b.jsonl"), String.join("\n", b) + "\n"));
  }

  @Test
  void twoIngestsStartedTogetherWriteOneAtATimeAndEndAsASequentialRun(@TempDir Path dir) throws Exception {
    List<Path> inputs = halves(dir);
    Path raced = dir.resolve("raced");
    Poa a = new Poa(raced, null, "ingest", "--input", inputs.get(0).toString(), "--batch-id", "half-a");
    Poa b = new Poa(raced, null, "ingest", "--input", inputs.get(1).toString(), "--batch-id", "half-b");
    assertEquals(0, a.exit(), a.out.toString());
    assertEquals(0, b.exit(), b.out.toString());
    assertTrue(a.out.indexOf("waiting up to") >= 0 || b.out.indexOf("waiting up to") >= 0,
        "one waited for the other:\n" + a.out + "\n" + b.out);
    // the batches' commits (submissions, contributions, completion) never interleave
    List<String> commits = lines(raced, "SELECT batch FROM (SELECT committed_at, summary['poa.batch-id'] AS batch"
        + " FROM datanet.submissions.snapshots UNION ALL SELECT committed_at, summary['poa.batch-id']"
        + " FROM datanet.contributions.snapshots UNION ALL SELECT committed_at, summary['poa.batch-id']"
        + " FROM datanet.ingest_runs.snapshots) WHERE batch IS NOT NULL ORDER BY committed_at");
    assertEquals(6, commits.size(), commits.toString());
    assertEquals(List.of(commits.get(0), commits.get(0), commits.get(0), commits.get(3), commits.get(3), commits.get(3)),
        commits);
    assertNotEquals(commits.get(0), commits.get(3));

    // the same two batches, one after the other, in the order they ran
    Path sequential = dir.resolve("sequential");
    for (String batch : List.of(commits.get(0), commits.get(3))) {
      run(sequential, "ingest", "--input", inputs.get(batch.equals("half-a") ? 0 : 1).toString(), "--batch-id", batch);
    }
    // what the lakehouse holds: every contribution (id, first submitter, count) and the submissions per status
    String state = "SELECT * FROM (SELECT 'contribution' AS what, contribution_id AS a, contributor AS b,"
        + " CAST(submission_count AS STRING) AS n FROM datanet.contributions UNION ALL SELECT 'submissions', batch_id,"
        + " status, CAST(count(*) AS STRING) FROM datanet.submissions GROUP BY batch_id, status) ORDER BY 1, 2, 3";
    List<String> expected = lines(sequential, state);
    assertEquals(expected, lines(raced, state));
    assertTrue(expected.stream().anyMatch(l -> l.contains("near_duplicate")), "the batches hold near-duplicates of each other");
  }

  @Test
  void twoRewardsOfOneEpochFinaliseItOnce(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("lakehouse");
    run(wh, "ingest", "--input", halves(dir).get(0).toString(), "--batch-id", "b1");
    Path adapter = Files.writeString(dir.resolve("adapter.json"), InferenceLogsTest.adapter("ad", ""));
    run(wh, "adapters", "register", "--file", adapter.toString());
    List<String> logs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      logs.add(InferenceLogsTest.log("r" + i, "ad", "2026-07-01T0" + i + ":00:00Z", "\"100000000000000000" + i + "\""));
    }
    run(wh, "logs", "ingest", "--input", Files.writeString(dir.resolve("logs.jsonl"), String.join("\n", logs) + "\n")
        .toString(), "--batch-id", "l1");
    run(wh, "attribute", "--epoch", "2026-07-01");
    String treasury = "poa.rewards.treasury=" + RewardsTest.TREASURY;
    Poa a = new Poa(wh, null, "--conf", treasury, "rewards", "--epoch", "2026-07-01");
    Poa b = new Poa(wh, null, "--conf", treasury, "rewards", "--epoch", "2026-07-01");
    assertEquals(0, a.exit(), a.out.toString());
    assertEquals(0, b.exit(), b.out.toString());
    String both = a.out + "\n" + b.out;
    assertEquals(1, count(both, "2026-07-01: finalised"), both);
    assertEquals(1, count(both, "already finalised, unchanged"), both);
    assertEquals("1", csv(wh, "SELECT count(*) FROM rewards.epoch_manifests")[0]);
    assertTrue(run(wh, "audit", "--epoch", "2026-07-01").contains("audit passed"));
  }

  static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void aKilledWritersLeaseExpiresAndAPausedWriterLosesItsLease(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("lakehouse");
    List<Path> inputs = halves(dir);
    Path small = Files.writeString(dir.resolve("small.jsonl"),
        IngestValidationTest.rec("news", "a small batch of one record, written while another waited", "") + "\n");

    // killed with SIGKILL while it holds the lease: the next writer is told who holds it, then takes it once it expires.
    // The lease (renewed every 20s) expires 40 to 60s after the kill; both writers start at once, so each reaches
    // the lease well within that, however loaded the machine (two writers started one after the other did not).
    Poa killed = new Poa(wh, "reading and validating", "--conf", "poa.lease.ttl=60s", "ingest", "--input",
        inputs.get(0).toString(), "--batch-id", "k1");
    killed.awaitMarker();
    killed.process.destroyForcibly();
    killed.exit();
    Poa refused = new Poa(wh, null, "--wait-lock", "1s", "ingest", "--input", small.toString(), "--batch-id", "k2");
    Poa waiting = new Poa(wh, null, "--wait-lock", "3m", "ingest", "--input", small.toString(), "--batch-id", "k2");
    assertEquals(8, refused.exit(), refused.out.toString());
    assertTrue(refused.out.indexOf("in use by 'poa ingest --batch-id k1'") >= 0, refused.out.toString());
    assertTrue(refused.out.indexOf("expires at") >= 0, refused.out.toString());
    assertEquals(0, waiting.exit(), waiting.out.toString());
    String waited = waiting.out.toString();
    assertTrue(waited.contains("waiting up to 3m for the lakehouse, in use by 'poa ingest --batch-id k1'"), waited);
    assertTrue(waited.contains("batch k2: ingested"), waited);

    // paused (SIGSTOP) past its lease's expiry: another writer takes the lease; resumed, the paused one commits nothing
    Poa paused = new Poa(wh, "deduplicating", "--conf", "poa.lease.ttl=6s", "ingest", "--input", inputs.get(1).toString(),
        "--batch-id", "p1");
    paused.awaitMarker();
    paused.stopOutsideTheCatalog(wh.resolve("catalog.db"));
    try {
      Thread.sleep(8000);
      run(wh, "--wait-lock", "2m", "ingest", "--input", inputs.get(0).toString(), "--batch-id", "p2");
    } finally {
      paused.signal("CONT");
    }
    assertNotEquals(0, paused.exit(), paused.out.toString());
    assertTrue(paused.out.indexOf("was lost") >= 0, paused.out.toString());
    assertEquals(List.of("0", "1"), List.of(csv(wh, "SELECT (SELECT count(*) FROM datanet.submissions WHERE batch_id = 'p1'),"
        + " (SELECT count(*) FROM datanet.ingest_runs WHERE batch_id = 'p2')")));
  }
}
