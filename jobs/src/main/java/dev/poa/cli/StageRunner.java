package dev.poa.cli;

import dev.poa.jobs.pipeline.EpochPipeline;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs stages of the epoch pipeline in this process, each as its {@code poa} command with the
 * invocation's global options (the same arguments an Airflow task passes to spark-submit), and
 * says what its exit code means.
 */
final class StageRunner {
  record Ran(EpochPipeline.Stage stage, int exitCode, EpochPipeline.Outcome outcome) {}

  private final PoaCli root;
  private final String landing;
  private final String fleet;
  private final Map<String, String> env;
  private final List<String> settings;

  StageRunner(PoaCli root, String landing, String fleet, Map<String, String> env, List<String> settings) {
    this.root = root;
    this.landing = landing;
    this.fleet = fleet;
    this.env = env;
    this.settings = List.copyOf(settings);
  }

  /**
   * The landing and fleet of a configuration (poa.landing and poa.export.fleet, under the
   * warehouse by default); {@code settings} are more global options for every stage.
   */
  static StageRunner of(PoaCli root, String landingOption, String fleetOption, Map<String, String> env,
      List<String> settings) {
    String fleet = fleetOption != null ? PoaCli.uri(fleetOption)
        : root.config().get("poa.export.fleet", root.config().warehouse().toAbsolutePath().resolve("fleet").toUri().toString());
    return new StageRunner(root, LandingCommand.landing(root.config(), landingOption), fleet, env, settings);
  }

  Ran run(String stageId, String epoch) {
    EpochPipeline.Stage stage = EpochPipeline.stage(stageId);
    List<String> args = new ArrayList<>(root.globalArgs());
    args.addAll(settings);
    List<String> command = stage.command(epoch, landing, fleet);
    args.addAll(command);
    PrintWriter out = root.out();
    out.println();
    out.println("[stage " + stage.id() + "] poa " + String.join(" ", command));
    out.flush();
    // the stage prints where this invocation prints
    int code = PoaCli.execute(args.toArray(String[]::new), out, root.err(), false, env);
    EpochPipeline.Outcome outcome = stage.outcome(code);
    if (outcome != EpochPipeline.Outcome.DONE) {
      out.println("[stage " + stage.id() + "] exit " + code + ": " + outcome.name().toLowerCase(java.util.Locale.ROOT));
    }
    return new Ran(stage, code, outcome);
  }
}
