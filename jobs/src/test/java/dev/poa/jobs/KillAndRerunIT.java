package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.jobs.demo.Corpus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code poa ingest} killed with SIGKILL at a given step, then run again: the lakehouse must end
 * exactly as if the first run had never been interrupted. The CLI runs as its own process from
 * the packaged jar, like {@code ./poa}.
 */
class KillAndRerunIT {
  record Run(int exit, String out) {}

  static List<String> command(Path warehouse, String... args) throws IOException {
    Path target = Path.of("target");
    Path jar;
    try (Stream<Path> s = Files.list(target)) {
      jar = s.filter(p -> p.getFileName().toString().matches("poa-jobs-.*-spark\\.jar")).findFirst().orElseThrow();
    }
    String cp = jar.toAbsolutePath() + ":" + Files.readString(target.resolve("provided-classpath.txt")).strip();
    // set up as every JVM the integration tests start (SparkStandalone.SHORT_LIVED_JVM says why)
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
    cmd.addAll(List.of(dev.poa.fixtures.SparkStandalone.SHORT_LIVED_JVM.split(" ")));
    // the class-data sharing archive of this jar, as ./poa uses it (jobs/src/build/cds-archive.sh)
    Path archive = target.resolve("poa-cds.jsa");
    if (Files.exists(archive) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0) {
      cmd.addAll(List.of("-XX:SharedArchiveFile=" + archive.toAbsolutePath(), "-Xlog:cds=off,cds+dynamic=off"));
    }
    cmd.addAll(List.of(Files.readString(target.resolve("classes/poa/jvm-flags.txt")).strip().split("\\s+")));
    // a short lease time-to-live: the lease of a run killed here expires in seconds, not a minute
    cmd.addAll(List.of("-cp", cp, "dev.poa.cli.PoaCli", "--warehouse", warehouse.toString(), "--conf",
        "poa.lease.ttl=10s"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Runs poa; when {@code killAt} appears in its output, kills it with SIGKILL. */
  static Run poa(Path warehouse, String killAt, String... args) throws Exception {
    Process p = new ProcessBuilder(command(warehouse, args)).redirectErrorStream(true).start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.append(line).append('\n');
        if (killAt != null && line.contains(killAt)) {
          p.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
          break;
        }
      }
    }
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("poa did not finish:\n" + out);
    }
    return new Run(p.exitValue(), out.toString());
  }

  /**
   * One lakehouse, one batch, killed again and again at successive steps (before any commit,
   * during the submissions commit, after it, before the completion marker), then run to the end.
   */
  @Test
  void aBatchKilledAtEveryStepIsFinishedExactlyOnceByARerun(@TempDir Path dir) throws Exception {
    Corpus corpus = new Corpus(17, 5, false);
    List<String> lines = new ArrayList<>();
    corpus.generate(150, 60, 0.5, List.of("news", "law"), Instant.parse("2026-04-01T00:00:00Z"))
        .forEach(d -> lines.add(corpus.toJsonLine(d)));
    lines.add("{broken");
    Path input = Files.writeString(dir.resolve("in.jsonl"), String.join("\n", lines) + "\n");
    Path warehouse = dir.resolve("lakehouse");

    for (String killAt : List.of(
        "deduplicating", "committing datanet.submissions", "merging into datanet.contributions",
        "committing datanet.ingest_runs")) {
      Run killed = poa(warehouse, killAt, "ingest", "--input", input.toString(), "--batch-id", "k1");
      assertTrue(killed.exit() != 0, "the run was killed at '" + killAt + "':\n" + killed.out());
    }

    Run rerun = poa(warehouse, null, "ingest", "--input", input.toString(), "--batch-id", "k1");
    assertEquals(0, rerun.exit(), rerun.out());
    Run check = poa(warehouse, null, "sql", "--format", "csv",
        "SELECT (SELECT count(*) FROM datanet.submissions) AS submissions,"
            + " (SELECT count(*) FROM datanet.submissions WHERE status <> 'rejected') AS mapped,"
            + " (SELECT sum(submission_count) FROM datanet.contributions) AS counted,"
            + " (SELECT count(*) FROM datanet.contributions) AS contributions,"
            + " (SELECT count(*) FROM datanet.submissions WHERE status = 'accepted') AS accepted,"
            + " (SELECT rows_read FROM datanet.ingest_runs WHERE batch_id = 'k1') AS rows_read,"
            + " (SELECT count(*) FROM datanet.ingest_runs) AS runs");
    assertEquals(0, check.exit(), check.out());
    String[] v = check.out().strip().lines().reduce((a, b) -> b).orElseThrow().split(",");
    assertEquals(String.valueOf(lines.size()), v[0], "one submission per line, no duplicates: " + check.out());
    assertEquals(v[1], v[2], "contribution counts equal mapped submissions, counted once");
    assertEquals(v[3], v[4], "one contribution per accepted submission");
    assertEquals(String.valueOf(lines.size()), v[5]);
    assertEquals("1", v[6]);

    Run again = poa(warehouse, null, "ingest", "--input", input.toString(), "--batch-id", "k1");
    assertTrue(again.out().contains("already ingested"), again.out());
  }
}
