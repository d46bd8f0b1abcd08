package dev.poa.cli;

import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.Progress;
import dev.poa.jobs.attribution.AttributeJob;
import dev.poa.jobs.attribution.GradientAttribution;
import dev.poa.jobs.attribution.SpanAttribution;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "attribute",
    mixinStandardHelpOptions = true,
    description = {
      "Attribute an epoch's inferences to the contributions that influenced them.",
      "",
      "Publishes new rows of attribution.scores and attribution.inference_summary",
      "for the method(s) run, all or nothing: they count once the run's row is in",
      "attribution.runs (written last); rows of earlier runs are then deleted. A",
      "rerun gives the same rows. A finalised epoch is refused (exit 4; with",
      "--skip-finalised it is done: exit 0). Methods:",
      "  span      verbatim spans of the completion in the adapter's training",
      "            contributions (n-gram index, verified, boilerplate dropped)",
      "  gradient  TRAK influence of the training gradient sketches on the",
      "            inference's sketch",
      "  auto      gradient where the inference has a sketch of its adapter's",
      "            spec, span otherwise",
      "",
      "Settings (--conf KEY=VALUE), under poa.attribution.:",
      "  span.ngram                 n of the indexed n-grams (8)",
      "  span.boilerplate-min       a span in more than max(min, fraction x",
      "  span.boilerplate-fraction  training set) contributions is boilerplate",
      "                             (10, 0.01)",
      "  span.tokenizer             default, or a class implementing",
      "                             UDF1<String, String[]> (fixed per index)",
      "  gradient.damping           lambda, relative to trace/k (1.0)",
      "  gradient.top-k             contributions with a row of their own (10)",
      "  gradient.query-chunk       whitened queries per block product (1024)",
      "  gradient.partitions        partitions of the training sketches (8)",
    })
final class AttributeCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Option(names = "--epoch", required = true, paramLabel = "E", description = "Epoch id (YYYY-MM-DD) or any date/timestamp inside it.")
  String epoch;

  @Option(names = "--method", defaultValue = "auto", description = "span, gradient or auto (default: ${DEFAULT-VALUE}).")
  String method;

  @Option(names = "--skip-finalised",
      description = "A finalised epoch is done, not a conflict: exit 0 (what the pipeline's stage runs).")
  boolean skipFinalised;

  @Override
  public Integer call() {
    try {
      AttributeJob.Result r = new AttributeJob(root.lakehouse(), Progress.to(err(), "attribute"))
          .run(config(root.config(), epoch, AttributeJob.Method.parse(method)));
      out().println(describe(r));
      return 0;
    } catch (AttributeJob.FinalisedException e) {
      if (!skipFinalised) {
        throw e;
      }
      out().println("epoch " + dev.poa.udfs.Epochs.resolve(epoch) + " is finalised: its attribution is final, nothing to do");
      return 0;
    }
  }

  static AttributeJob.Config config(PoaConfig c, String epoch, AttributeJob.Method method) {
    SpanAttribution.Settings s = SpanAttribution.Settings.defaults();
    GradientAttribution.Settings g = GradientAttribution.Settings.defaults();
    return new AttributeJob.Config(epoch, method,
        new SpanAttribution.Settings(
            (int) c.getLong("poa.attribution.span.ngram", s.ngram()),
            (int) c.getLong("poa.attribution.span.boilerplate-min", s.boilerplateMinContributions()),
            c.getDouble("poa.attribution.span.boilerplate-fraction", s.boilerplateFraction()),
            c.get("poa.attribution.span.tokenizer", s.tokenizer()),
            (int) c.getLong("poa.attribution.span.min-words", s.minWords()),
            c.getDouble("poa.attribution.span.min-information", s.minInformation())),
        new GradientAttribution.Settings(
            c.getDouble("poa.attribution.gradient.damping", g.damping()),
            c.getBoolean("poa.attribution.gradient.relative-damping", g.relativeDamping()),
            (int) c.getLong("poa.attribution.gradient.top-k", g.topK()),
            (int) c.getLong("poa.attribution.gradient.query-chunk", g.queryChunk()),
            (int) c.getLong("poa.attribution.gradient.block-rows", g.blockRows()),
            (int) c.getLong("poa.attribution.gradient.partitions", g.partitions())));
  }

  static String describe(AttributeJob.Result r) {
    StringBuilder sb = new StringBuilder(String.format(
        "epoch %s (%s, run %s): %d of %d inference(s) attributed", r.epoch(), r.method(), r.runId(), r.attributed(),
        r.inferences()));
    r.byMethod().forEach((k, v) -> sb.append(String.format("%n  by %-10s %d", k, v)));
    r.unattributedByReason().forEach((k, v) -> sb.append(String.format("%n  unattributed %-22s %d", k, v)));
    return sb.toString();
  }
}
