package dev.poa.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.airflow.api.BackfillApi;
import dev.poa.airflow.api.ConnectionApi;
import dev.poa.airflow.api.DagApi;
import dev.poa.airflow.api.DagRunApi;
import dev.poa.airflow.api.TaskInstanceApi;
import dev.poa.airflow.api.VariableApi;
import dev.poa.airflow.invoker.ApiClient;
import dev.poa.airflow.invoker.ApiException;
import dev.poa.airflow.model.BackfillPostBody;
import dev.poa.airflow.model.BackfillResponse;
import dev.poa.airflow.model.ConnectionBody;
import dev.poa.airflow.model.DAGPatchBody;
import dev.poa.airflow.model.DAGRunCollectionResponse;
import dev.poa.airflow.model.DAGRunResponse;
import dev.poa.airflow.model.DagRunState;
import dev.poa.airflow.model.ReprocessBehavior;
import dev.poa.airflow.model.TaskInstanceCollectionResponse;
import dev.poa.airflow.model.TaskInstanceResponse;
import dev.poa.airflow.model.TriggerDAGRunPostBody;
import dev.poa.airflow.model.VariableBody;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * A thin client of Airflow 3's REST API v2 over the generated one ({@code dev.poa.airflow.api}):
 * a JWT from {@code POST /auth/token} (taken again when it expires), retries with backoff on
 * connection errors and 5xx answers, pagination of lists, and the few operations poa needs:
 * trigger a run of a DAG, read and wait for runs, backfill a range, unpause, read task instances,
 * set connections and Variables.
 */
public final class AirflowClient {
  /** User and password (simple auth manager, or any auth that serves /auth/token), or a ready token. */
  public record Login(String user, String password, String token) {
    public Login {
      if (token == null && (user == null || password == null)) {
        throw new IllegalArgumentException("Airflow credentials: give a user and a password, or a token");
      }
    }

    @Override
    public String toString() {
      return "Login[user=" + user + "]"; // never the password or the token
    }
  }

  /** The end states of a run, and the others. */
  public static boolean finished(DAGRunResponse run) {
    return run.getState() == DagRunState.SUCCESS || run.getState() == DagRunState.FAILED;
  }

  static final int ATTEMPTS = 6;
  static final int PAGE = 100;

  private final URI base;
  private final Login login;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final ApiClient api;
  private volatile String token;

  public AirflowClient(URI base, Login login) {
    this.base = URI.create(base.toString().replaceAll("/+$", ""));
    this.login = login;
    this.token = login.token();
    // HTTP/1.1: the API server (uvicorn) refuses the h2c upgrade that Java's client tries on plain http
    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10));
    this.http = builder.build();
    this.api = new ApiClient(builder, ApiClient.createDefaultObjectMapper(), this.base.toString());
    api.setReadTimeout(Duration.ofSeconds(60));
    api.setRequestInterceptor(b -> b.header("Authorization", "Bearer " + token()));
  }

  public URI base() {
    return base;
  }

  /** The token, taken from /auth/token when there is none yet. */
  synchronized String token() {
    if (token == null) {
      token = newToken();
    }
    return token;
  }

  private String newToken() {
    if (login.user() == null) {
      throw new IllegalStateException("The Airflow token was refused and there is no user and password to take another");
    }
    try {
      String body = json.writeValueAsString(Map.of("username", login.user(), "password", login.password()));
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/auth/token"))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        throw new IllegalStateException("Airflow at " + base + " refused the login of " + login.user() + " (HTTP "
            + r.statusCode() + "): check POA_AIRFLOW_USER and POA_AIRFLOW_PASSWORD");
      }
      JsonNode t = json.readTree(r.body()).get("access_token");
      if (t == null) {
        throw new IllegalStateException("Airflow at " + base + " answered /auth/token without an access_token");
      }
      return t.asText();
    } catch (IOException e) {
      throw new AirflowUnavailableException("Airflow at " + base + " cannot be reached: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Airflow could not be reached, or kept failing with 5xx. */
  public static final class AirflowUnavailableException extends RuntimeException {
    public AirflowUnavailableException(String m, Throwable cause) {
      super(m, cause);
    }
  }

  /** Airflow refused the call (4xx other than an expired token). */
  public static final class AirflowRequestException extends RuntimeException {
    private final int status;

    public AirflowRequestException(String m, int status, Throwable cause) {
      super(m, cause);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /**
   * Runs a call: on 401 takes a new token once; on a connection error or 5xx retries with
   * backoff (0.5 s doubling, {@value #ATTEMPTS} attempts); other errors are reported with the
   * answer's body.
   */
  <T> T call(String what, Callable<T> op) {
    boolean renewed = false;
    long pause = 500;
    ApiException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        return op.call();
      } catch (ApiException e) {
        last = e;
        int code = e.getCode();
        if (code == 401 && !renewed && login.user() != null) {
          synchronized (this) {
            token = null;
          }
          renewed = true;
          attempt--;
          continue;
        }
        if (code != 0 && code < 500) {
          throw new AirflowRequestException("Airflow refused " + what + " (HTTP " + code + "): " + e.getResponseBody(), code,
              e);
        }
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(what + ": " + e.getMessage(), e);
      }
      sleep(pause);
      pause = Math.min(pause * 2, 8000);
    }
    throw new AirflowUnavailableException("Airflow at " + base + " failed " + what + " " + ATTEMPTS + " times: "
        + (last == null ? "" : last.getMessage()), last);
  }

  /** Unpauses a DAG (runs of a paused DAG are created but not scheduled). */
  public void unpause(String dagId) {
    call("unpausing " + dagId, () -> new DagApi(api).patchDag(dagId, new DAGPatchBody().isPaused(false), List.of("is_paused")));
  }

  /**
   * Triggers a run; {@code logicalDate} may be null (now). With {@code intervalEnd}, the run's data
   * interval is [{@code logicalDate}, {@code intervalEnd}) (else Airflow infers one from the schedule).
   */
  public DAGRunResponse trigger(String dagId, OffsetDateTime logicalDate, OffsetDateTime intervalEnd,
      Map<String, Object> conf) {
    TriggerDAGRunPostBody body = new TriggerDAGRunPostBody().logicalDate(logicalDate).conf(conf);
    if (intervalEnd != null) {
      body.dataIntervalStart(logicalDate).dataIntervalEnd(intervalEnd);
    }
    return call("triggering " + dagId, () -> new DagRunApi(api).triggerDagRun(dagId, body));
  }

  /** Runs an existing run again: clears every task instance of it (its conf stays the run's own). */
  public void rerun(String dagId, String runId) {
    call("clearing run " + runId + " of " + dagId, () -> new DagRunApi(api).clearDagRun(dagId, runId,
        new dev.poa.airflow.model.DAGRunClearBody().dryRun(false)));
  }

  public DAGRunResponse run(String dagId, String runId) {
    return call("reading run " + runId + " of " + dagId, () -> new DagRunApi(api).getDagRun(dagId, runId));
  }

  /** Every run of a DAG, oldest logical date first (all pages). */
  public List<DAGRunResponse> runs(String dagId) {
    List<DAGRunResponse> all = new ArrayList<>();
    for (int offset = 0; ; offset += PAGE) {
      int from = offset;
      DAGRunCollectionResponse page = call("listing runs of " + dagId, () -> new DagRunApi(api).getDagRuns(dagId, null, null,
          null, PAGE, from, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null, null, null, null, null, null, null, null, null, null, null, List.of("logical_date"), null, null,
          null, null, null, null, null, null, null));
      all.addAll(page.getDagRuns());
      if (page.getDagRuns().size() < PAGE || all.size() >= page.getTotalEntries()) {
        return all;
      }
    }
  }

  /** The task instances of a run. */
  public List<TaskInstanceResponse> taskInstances(String dagId, String runId) {
    List<TaskInstanceResponse> all = new ArrayList<>();
    for (int offset = 0; ; offset += PAGE) {
      int from = offset;
      TaskInstanceCollectionResponse page = call("listing tasks of " + runId, () -> new TaskInstanceApi(api).getTaskInstances(
          dagId, runId, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null, null, null, null, null, null, null, null, null, null, null, PAGE, from, null));
      all.addAll(page.getTaskInstances());
      if (page.getTaskInstances().size() < PAGE || all.size() >= page.getTotalEntries()) {
        return all;
      }
    }
  }

  /**
   * Waits until the run ends (success or failed) or {@code timeout} passes; {@code progress}
   * hears each change of the run's state. Returns the run as last seen.
   */
  public DAGRunResponse await(String dagId, String runId, Duration timeout, Consumer<String> progress) {
    long deadline = System.nanoTime() + timeout.toNanos();
    DagRunState seen = null;
    while (true) {
      DAGRunResponse r = run(dagId, runId);
      if (r.getState() != seen) {
        seen = r.getState();
        progress.accept(dagId + " " + runId + ": " + seen);
      }
      if (finished(r) || System.nanoTime() > deadline) {
        return r;
      }
      sleep(3000);
    }
  }

  /**
   * Waits until the DAG has {@code expected} runs with logical dates in [from, to], all finished,
   * or the timeout passes; returns those runs as last read. {@code progress} hears each change.
   */
  public List<DAGRunResponse> awaitRange(String dagId, OffsetDateTime from, OffsetDateTime to, int expected,
      Duration timeout, Consumer<String> progress) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String seen = "";
    while (true) {
      List<DAGRunResponse> in = new ArrayList<>();
      for (DAGRunResponse r : runs(dagId)) {
        OffsetDateTime l = r.getLogicalDate();
        if (l != null && !l.isBefore(from) && !l.isAfter(to)) {
          in.add(r);
        }
      }
      String now = in.stream().map(r -> r.getLogicalDate().toLocalDate() + " " + r.getState()).toList().toString();
      if (!now.equals(seen)) {
        progress.accept(now);
        seen = now;
      }
      if ((in.size() >= expected && in.stream().allMatch(AirflowClient::finished)) || System.nanoTime() > deadline) {
        return in;
      }
      sleep(3000);
    }
  }

  /** Creates a backfill of [from, to] (logical dates); runs are created in order, one at a time. */
  public BackfillResponse backfill(String dagId, OffsetDateTime from, OffsetDateTime to, Map<String, Object> conf) {
    BackfillPostBody body = new BackfillPostBody().dagId(dagId).fromDate(from).toDate(to).dagRunConf(conf)
        .maxActiveRuns(1).reprocessBehavior(ReprocessBehavior.FAILED).runBackwards(false);
    return call("backfilling " + dagId, () -> new BackfillApi(api).createBackfill(body));
  }

  public BackfillResponse backfill(int id) {
    return call("reading backfill " + id, () -> new BackfillApi(api).getBackfill(id));
  }

  /** Creates or replaces a connection. */
  public void connection(String id, String type, String host, Integer port, String password, String extraJson) {
    ConnectionBody body = new ConnectionBody().connectionId(id).connType(type).host(host).port(port).password(password)
        .extra(extraJson);
    try {
      call("reading connection " + id, () -> new ConnectionApi(api).getConnection(id));
      call("updating connection " + id, () -> new ConnectionApi(api).patchConnection(id, body, null));
    } catch (AirflowRequestException e) {
      if (e.status() != 404) {
        throw e;
      }
      call("creating connection " + id, () -> new ConnectionApi(api).postConnection(body));
    }
  }

  /** Creates or replaces a Variable. */
  public void variable(String key, String value) {
    VariableBody body = new VariableBody().key(key).value(value);
    try {
      call("reading variable " + key, () -> new VariableApi(api).getVariable(key));
      call("updating variable " + key, () -> new VariableApi(api).patchVariable(key, body, null));
    } catch (AirflowRequestException e) {
      if (e.status() != 404) {
        throw e;
      }
      call("creating variable " + key, () -> new VariableApi(api).postVariable(body));
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
