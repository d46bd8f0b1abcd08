package dev.poa.jobs.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.poa.schemas.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The epoch pipeline, in one place: its stages in order, what each runs (a {@code poa} command,
 * the same arguments whether it runs in-process, under spark-submit or from an Airflow task), what
 * it waits for, and what each of its exit codes means to whoever schedules it. {@code poa demo}
 * and {@code poa run-epoch} run these stages; the Airflow DAG {@code poa_epoch} is built from
 * {@code orchestration/dags/poa_pipeline.json}, which {@link #json()} writes and a test keeps equal
 * to this list, so the three cannot drift.
 *
 * <p>Arguments may name {@code {epoch}} (the epoch id), {@code {landing}} (the landing prefix
 * where batches are dropped) and {@code {fleet}} (where adapters are packed).
 */
public final class EpochPipeline {
  private EpochPipeline() {}

  /** What an exit code of a stage means to a scheduler. */
  public enum Outcome {
    /** Done: the next stages may run. */
    DONE,
    /** Not ready (exit 8), nothing written: run the stage again later (bounded). */
    RESCHEDULE,
    /** Sent but not yet final (exit 7): retry with backoff; a rerun resumes. */
    RETRY,
    /** Nothing to do for this epoch (exit 9, no inference): the rest of the run is skipped, not failed. */
    SKIP_REST,
    /** Some items failed, the others were done (exit 6): fail the stage, listing the failed items. */
    SOME_FAILED,
    /** Fail the run: nothing downstream runs (an audit that found differences, a conflict, an error). */
    FAIL
  }

  /**
   * A stage: {@code id} (Airflow task id), what it does, the stages it runs after, the {@code poa}
   * arguments, whether it needs a Spark session (else it could run as a plain process), whether it
   * is off unless enabled ({@code settle}), and the exit codes that do not simply fail it.
   */
  public record Stage(String id, String summary, List<String> after, List<String> command, boolean spark,
      boolean offUnlessEnabled, Map<Integer, Outcome> exits) {
    public Stage {
      after = List.copyOf(after);
      command = List.copyOf(command);
      exits = Map.copyOf(exits);
    }

    /** The outcome of an exit code: 0 is done, codes this stage names mean what they say, any other fails. */
    public Outcome outcome(int exitCode) {
      return exitCode == 0 ? Outcome.DONE : exits.getOrDefault(exitCode, Outcome.FAIL);
    }

    /** The command with its placeholders filled. */
    public List<String> command(String epoch, String landing, String fleet) {
      List<String> out = new ArrayList<>();
      for (String a : command) {
        out.add(a.replace("{epoch}", epoch).replace("{landing}", landing).replace("{fleet}", fleet));
      }
      return out;
    }
  }

  /** Not ready (8) reschedules every stage: the stages guard themselves, the scheduler waits. */
  private static final Map<Integer, Outcome> COMMON = Map.of(8, Outcome.RESCHEDULE);

  private static Map<Integer, Outcome> exits(Object... more) {
    Map<Integer, Outcome> m = new TreeMap<>(COMMON);
    for (int i = 0; i < more.length; i += 2) {
      m.put((Integer) more[i], (Outcome) more[i + 1]);
    }
    return m;
  }

  public static final List<Stage> STAGES = List.of(
      new Stage("ingest", "ingest the batches ready under <landing>: submissions, logs, gradients, attestations",
          List.of(), List.of("landing", "ingest", "--landing", "{landing}"), true, false, exits()),
      new Stage("attribute", "attribute the epoch's inferences (gradient where a sketch fits, else spans); done once the epoch is final",
          List.of("ingest"), List.of("attribute", "--epoch", "{epoch}", "--method", "auto", "--skip-finalised"), true, false,
          exits(9, Outcome.SKIP_REST)),
      new Stage("rewards", "finalise the epoch: exact payouts, Merkle manifest (refused until it is ready)",
          List.of("attribute"), List.of("rewards", "--epoch", "{epoch}"), true, false, exits()),
      new Stage("audit", "re-derive the epoch at its recorded snapshots and compare (exit 5 stops the run)",
          List.of("rewards"), List.of("audit", "--epoch", "{epoch}"), true, false, exits(5, Outcome.FAIL)),
      new Stage("settle", "commit the epoch's root on chain, exactly once (off unless enabled)",
          List.of("audit"), List.of("settle", "--epoch", "{epoch}"), true, true, exits(7, Outcome.RETRY)),
      new Stage("export_adapters", "pack the registered adapters for the serving fleet",
          List.of("audit", "settle"), List.of("export-adapters", "--all", "--out", "{fleet}", "--report", "{fleet}/report.json"),
          true, false, exits(6, Outcome.SOME_FAILED)));

  /** The stage of an id. */
  public static Stage stage(String id) {
    return STAGES.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(() -> new BadInputException(
        "No stage '" + id + "': the stages are " + STAGES.stream().map(Stage::id).toList()));
  }

  /** The pipeline as JSON (orchestration/dags/poa_pipeline.json): what the DAG is built from. */
  public static String json() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("description", "The poa epoch pipeline, written by 'poa pipeline --format json' from"
        + " dev.poa.jobs.pipeline.EpochPipeline; a test keeps this file equal to it.");
    List<Map<String, Object>> stages = new ArrayList<>();
    for (Stage s : STAGES) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", s.id());
      m.put("summary", s.summary());
      m.put("after", s.after());
      m.put("command", s.command());
      m.put("spark", s.spark());
      m.put("off_unless_enabled", s.offUnlessEnabled());
      Map<String, String> exits = new TreeMap<>();
      s.exits().forEach((code, o) -> exits.put(Integer.toString(code), o.name().toLowerCase(java.util.Locale.ROOT)));
      m.put("exits", exits);
      stages.add(m);
    }
    doc.put("stages", stages);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
