package dev.poa.cli;

import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.PoaSpark;
import dev.poa.schemas.ExitStatus;
import dev.poa.schemas.Lakehouse;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code poa}: one command line for every job. Exit codes: 0 success, 1 job failure, 2 usage
 * error, 3 bad input or configuration, 4 conflict with what the lakehouse holds, 5 audit mismatch,
 * 6 some items of a batch failed (the others were done), 7 a transaction is sent but not yet confirmed,
 * 8 not ready: nothing was written; run the stage the message names, or wait (the lakehouse is in use),
 * 9 nothing to do for this epoch (it has no inference), so nothing after this stage either.
 */
@Command(
    name = "poa",
    mixinStandardHelpOptions = true,
    versionProvider = PoaCli.Version.class,
    sortOptions = false,
    description = {
      "Proof-of-Attribution data pipeline on Spark and Iceberg.",
      "",
      "The lakehouse is an Iceberg catalog: by default a JDBC catalog on SQLite",
      "under --warehouse; PostgreSQL, a REST catalog or an s3a:// warehouse by",
      "--conf or a config file (see docs/configuration.md).",
      "",
    },
    subcommands = {
      IngestCommand.class,
      SqlCommand.class,
      TablesCommand.class,
      MigrateCommand.class,
      MaintainCommand.class,
      DatanetsCommand.class,
      AdaptersCommand.class,
      LogsCommand.class,
      GradientsCommand.class,
      EpochsCommand.class,
      AttributeCommand.class,
      AttributionCommand.class,
      LandingCommand.class,
      ValidatorsCommand.class,
      ValidationsCommand.class,
      RewardsCommand.class,
      ManifestCommand.class,
      AuditCommand.class,
      SettleCommand.class,
      ClaimCommand.class,
      ChainCommand.class,
      ExportAdaptersCommand.class,
      PipelineCommand.class,
      AirflowCommand.class,
      RunEpochCommand.class,
      EvalCommand.class,
      ExplainGpuCommand.class,
      DemoCommand.class,
      DocsCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 job failed, 2 usage error, 3 bad input or configuration,",
      "  4 conflict with the lakehouse (e.g. a batch id reused for other inputs),",
      "  5 audit found differences, 6 some items failed (the others were done),",
      "  7 sent but not yet confirmed (rerun to resume), 8 not ready: nothing",
      "  written; run the stage the message names, or wait (lakehouse in use),",
      "  9 nothing to do for this epoch (no inference): the rest of its run is moot.",
      "Environment: POA_WAREHOUSE, POA_CONFIG, POA_CATALOG, POA_DRIVER_MEMORY;",
      "  chain: POA_RPC_URL, POA_SETTLER_KEY, POA_DEPLOYER_KEY, POA_CLAIM_KEY,",
      "  POA_KEYSTORE_PASSWORD, POA_ANVIL (the anvil binary of the demo).",
    })
public final class PoaCli extends CliCommand implements Runnable {
  public static final int EXIT_FAILED = ExitStatus.FAILED;
  public static final int EXIT_USAGE = ExitStatus.USAGE;
  public static final int EXIT_BAD_INPUT = ExitStatus.BAD_INPUT;
  public static final int EXIT_CONFLICT = ExitStatus.CONFLICT;
  public static final int EXIT_AUDIT_MISMATCH = ExitStatus.AUDIT_MISMATCH;
  public static final int EXIT_SOME_FAILED = ExitStatus.SOME_FAILED;
  public static final int EXIT_PENDING = ExitStatus.PENDING;
  public static final int EXIT_NOT_READY = ExitStatus.NOT_READY;
  public static final int EXIT_NOTHING_TO_DO = ExitStatus.NOTHING_TO_DO;

  @Option(
      names = "--warehouse",
      paramLabel = "DIR",
      description = "Embedded lakehouse directory (env POA_WAREHOUSE, default ./lakehouse).",
      scope = CommandLine.ScopeType.INHERIT)
  String warehouse;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file of settings (env POA_CONFIG; by default poa.properties in the current directory, if there is one).",
      scope = CommandLine.ScopeType.INHERIT)
  Path configFile;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description = "Override a setting (spark.* or poa.*); repeatable. Values may use $${env:NAME}.",
      scope = CommandLine.ScopeType.INHERIT)
  Map<String, String> conf = new LinkedHashMap<>();

  @Option(
      names = "--wait-lock",
      paramLabel = "DURATION",
      description = "How long a command that writes waits for another writer of the lakehouse to finish (e.g. 30s,"
          + " 10m; default 5m, or poa.lease.wait); then exit 8.",
      scope = CommandLine.ScopeType.INHERIT)
  String waitLock;

  @Option(
      names = {"-v", "--verbose"},
      description = "Show stack traces on errors.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  private SparkSession spark;
  private PoaConfig config;
  /** The environment this invocation reads (keys, node URL, warehouse): the process's, or one an embedding caller gives. */
  private Map<String, String> env = System.getenv();

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "Missing command: try 'poa --help'");
  }

  PoaConfig config() {
    if (config == null) {
      Map<String, String> overrides = new LinkedHashMap<>(conf);
      if (waitLock != null) {
        overrides.put("poa.lease.wait", waitLock);
      }
      config = PoaConfig.resolve(warehouse, configFile, overrides, env);
    }
    return config;
  }

  /**
   * The command's session, its catalog loaded: every command, whether it takes a lakehouse or only
   * queries (poa sql), loads the catalog again when it lost the race to create a new one's tables.
   */
  SparkSession spark() {
    if (spark == null) {
      SparkSession s = PoaSpark.session(config());
      s.sparkContext().setLogLevel("WARN");
      PoaSpark.initializeCatalog(s, config().catalogName());
      spark = s;
    }
    return spark;
  }

  Lakehouse lakehouse() {
    return PoaSpark.lakehouse(spark(), config());
  }

  Map<String, String> env() {
    return env;
  }

  /** The global options of this invocation, to run another command with the same settings. */
  java.util.List<String> globalArgs() {
    java.util.List<String> a = new java.util.ArrayList<>();
    if (warehouse != null) {
      a.addAll(java.util.List.of("--warehouse", warehouse));
    }
    if (configFile != null) {
      a.addAll(java.util.List.of("--config", configFile.toString()));
    }
    conf.forEach((k, v) -> a.addAll(java.util.List.of("--conf", k + "=" + v)));
    if (waitLock != null) {
      a.addAll(java.util.List.of("--wait-lock", waitLock));
    }
    if (verbose) {
      a.add("--verbose");
    }
    return a;
  }

  public static void main(String[] args) {
    int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), true);
    System.exit(code);
  }

  /**
   * Runs the CLI and returns the exit code. Tests pass {@code stopSpark = false} to keep their
   * shared session.
   */
  public static int execute(String[] args, PrintWriter out, PrintWriter err, boolean stopSpark) {
    return execute(args, out, err, stopSpark, System.getenv());
  }

  /** As {@link #execute(String[], PrintWriter, PrintWriter, boolean)}, reading {@code env} as the environment. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err, boolean stopSpark, Map<String, String> env) {
    PoaCli root = new PoaCli();
    root.env = env;
    CommandLine cmd = new CommandLine(root);
    cmd.setOut(out);
    cmd.setErr(err);
    cmd.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          Throwable cause = ex;
          int code = exitCode(ex);
          List<String> lines = errorLines(cause);
          err.println("poa: error: " + lines.get(0));
          lines.subList(1, lines.size()).forEach(err::println);
          String locked = lockedCatalogHint(ex, () -> root.config == null ? "<warehouse>/catalog.db"
              : PoaSpark.sqliteCatalogFile(root.config).map(Path::toString).orElse("<the catalog's SQLite file>"));
          if (locked != null) {
            err.println(locked);
          }
          if (root.verbose) {
            ex.printStackTrace(err);
          } else if (code == EXIT_FAILED) {
            err.println("poa: rerun with --verbose for the stack trace");
          }
          err.flush();
          return code;
        });
    try {
      return cmd.execute(args);
    } finally {
      // print() does not flush an auto-flushing writer: what a command printed last must not be lost at exit
      out.flush();
      err.flush();
      if (stopSpark && root.spark != null) {
        root.spark.stop();
      }
    }
  }

  /**
   * The exit code of a command that threw: the exception says what it means ({@link ExitStatus}); anything else is a
   * job failure (1), whatever its class: an IllegalArgumentException from deep inside a job is not bad input.
   */
  public static int exitCode(Throwable ex) {
    return ex instanceof ExitStatus status ? status.exitCode() : EXIT_FAILED;
  }

  /**
   * What to do when the embedded catalog's SQLite database stayed locked by another process longer than the driver
   * waits (its busy timeout): SQLite locks the whole file, so one process stopped (SIGSTOP, a suspended machine) or
   * hung in the middle of a catalog read or commit holds up every other. Null for any other error; {@code database}
   * (the file's path) is asked for only when the hint applies.
   */
  public static String lockedCatalogHint(Throwable ex, java.util.function.Supplier<String> database) {
    if (!PoaSpark.sqliteBusy(ex)) {
      return null;
    }
    return "poa: the catalog's SQLite database is locked by another process that stopped or hung while it used"
        + " the database; `fuser -v " + database.get() + "` lists the processes that have it open: resume (kill -CONT)"
        + " or end the stopped one (state T in ps), then rerun. Shared deployments use PostgreSQL or a REST catalog"
        + " (docs/configuration.md).";
  }

  /** A group command run without one of its subcommands: a usage error (exit 2, with the group's usage). */
  static CommandLine.ParameterException missingSubcommand(CommandLine.Model.CommandSpec group, String usage) {
    return new CommandLine.ParameterException(group.commandLine(), "Missing subcommand: " + usage);
  }

  /** A path or Hadoop URI option as a URI: paths become absolute file: URIs, URIs stay as given. */
  static String uri(String pathOrUri) {
    return pathOrUri.contains("://") ? pathOrUri : Path.of(pathOrUri).toAbsolutePath().toUri().toString();
  }

  static String oneLine(Throwable t) {
    return errorLines(t).get(0);
  }

  /**
   * What a failed command prints after {@code poa: error: }: never an empty first line. For a SQL
   * error, Spark's whole message: its error condition and message, then the statement with a caret
   * under the position (Spark's parse errors start with a blank line and hold the statement; its
   * analysis errors hold the plan, which a person does not need, so only the message is kept); for
   * any other error, the first non-blank line of the message, or the exception's class if it has none.
   */
  static List<String> errorLines(Throwable t) {
    if (t instanceof SqlCommand.StatementError e) {
      List<String> lines = new java.util.ArrayList<>(errorLines(e.getCause()));
      lines.addAll(e.statement);
      return lines;
    }
    String message = SqlCommand.holdsPlan(t) ? ((org.apache.spark.sql.AnalysisException) t).getSimpleMessage()
        : t.getMessage();
    List<String> lines = new java.util.ArrayList<>(message == null ? List.of() : message.lines().toList());
    while (!lines.isEmpty() && lines.get(0).isBlank()) {
      lines.remove(0);
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
      lines.remove(lines.size() - 1);
    }
    if (lines.isEmpty()) {
      return List.of(t.getClass().getName());
    }
    return t instanceof org.apache.spark.sql.AnalysisException ? lines : List.of(lines.get(0));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = PoaCli.class.getPackage().getImplementationVersion();
      return new String[] {"poa " + (v == null ? "dev" : v) + " (Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION() + ")"};
    }
  }
}
