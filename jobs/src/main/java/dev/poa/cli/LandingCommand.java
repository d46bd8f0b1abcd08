package dev.poa.cli;

import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.Progress;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.jobs.ingest.Landing;
import dev.poa.jobs.rewards.ValidationIngestJob;
import dev.poa.jobs.serving.GradientIngestJob;
import dev.poa.jobs.serving.LogIngestJob;
import dev.poa.schemas.Lakehouse;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "landing",
    mixinStandardHelpOptions = true,
    description = {
      "Batches dropped under a landing prefix, for scheduled ingestion.",
      "",
      "Layout: <landing>/submissions/<batch>/, <landing>/logs/<batch>/,",
      "<landing>/gradients/<adapter>/<batch>/, <landing>/attestations/<batch>/, each",
      "batch ready once it holds a _SUCCESS file (written after its data files). The",
      "landing is poa.landing (default <warehouse>/landing), any Hadoop URI.",
    },
    subcommands = {LandingCommand.Ingest.class, LandingCommand.ListCmd.class})
final class LandingCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa landing ingest|list");
  }

  /** Which batches a subcommand looks at: a kind (default all) under a landing prefix. */
  static final class Where {
    @Option(names = "--kind", paramLabel = "KIND", description = "submissions, logs, gradients or attestations (default: all).")
    String kind;

    @Option(names = "--landing", paramLabel = "DIR|URI", description = "The landing prefix (default: poa.landing).")
    String landing;

    /** --landing, else poa.landing, else <warehouse>/landing. */
    String prefix(PoaConfig c) {
      return landing(c, landing);
    }

    List<Landing.Kind> kinds() {
      return kind == null ? List.of(Landing.Kind.values()) : List.of(Landing.Kind.parse(kind));
    }

    /**
     * Calls {@code f} on each ready batch, kind by kind in pipeline order; a kind is listed once the
     * previous kind's batches are done. Listed without a Spark session: finding nothing costs none.
     */
    int eachReady(PoaConfig c, java.util.function.Consumer<Landing.Batch> f) {
      var hadoop = dev.poa.jobs.PoaSpark.hadoopConfiguration(c);
      int n = 0;
      for (Landing.Kind k : kinds()) {
        for (Landing.Batch b : Landing.ready(hadoop, prefix(c), k)) {
          f.accept(b);
          n++;
        }
      }
      return n;
    }
  }

  /** --landing, else poa.landing, else <warehouse>/landing. */
  static String landing(PoaConfig c, String option) {
    if (option != null) {
      return PoaCli.uri(option);
    }
    return c.get("poa.landing", c.warehouse().toAbsolutePath().resolve("landing").toUri().toString());
  }

  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = {
        "Ingest every ready batch of a kind (default: all kinds, in the order",
        "submissions, logs, gradients, attestations), each with the batch id derived",
        "from its files: a batch ingested before is left unchanged, so scanning the",
        "landing again is safe. Exit codes: those of the ingest commands (8 when the",
        "lakehouse is in use or a batch stopped midway must be finished first).",
      })
  static final class Ingest extends CliCommand implements Callable<Integer> {
    @ParentCommand LandingCommand parent;

    @Mixin Where where;

    @Override
    public Integer call() {
      PoaConfig c = parent.root.config();
      int batches = where.eachReady(c, b -> out().println(b.kind().folder() + " "
          + (b.adapterId() == null ? "" : b.adapterId() + "/") + b.name() + ": " + ingest(c, parent.root.lakehouse(), b, err())));
      out().println(batches + " ready batch(es) under " + where.prefix(c));
      return 0;
    }

    static String ingest(PoaConfig c, Lakehouse lh, Landing.Batch b, java.io.PrintWriter err) {
      List<String> in = List.of(b.dir());
      return switch (b.kind()) {
        case SUBMISSIONS -> IngestCommand.describe(new IngestJob(lh, Progress.to(err, "ingest"))
            .run(IngestCommand.config(c, in, null, null, false, false)));
        case LOGS -> LogsCommand.describe(new LogIngestJob(lh, Progress.to(err, "logs"))
            .run(new LogIngestJob.Config(in, null, null)));
        case GRADIENTS -> GradientsCommand.describe(new GradientIngestJob(lh, Progress.to(err, "gradients"))
            .run(new GradientIngestJob.Config(b.adapterId(), in, null, null)));
        case ATTESTATIONS -> ValidationsCommand.describe(new ValidationIngestJob(lh, Progress.to(err, "validations"))
            .run(ValidationsCommand.config(c, in, null, null)));
      };
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the ready batches (nothing is read).")
  static final class ListCmd extends CliCommand implements Callable<Integer> {
    @ParentCommand LandingCommand parent;

    @Mixin Where where;

    @Override
    public Integer call() {
      PoaConfig c = parent.root.config();
      where.eachReady(c, b -> out().println(b.kind().folder() + "\t" + (b.adapterId() == null ? "" : b.adapterId())
          + "\t" + b.dir()));
      return 0;
    }
  }
}
