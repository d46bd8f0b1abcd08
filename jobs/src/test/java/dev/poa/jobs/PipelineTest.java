package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.pipeline.EpochPipeline;
import dev.poa.jobs.pipeline.EpochPipeline.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One definition of the epoch pipeline: the DAG's file is written from it (and must stay so), its
 * exit codes mean what the issue of each stage says, and {@code poa run-epoch} runs it: from the
 * landing to the exported fleet, again as a no-op, an epoch without inference ends after
 * attribute, and an epoch that has not ended stops at rewards with "not ready".
 */
class PipelineTest {
  @Test
  void theDagsPipelineFileIsWrittenFromTheJavaDefinition() throws Exception {
    Path file = Path.of("..", "orchestration", "dags", "poa_pipeline.json");
    assertEquals(EpochPipeline.json(), Files.readString(file),
        "orchestration/dags/poa_pipeline.json is stale: ./poa pipeline --format json > orchestration/dags/poa_pipeline.json");
  }

  @Test
  void exitCodesMeanWhatTheStagesSay() {
    for (EpochPipeline.Stage s : EpochPipeline.STAGES) {
      assertEquals(Outcome.DONE, s.outcome(0), s.id());
      assertEquals(Outcome.RESCHEDULE, s.outcome(8), s.id());
      assertEquals(Outcome.FAIL, s.outcome(4), s.id());
      assertEquals(Outcome.FAIL, s.outcome(1), s.id());
    }
    assertEquals(Outcome.FAIL, EpochPipeline.stage("audit").outcome(5));
    assertEquals(Outcome.RETRY, EpochPipeline.stage("settle").outcome(7));
    assertEquals(Outcome.SOME_FAILED, EpochPipeline.stage("export_adapters").outcome(6));
    assertEquals(Outcome.SKIP_REST, EpochPipeline.stage("attribute").outcome(9));
    assertTrue(EpochPipeline.stage("settle").offUnlessEnabled());
    // stages only run after stages that come before them
    List<String> seen = new ArrayList<>();
    for (EpochPipeline.Stage s : EpochPipeline.STAGES) {
      assertTrue(seen.containsAll(s.after()), s.id() + " runs after " + s.after());
      seen.add(s.id());
    }
    assertEquals(List.of("attribute", "--epoch", "2026-11-25", "--method", "auto", "--skip-finalised"),
        EpochPipeline.stage("attribute").command("2026-11-25", "L", "F"));
  }

  /** A batch folder of the landing, marked ready. */
  static void batch(Path landing, String kind, String name, List<String> lines) throws Exception {
    Path dir = Files.createDirectories(landing.resolve(kind).resolve(name));
    Files.write(dir.resolve("part-0.jsonl"), lines);
    Files.writeString(dir.resolve("_SUCCESS"), "");
  }

  @Tag("slow")
  @Test
  void runEpochRunsTheStagesFromTheLandingToTheFleet(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    String cat = t.config().catalogName();
    Path landing = dir.resolve("landing");
    dev.poa.jobs.demo.Corpus corpus = new dev.poa.jobs.demo.Corpus(61, 4, false);
    List<dev.poa.jobs.demo.Corpus.Doc> docs = corpus.generate(12, 60, 0.0, List.of("news"),
        Instant.parse("2026-06-01T00:00:00Z"));
    batch(landing, "submissions", "s1", docs.stream().map(corpus::toJsonLine).toList());
    // not ready yet: no _SUCCESS, so not read
    Files.createDirectories(landing.resolve("submissions/s2")).resolve("part-0.jsonl").toFile().createNewFile();
    CliTest.Run ingested = CliTest.poa(t.warehouse(), cat, "landing", "ingest", "--kind", "submissions", "--landing",
        landing.toString());
    assertEquals(0, ingested.code(), ingested.err());
    assertTrue(ingested.out().contains("1 ready batch(es)"), ingested.out());
    assertEquals(0, CliTest.poa(t.warehouse(), cat, "adapters", "sample", "--base", "micro-llama", "--count", "1",
        "--datanet", "news").code());
    Random random = new Random(2);
    List<String> logs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      logs.add(MoneyPathGuardsTest.log("r" + i, "2026-07-01T0" + i + ":00:00Z", "So: "
          + dev.poa.jobs.eval.SpanEval.verbatim(docs.get(i).content(), 16, random) + " done.", "100" + i)
          .replace("\"ad\"", "\"sample-micro-llama-1\""));
    }
    String now = Instant.now().minusSeconds(5).toString();
    logs.add(MoneyPathGuardsTest.log("r-now", now, "now", "5").replace("\"ad\"", "\"sample-micro-llama-1\""));
    batch(landing, "logs", "l1", logs);
    String treasury = "poa.rewards.treasury=" + RewardsTest.TREASURY;
    Path fleet = dir.resolve("fleet");

    CliTest.Run run = CliTest.poa(t.warehouse(), cat, "--conf", treasury, "run-epoch", "--epoch", "2026-07-01", "--landing",
        landing.toString(), "--fleet", fleet.toString());
    assertEquals(0, run.code(), run.out() + run.err());
    for (EpochPipeline.Stage s : EpochPipeline.STAGES) {
      assertTrue(run.out().contains(s.offUnlessEnabled() ? "[stage " + s.id() + "] off" : "[stage " + s.id() + "] poa "),
          s.id() + ":\n" + run.out());
    }
    assertTrue(run.out().contains("audit passed"), run.out());
    assertTrue(Files.exists(fleet.resolve("index.json")));
    List<Row> manifests = t.spark().table(t.table("rewards.epoch_manifests")).collectAsList();
    assertEquals(1, manifests.size());

    // again: every stage is a no-op
    CliTest.Run again = CliTest.poa(t.warehouse(), cat, "--conf", treasury, "run-epoch", "--epoch", "2026-07-01",
        "--landing", landing.toString(), "--fleet", fleet.toString());
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("already finalised, unchanged"), again.out());
    assertTrue(again.out().contains("is finalised: its attribution is final, nothing to do"), again.out());
    assertEquals(manifests, t.spark().table(t.table("rewards.epoch_manifests")).collectAsList());

    // an epoch without inference: done after attribute; one that has not ended: not ready at rewards
    CliTest.Run empty = CliTest.poa(t.warehouse(), cat, "--conf", treasury, "run-epoch", "--epoch", "2026-07-02",
        "--landing", landing.toString(), "--fleet", fleet.toString());
    assertEquals(0, empty.code(), empty.err());
    assertTrue(empty.out().contains("nothing to do after attribute"), empty.out());
    CliTest.Run open = CliTest.poa(t.warehouse(), cat, "--conf", treasury, "run-epoch", "--epoch", now, "--landing",
        landing.toString(), "--fleet", fleet.toString());
    assertEquals(8, open.code(), open.out() + open.err());
    assertTrue(open.out().contains("[stage rewards] exit 8: reschedule"), open.out());
    assertEquals(1, t.spark().table(t.table("rewards.epoch_manifests")).count());
  }
}
