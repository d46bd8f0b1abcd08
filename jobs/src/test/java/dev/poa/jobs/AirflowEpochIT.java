package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.airflow.AirflowClient;
import dev.poa.airflow.model.DAGRunResponse;
import dev.poa.airflow.model.TaskInstanceResponse;
import dev.poa.airflow.model.TaskInstanceState;
import dev.poa.fixtures.AirflowProcess;
import dev.poa.fixtures.ChainFixture;
import dev.poa.fixtures.SparkStandalone;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.eval.SpanEval;
import dev.poa.settlement.Chain;
import dev.poa.settlement.ContractArtifact;
import dev.poa.settlement.DevChain;
import dev.poa.settlement.Distributor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;

/**
 * The epoch DAG end to end, with every part real: Airflow 3 started by {@code orchestration/airflow
 * up}, a Spark standalone master and worker that every stage is spark-submitted to, anvil for the
 * settlement, and the Java Airflow client ({@code poa airflow ...}). Two epochs are backfilled and
 * settled; a second run of the first changes nothing; a run whose audit differs stops before
 * settlement; a run of an epoch that has not ended is rescheduled, not failed.
 */
class AirflowEpochIT {
  static final String E1 = "2026-07-01";
  static final String E2 = "2026-07-02";
  static final String ADAPTER = "sample-micro-llama-1";
  static final Credentials SETTLER = Credentials.create(DevChain.DEV_KEYS.get(2));
  static final ObjectMapper JSON = new ObjectMapper();

  record Run(int exit, String out) {}

  static Run poa(Path warehouse, Map<String, String> env, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(KillAndRerunIT.command(warehouse, args)).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(40, TimeUnit.MINUTES), "poa did not finish:\n" + out);
    return new Run(p.exitValue(), out);
  }

  static String ok(Path warehouse, Map<String, String> env, String... args) throws Exception {
    Run r = poa(warehouse, env, args);
    assertEquals(0, r.exit(), String.join(" ", args) + ":\n" + r.out());
    return r.out();
  }

  /** One inference-log batch of an epoch in the landing, quoting the given contents, marked ready. */
  static void logs(Path landing, String epoch, List<String> contents, Random random) throws Exception {
    Path dir = Files.createDirectories(landing.resolve("logs").resolve("logs-" + epoch));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String quote = SpanEval.verbatim(contents.get(i % contents.size()), 18, random);
      lines.add("{\"request_id\":\"" + epoch + "-" + i + "\",\"adapter_id\":\"" + ADAPTER + "\",\"served_at\":\"" + epoch
          + "T0" + i + ":00:00Z\",\"completion\":\"As noted: " + quote.replace("\"", "'") + ".\",\"fee_wei\":\"1000000000"
          + i + "\"}");
    }
    Files.write(dir.resolve("logs.jsonl"), lines);
    Files.writeString(dir.resolve("_SUCCESS"), "");
  }

  static List<String> states(AirflowClient a, DAGRunResponse r) {
    List<String> out = new ArrayList<>();
    for (TaskInstanceResponse t : a.taskInstances(r.getDagId(), r.getDagRunId())) {
      out.add(t.getTaskId() + "=" + t.getState());
    }
    return out;
  }

  static TaskInstanceState state(AirflowClient a, DAGRunResponse r, String task) {
    return a.taskInstances(r.getDagId(), r.getDagRunId()).stream().filter(t -> t.getTaskId().equals(task)).findFirst()
        .map(TaskInstanceResponse::getState).orElse(null);
  }

  @Test
  void backfilledEpochsRunEveryStageOnAClusterAndSettleOnce(@TempDir Path dir) throws Exception {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    Path warehouse = dir.resolve("lakehouse");
    Path landing = warehouse.resolve("landing");
    Map<String, String> none = Map.of();
    // the lakehouse: contributions, an adapter with real PEFT files, the distributor on anvil
    Corpus corpus = new Corpus(29, 5, false);
    List<Corpus.Doc> docs = corpus.generate(40, 70, 0.0, List.of("news"), Instant.parse("2026-06-01T00:00:00Z"));
    Path subs = Files.createDirectories(landing.resolve("submissions").resolve("news-1"));
    Files.write(subs.resolve("news.jsonl"), docs.stream().map(corpus::toJsonLine).toList());
    Files.writeString(subs.resolve("_SUCCESS"), "");
    ok(warehouse, none, "landing", "ingest", "--kind", "submissions");
    ok(warehouse, none, "adapters", "sample", "--base", "micro-llama", "--count", "1", "--datanet", "news");
    Random random = new Random(3);
    List<String> contents = docs.stream().map(Corpus.Doc::content).toList();
    logs(landing, E1, contents, random);
    logs(landing, E2, contents, random);
    try (ChainFixture node = ChainFixture.start(dir.resolve("anvil"));
        Chain chain = new Chain(node.url(), ContractArtifact.DISTRIBUTOR)) {
      ok(warehouse, none, "chain", "deploy", "--rpc", node.url(), "--settler", SETTLER.getAddress());
      String distributor = JSON.readTree(warehouse.resolve("chain/deployment.json").toFile()).get("distributor").asText();
      Path target = Path.of("target");
      String provided = Files.readString(target.resolve("provided-classpath.txt"));
      String flags = Files.readString(target.resolve("classes/poa/jvm-flags.txt")).strip();
      try (SparkStandalone cluster = SparkStandalone.start(dir.resolve("spark"), provided, flags);
          AirflowProcess airflow = AirflowProcess.start(repo, dir.resolve("airflow"), warehouse, cluster.masterUrl(),
              dev.poa.udfs.Epochs.of(Instant.now()))) {
        Map<String, String> env = Map.of("POA_AIRFLOW_HOME", airflow.home().toString());
        AirflowClient a = dev.poa.jobs.AirflowEpochIT.client(airflow.home());
        // the node and the settler's key, as an operator stores them: in an Airflow connection
        a.connection("poa_chain", "generic", node.url(), null, DevChain.DEV_KEYS.get(2), null);
        String conf = "{\"settle\": true, \"poa_conf\": {\"poa.rewards.treasury\": \"" + RewardsTest.TREASURY
            + "\", \"poa.settle.confirmations\": \"1\"}}";

        // 1. both epochs, through the Java client: every stage, in order, one run at a time
        Run backfill = poa(warehouse, env, "airflow", "backfill", "poa_epoch", "--from", E1, "--to", E2, "--run-conf", conf,
            "--wait", "--timeout", "40m");
        assertEquals(0, backfill.exit(), backfill.out());
        String manifests = ok(warehouse, none, "sql", "--format", "csv",
            "SELECT epoch, chain_epoch, root FROM rewards.epoch_manifests ORDER BY epoch");
        List<String[]> rows = manifests.strip().lines().filter(l -> l.startsWith("2026-")).map(l -> l.split(",")).toList();
        assertEquals(2, rows.size(), manifests);
        for (String[] m : rows) {
          assertTrue(ok(warehouse, none, "audit", "--epoch", m[0]).contains("audit passed"));
          List<?> onChain = chain.call(SETTLER.getAddress(), distributor, Distributor.epochRoot(Long.parseLong(m[1])));
          assertEquals(m[2], org.web3j.utils.Numeric.toHexString((byte[]) ((org.web3j.abi.datatypes.Type<?>) onChain.get(0))
              .getValue()), "the root of " + m[0] + " on chain");
        }
        JsonNode index = JSON.readTree(warehouse.resolve("fleet/index.json").toFile());
        assertTrue(index.toString().contains(ADAPTER), index.toString());

        // 2. the first epoch again: success, and nothing changes (no second manifest, no second commit)
        long commits = commits(chain, distributor);
        Run again = poa(warehouse, env, "airflow", "trigger", "poa_epoch", "--epoch", E1, "--run-conf", conf, "--wait",
            "--timeout", "20m");
        assertEquals(0, again.exit(), again.out());
        assertEquals("2", ok(warehouse, none, "sql", "--format", "csv", "SELECT count(*) FROM rewards.epoch_manifests")
            .strip().lines().reduce((x, y) -> y).orElseThrow());
        assertEquals(commits, commits(chain, distributor));

        // 3. an audit that differs stops the run before settlement
        Path manifestFile = warehouse.resolve("manifests").resolve("epoch-" + E2 + ".json");
        Files.writeString(manifestFile, Files.readString(manifestFile).replaceFirst("\"total_wei\" : \"", "\"total_wei\" : \"9"));
        Run tampered = poa(warehouse, env, "airflow", "trigger", "poa_epoch", "--epoch", E2, "--run-conf", conf, "--wait",
            "--timeout", "20m");
        assertEquals(1, tampered.exit(), tampered.out());
        DAGRunResponse failed = a.runs("poa_epoch").stream().filter(r -> r.getLogicalDate().toLocalDate().toString()
            .equals(E2)).findFirst().orElseThrow();
        assertEquals(dev.poa.airflow.model.DagRunState.FAILED, failed.getState());
        assertEquals(TaskInstanceState.FAILED, state(a, failed, "audit"), states(a, failed).toString());
        assertEquals(TaskInstanceState.UPSTREAM_FAILED, state(a, failed, "settle"), states(a, failed).toString());
        assertEquals(commits, commits(chain, distributor));

        // 4. an epoch that has not ended: its rewards stage is rescheduled, not failed
        String today = dev.poa.udfs.Epochs.of(Instant.now());
        logs(landing, today, contents, random);
        Run open = poa(warehouse, env, "airflow", "trigger", "poa_epoch", "--epoch", today, "--run-conf", conf);
        assertEquals(0, open.exit(), open.out());
        DAGRunResponse waiting = a.runs("poa_epoch").stream().filter(r -> r.getLogicalDate().toLocalDate().toString()
            .equals(today)).reduce((x, y) -> y).orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        while (state(a, waiting, "rewards") != TaskInstanceState.UP_FOR_RESCHEDULE) {
          assertTrue(System.nanoTime() < deadline, "rewards of " + today + " not rescheduled: " + states(a, waiting));
          assertTrue(state(a, waiting, "rewards") != TaskInstanceState.FAILED, states(a, waiting).toString());
          Thread.sleep(3000);
        }
        assertEquals(dev.poa.airflow.model.DagRunState.RUNNING, a.run("poa_epoch", waiting.getDagRunId()).getState());
      }
    }
  }

  /** EpochCommitted events of the distributor: one per commit that happened. */
  static long commits(Chain chain, String distributor) {
    return countEvents(chain, distributor);
  }

  static long countEvents(Chain chain, String distributor) {
    try {
      var filter = new org.web3j.protocol.core.methods.request.EthFilter(
          org.web3j.protocol.core.DefaultBlockParameterName.EARLIEST, org.web3j.protocol.core.DefaultBlockParameterName.LATEST,
          distributor);
      filter.addSingleTopic(Distributor.EPOCH_COMMITTED_TOPIC);
      return chain.web3j().ethGetLogs(filter).send().getLogs().size();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The client of the Airflow that orchestration/airflow up started (what poa airflow finds by itself). */
  static AirflowClient client(Path home) throws Exception {
    JsonNode s = JSON.readTree(home.resolve("poa-airflow.json").toFile());
    JsonNode passwords = JSON.readTree(Path.of(s.get("password_file").asText()).toFile());
    return new AirflowClient(java.net.URI.create(s.get("url").asText()), new AirflowClient.Login(s.get("user").asText(),
        passwords.get(s.get("user").asText()).asText(), null));
  }
}
