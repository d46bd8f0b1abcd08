package dev.poa.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.airflow.AirflowClient;
import dev.poa.airflow.model.BackfillResponse;
import dev.poa.airflow.model.DAGRunResponse;
import dev.poa.airflow.model.DagRunState;
import dev.poa.airflow.model.TaskInstanceResponse;
import dev.poa.jobs.PoaConfig;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Durations;
import dev.poa.udfs.Epochs;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "airflow",
    mixinStandardHelpOptions = true,
    description = {
      "Drive the poa DAGs in Airflow through its REST API (v2).",
      "",
      "Which Airflow: poa.airflow.url with POA_AIRFLOW_USER and POA_AIRFLOW_PASSWORD",
      "(or POA_AIRFLOW_TOKEN); else the one orchestration/airflow up started",
      "(orchestration/.airflow/poa-airflow.json). Exit codes with --wait follow the",
      "end of the run(s): 0 success, 1 failed, 8 still running after --timeout.",
    },
    subcommands = {AirflowCommand.Trigger.class, AirflowCommand.Status.class, AirflowCommand.Wait.class,
        AirflowCommand.Backfill.class})
final class AirflowCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa airflow trigger|status|wait|backfill");
  }

  /** The Airflow of this configuration and environment. */
  static AirflowClient client(PoaCli root) {
    PoaConfig c = root.config();
    Map<String, String> env = root.env();
    String url = c.get("poa.airflow.url", env.get("POA_AIRFLOW_URL"));
    String user = env.get("POA_AIRFLOW_USER");
    String password = env.get("POA_AIRFLOW_PASSWORD");
    String token = env.get("POA_AIRFLOW_TOKEN");
    if (url == null || (token == null && (user == null || password == null))) {
      Path state = Path.of(env.getOrDefault("POA_AIRFLOW_HOME",
          Path.of(env.getOrDefault("POA_HOME", ".")).resolve("orchestration/.airflow").toString())).resolve("poa-airflow.json");
      if (!Files.isRegularFile(state)) {
        throw new BadInputException("No Airflow: set poa.airflow.url and POA_AIRFLOW_USER/POA_AIRFLOW_PASSWORD, or"
            + " start one with orchestration/airflow up");
      }
      try {
        JsonNode s = new ObjectMapper().readTree(state.toFile());
        JsonNode passwords = new ObjectMapper().readTree(Path.of(s.get("password_file").asText()).toFile());
        url = url != null ? url : s.get("url").asText();
        user = s.get("user").asText();
        password = passwords.get(user).asText();
      } catch (IOException | RuntimeException e) {
        throw new BadInputException("Cannot read " + state + " (is orchestration/airflow up?): " + e.getMessage());
      }
    }
    return new AirflowClient(URI.create(url), new AirflowClient.Login(user, password, token));
  }

  static Map<String, Object> conf(String json, String epoch) {
    Map<String, Object> conf = new LinkedHashMap<>();
    if (json != null) {
      try {
        new ObjectMapper().readTree(json).fields().forEachRemaining(e -> conf.put(e.getKey(), unwrap(e.getValue())));
      } catch (IOException e) {
        throw new BadInputException("--run-conf is not a JSON object: " + e.getMessage());
      }
    }
    if (epoch != null) {
      conf.put("epoch", epoch);
    }
    return conf;
  }

  private static Object unwrap(JsonNode n) {
    return new ObjectMapper().convertValue(n, Object.class);
  }

  static OffsetDateTime start(String epoch) {
    return Epochs.start(epoch).atOffset(ZoneOffset.UTC);
  }

  static void print(java.io.PrintWriter out, DAGRunResponse r) {
    out.printf("%s %s: %s (logical date %s)%n", r.getDagId(), r.getDagRunId(), r.getState(), r.getLogicalDate());
  }

  static void printTasks(java.io.PrintWriter out, AirflowClient a, DAGRunResponse r) {
    for (TaskInstanceResponse t : a.taskInstances(r.getDagId(), r.getDagRunId())) {
      out.printf("  %-22s %s%n", t.getTaskId(), t.getState());
    }
  }

  /** 0 success, 1 failed, 8 not finished. */
  static int exit(List<DAGRunResponse> runs) {
    if (runs.stream().anyMatch(r -> r.getState() == DagRunState.FAILED)) {
      return PoaCli.EXIT_FAILED;
    }
    return runs.stream().allMatch(r -> r.getState() == DagRunState.SUCCESS) ? 0 : PoaCli.EXIT_NOT_READY;
  }

  @Command(name = "trigger", mixinStandardHelpOptions = true, description = {
      "Trigger a run of a DAG (unpausing it). With --epoch, the run is that epoch's (its",
      "conf says so, and its data interval is the epoch); an epoch that has a run already",
      "has it run again (its task instances cleared)."})
  static final class Trigger extends CliCommand implements Callable<Integer> {
    @ParentCommand AirflowCommand parent;

    @Parameters(paramLabel = "DAG") String dag;

    @Option(names = "--epoch", paramLabel = "E") String epoch;

    @Option(names = "--run-conf", paramLabel = "JSON", description = "The run's conf, a JSON object.") String conf;

    @Option(names = "--wait", description = "Wait for the run to end.") boolean await;

    @Option(names = "--timeout", defaultValue = "2h", paramLabel = "DURATION") String timeout;

    @Override
    public Integer call() {
      AirflowClient a = client(parent.root);
      String e = epoch == null ? null : Epochs.resolve(epoch);
      a.unpause(dag);
      DAGRunResponse r;
      try {
        // the run's data interval is the epoch, as a scheduled run's
        r = a.trigger(dag, e == null ? null : start(e), e == null ? null : Epochs.end(e).atOffset(ZoneOffset.UTC),
            AirflowCommand.conf(conf, e));
      } catch (AirflowClient.AirflowRequestException conflict) {
        // the epoch has a run already (one per logical date): run it again, as Airflow's "clear" does
        DAGRunResponse existing = e == null || conflict.status() != 409 ? null : a.runs(dag).stream()
            .filter(x -> x.getLogicalDate() != null && x.getLogicalDate().isEqual(start(e))).findFirst().orElse(null);
        if (existing == null) {
          throw conflict;
        }
        out().println("epoch " + e + " has run " + existing.getDagRunId() + " already: running it again (with its"
            + " own conf)");
        a.rerun(dag, existing.getDagRunId());
        r = a.run(dag, existing.getDagRunId());
      }
      print(out(), r);
      if (!await) {
        return 0;
      }
      r = a.await(dag, r.getDagRunId(), Durations.parse(timeout), m -> err().println("[airflow] " + m));
      print(out(), r);
      printTasks(out(), a, r);
      return exit(List.of(r));
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "A run's state and its tasks' (default: every run).")
  static final class Status extends CliCommand implements Callable<Integer> {
    @ParentCommand AirflowCommand parent;

    @Parameters(index = "0", paramLabel = "DAG") String dag;

    @Parameters(index = "1", arity = "0..1", paramLabel = "RUN_ID") String runId;

    @Override
    public Integer call() {
      AirflowClient a = client(parent.root);
      if (runId != null) {
        DAGRunResponse r = a.run(dag, runId);
        print(out(), r);
        printTasks(out(), a, r);
        return 0;
      }
      a.runs(dag).forEach(r -> print(out(), r));
      return 0;
    }
  }

  @Command(name = "wait", mixinStandardHelpOptions = true, description = "Wait for a run to end.")
  static final class Wait extends CliCommand implements Callable<Integer> {
    @ParentCommand AirflowCommand parent;

    @Parameters(index = "0", paramLabel = "DAG") String dag;

    @Parameters(index = "1", paramLabel = "RUN_ID") String runId;

    @Option(names = "--timeout", defaultValue = "2h", paramLabel = "DURATION") String timeout;

    @Override
    public Integer call() {
      AirflowClient a = client(parent.root);
      DAGRunResponse r = a.await(dag, runId, Durations.parse(timeout), m -> err().println("[airflow] " + m));
      print(out(), r);
      printTasks(out(), a, r);
      return exit(List.of(r));
    }
  }

  @Command(name = "backfill", mixinStandardHelpOptions = true, description = {
      "Backfill the epochs from --from to --to: one run per epoch, in order, one at a",
      "time (unpausing the DAG). With --wait, waits for every run of the range."})
  static final class Backfill extends CliCommand implements Callable<Integer> {
    @ParentCommand AirflowCommand parent;

    @Parameters(paramLabel = "DAG") String dag;

    @Option(names = "--from", required = true, paramLabel = "E") String from;

    @Option(names = "--to", required = true, paramLabel = "E") String to;

    @Option(names = "--run-conf", paramLabel = "JSON", description = "Every run's conf, a JSON object.") String conf;

    @Option(names = "--wait", description = "Wait for every run of the range to end.") boolean await;

    @Option(names = "--timeout", defaultValue = "4h", paramLabel = "DURATION") String timeout;

    @Override
    public Integer call() {
      AirflowClient a = client(parent.root);
      String first = Epochs.resolve(from);
      String last = Epochs.resolve(to);
      a.unpause(dag);
      BackfillResponse b = a.backfill(dag, start(first), start(last), AirflowCommand.conf(conf, null));
      out().printf("backfill %d of %s: epochs %s to %s%n", b.getId(), dag, first, last);
      if (!await) {
        return 0;
      }
      int expected = (int) (java.time.LocalDate.parse(last).toEpochDay() - java.time.LocalDate.parse(first).toEpochDay()) + 1;
      List<DAGRunResponse> runs = a.awaitRange(dag, start(first), start(last), expected, Durations.parse(timeout),
          m -> err().println("[airflow] " + m));
      for (DAGRunResponse r : runs) {
        print(out(), r);
        printTasks(out(), a, r);
      }
      return runs.size() < expected ? PoaCli.EXIT_NOT_READY : exit(runs);
    }
  }
}
