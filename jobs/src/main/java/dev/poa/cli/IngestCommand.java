package dev.poa.cli;

import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.Progress;
import dev.poa.jobs.ingest.Deduplication;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.schemas.BadInputException;
import dev.poa.udfs.SubmissionValidator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Ingest a batch of DataNet submissions into datanet.* tables.",
      "",
      "Validates every record, deduplicates it (exact and near-duplicate, against",
      "the batch and every stored contribution) and commits. Every record ends in",
      "one state: accepted, duplicate, near_duplicate or rejected (with a reason).",
      "Rerunning a batch id with the same inputs changes nothing; a batch that",
      "stopped midway is finished by rerunning it.",
      "",
      "Settings (--conf KEY=VALUE):",
      "  poa.dedup.threshold          Jaccard threshold (0.8)",
      "  poa.dedup.containment        containment threshold (0.85; 0 = off)",
      "  poa.dedup.scope              datanet | global (datanet)",
      "  poa.dedup.shingle-words      words per shingle (5)",
      "  poa.dedup.bands, .rows-per-band   LSH banding (20 x 4)",
      "  poa.dedup.minhash            udf | builtin (udf)",
      "  poa.ingest.max-content-bytes content limit (4194304)",
      "  poa.ingest.spark-codegen     true: Spark's code generation on (false)",
      "",
    })
final class IngestCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
      description = "Files, directories or globs; local or any Hadoop URI (s3a://...).")
  List<String> inputs;

  @Option(names = "--format", paramLabel = "FORMAT", description = "jsonl, csv or parquet (default: from file names).")
  String format;

  @Option(names = "--batch-id", paramLabel = "ID", description = "Batch id (default: derived from the input files).")
  String batchId;

  @Option(names = "--known-datanets-only", description = "Reject records of DataNets not registered with 'poa datanets create'.")
  boolean knownOnly;

  @Option(names = "--cross-datanet", description = "Deduplicate across DataNets (default: within each DataNet).")
  boolean crossDatanet;

  @Override
  public Integer call() {
    IngestJob.Config config = config(root.config(), inputs, format, batchId, knownOnly, crossDatanet);
    IngestJob.Result r = new IngestJob(root.lakehouse(), Progress.to(err(), "ingest")).run(config);
    out().println(describe(r));
    return 0;
  }

  static IngestJob.Config config(
      PoaConfig c, List<String> inputs, String format, String batchId, boolean knownOnly, boolean crossDatanet) {
    String scope = crossDatanet ? "global" : c.get("poa.dedup.scope", "datanet");
    if (!scope.equals("datanet") && !scope.equals("global")) {
      throw new BadInputException("poa.dedup.scope must be datanet or global, got " + scope);
    }
    Deduplication.Settings d = Deduplication.Settings.defaults();
    Deduplication.Settings dedup =
        new Deduplication.Settings(
            c.getDouble("poa.dedup.threshold", d.threshold()),
            c.getDouble("poa.dedup.containment", d.containment()),
            (int) c.getLong("poa.dedup.shingle-words", d.shingleWords()),
            (int) c.getLong("poa.dedup.bands", d.bands()),
            (int) c.getLong("poa.dedup.rows-per-band", d.rowsPerBand()),
            scope.equals("global"),
            c.get("poa.dedup.minhash", d.minhashImpl()),
            (int) c.getLong("poa.dedup.max-cc-rounds", d.maxCcRounds()),
            c.getLong("poa.dedup.driver-cc-max-edges", d.driverCcMaxEdges()));
    return new IngestJob.Config(
        inputs,
        format,
        batchId,
        knownOnly || c.getBoolean("poa.ingest.known-datanets-only", false),
        c.getLong("poa.ingest.max-content-bytes", SubmissionValidator.DEFAULT_MAX_CONTENT_BYTES),
        dedup,
        c.getBoolean("poa.ingest.spark-codegen", false));
  }

  static String describe(IngestJob.Result r) {
    StringBuilder sb = new StringBuilder();
    String what = switch (r.outcome()) {
      case INGESTED -> "ingested";
      case RESUMED -> "finished (resumed)";
      case ALREADY_INGESTED -> "already ingested, unchanged";
    };
    sb.append("batch ").append(r.batchId()).append(": ").append(what).append('\n');
    sb.append(String.format("  read %d = accepted %d + duplicate %d + near_duplicate %d + rejected %d%n",
        r.read(), r.accepted(), r.duplicate(), r.nearDuplicate(), r.rejected()));
    r.rejectedByReason().forEach((k, v) -> sb.append(String.format("  rejected %-22s %d%n", k, v)));
    r.snapshotIds().forEach((k, v) -> sb.append(String.format("  snapshot %-22s %d%n", k, v)));
    return sb.toString().stripTrailing();
  }
}
