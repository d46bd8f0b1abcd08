package dev.poa.jobs.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.PoaSpark;
import dev.poa.jobs.Progress;
import dev.poa.jobs.attribution.GradientAttribution;
import dev.poa.jobs.attribution.SpanAttribution;
import dev.poa.jobs.attribution.SpanIndex;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.demo.ReferenceSketches;
import dev.poa.jobs.eval.SpanEval;
import dev.poa.jobs.ingest.Deduplication;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.jobs.serving.AdapterRegistry;
import dev.poa.jobs.serving.GradientIngestJob;
import dev.poa.jobs.serving.LogIngestJob;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.AdapterSpec;
import dev.poa.udfs.influence.SketchSpec;
import java.lang.reflect.Method;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a pipeline stage under the RAPIDS Accelerator in explain-only mode (no GPU needed) and
 * reports every operator that would not run on the GPU, and why. Runs in a JVM of its own (the
 * plugin must be set before the session starts): {@code poa explain-gpu} launches it with the
 * RAPIDS jar on the class path. Exit code 0 when every operator off the GPU is one of the
 * {@link #JUSTIFIED} ones, 1 otherwise.
 *
 * <p>The stages run on a small sample lakehouse built first in a scratch directory, so the
 * report does not depend on the user's data.
 */
public final class ExplainGpu {
  /** Operators allowed off the GPU, with the reason (kept in step with infra/spark/rapids.md). */
  public static final Map<String, String> JUSTIFIED = new LinkedHashMap<>();

  static {
    JUSTIFIED.put("<LocalTableScanExec>",
        "stands for the partial results of the blockwise scoring, which enter the plan from the CPU"
            + " (see gradient-score): the boundary between BLAS scoring and the GPU plan");
    JUSTIFIED.put("<ScalaUDF> poa_tokens(",
        "the tokenizer needs Unicode character classes, which the GPU regex engine rejects"
            + " ('Unsupported escaped character p'); it runs once per contribution (the index is"
            + " incremental) and once per completion, on the CPU bridge without leaving the GPU plan");
    JUSTIFIED.put("<RDDScanExec>",
        "span-score reads the candidate spans' words that scores() materialises once (localCheckpoint), so"
            + " that the matching plan (span-match, all on the GPU) does not run again for each of their"
            + " readers; the rows are few (spans x words) and enter the GPU plan through one transfer (so do"
            + " the quoted candidate spans that scores() materialises before verifying them: one row a span,"
            + " the broadcast side of the verification)");
    JUSTIFIED.put("<HashPartitioning> hashpartitioning(request_id#",
        "the materialised span words (see RDDScanExec above) shuffled by request where they enter the plan,"
            + " on the CPU as their scan is: the rows are few, and every aggregate and join of the scores after"
            + " it (on the GPU) reuses that partitioning instead of shuffling again");
    JUSTIFIED.put("it avoids excess CPU and GPU transfers",
        "follows an input that is on the CPU bridge (see above), to avoid a transfer");
  }

  private ExplainGpu() {}

  public static Map<String, Function<Lakehouse, Dataset<Row>>> stages() {
    Map<String, Function<Lakehouse, Dataset<Row>>> m = new LinkedHashMap<>();
    m.put("span-index", lh -> {
      SpanIndex ix = new SpanIndex(lh, SpanAttribution.Settings.defaults());
      return ix.ngrams(ix.newDocuments("explain", Timestamp.from(Instant.EPOCH)));
    });
    // span-match is the lazy plan up to the candidate spans' words; span-score what scores() runs on
    // them once they are materialised (information, weights, shares)
    m.put("span-match", lh -> new SpanAttribution(lh, SpanAttribution.Settings.defaults())
        .spanWords(lh.spark().table(lh.sparkName(Tables.INFERENCE_LOGS)).filter("epoch = '" + EPOCH + "'")));
    m.put("span-score", lh -> new SpanAttribution(lh, SpanAttribution.Settings.defaults())
        .scores(lh.spark().table(lh.sparkName(Tables.INFERENCE_LOGS)).filter("epoch = '" + EPOCH + "'")));
    m.put("gradient-score", lh -> new GradientAttribution(lh, GradientAttribution.Settings.defaults())
        .partitionedTrainingSketches("explain-lora"));
    m.put("gradient-combine", lh -> {
      GradientAttribution g = new GradientAttribution(lh, GradientAttribution.Settings.defaults());
      List<Row> partial = List.of(
          RowFactory.create("r1", "top", 0, "c1", "0xa", "d", 0.2, 3, 13_743_895_347L),
          RowFactory.create("r1", "sum", 0, null, "0xa", "d", 0.3, 3, 20_615_843_021L),
          RowFactory.create("r1", "sum", 1, null, "0xb", "d", 0.1, 3, 6_871_947_674L));
      return g.combineSql(lh.spark().createDataFrame(partial, GradientAttribution.PARTIAL));
    });
    return m;
  }

  static final String EPOCH = "2026-02-02";

  /** What the SQL plan of a stage does not show. */
  static final Map<String, String> NOTES = Map.of("gradient-score",
      "This stage's plan feeds the scoring. The Gram partial sums and the blockwise scoring themselves run in\n"
          + "mapPartitions over BLAS (dgemm, sgemm) on the CPU: the RAPIDS Accelerator runs SQL plans, and dense\n"
          + "matrix products have no SQL operator. They are O(n·k²) and O(q·n·k) dense flops at BLAS rate\n"
          + "(see bench/RESULTS.md); their partial results re-enter the GPU plan in gradient-combine.");

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || !stages().containsKey(args[0]) && !args[0].equals("all")) {
      System.err.println("usage: explain-gpu <" + String.join("|", stages().keySet()) + "|all>");
      System.exit(2);
    }
    // RAPIDS loads its shims through the context class loader (NVIDIA/cudf-spark#13915).
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    Thread.currentThread().setContextClassLoader(new org.apache.spark.util.MutableURLClassLoader(new URL[0], cl));
    Path work = Files.createTempDirectory("poa-explain-gpu-");
    Map<String, String> settings = new TreeMap<>();
    settings.put("spark.master", "local[2]");
    settings.putAll(PoaSpark.LOCAL_SETTINGS);
    settings.put("spark.sql.shuffle.partitions", "2");
    settings.put("spark.plugins", "com.nvidia.spark.SQLPlugin");
    settings.put("spark.rapids.sql.enabled", "true");
    settings.put("spark.rapids.sql.mode", "explainOnly");
    settings.put("spark.rapids.sql.explain", "NONE");
    // The check is of the plan a GPU cluster would run: ANSI off (several GPU aggregates need it),
    // AQE off (its shuffle readers show as off-GPU artefacts of a plan not yet re-optimised).
    settings.put("spark.sql.ansi.enabled", "false");
    settings.put("spark.sql.adaptive.enabled", "false");
    // RAPIDS 26.08.1 cannot explain a plan with reused exchanges (INTERNAL_ERROR_ATTRIBUTE_NOT_FOUND);
    // without reuse the same operators are planned, an identical exchange is just computed twice.
    settings.put("spark.sql.exchange.reuse", "false");
    PoaConfig config = new PoaConfig(work.resolve("lakehouse"), "poa", settings);
    SparkSession spark = PoaSpark.session(config);
    spark.sparkContext().setLogLevel("ERROR");
    Lakehouse lh = PoaSpark.lakehouse(spark, config);
    System.err.println("[explain-gpu] building the sample lakehouse in " + work);
    sample(lh, work);
    checkTwins(lh);
    Method explain = Class.forName("com.nvidia.spark.rapids.ExplainPlan")
        .getMethod("explainPotentialGpuPlan", Dataset.class, String.class);
    List<String> names = args[0].equals("all") ? new ArrayList<>(stages().keySet()) : List.of(args[0]);
    int unjustified = 0;
    for (String name : names) {
      Dataset<Row> df = stages().get(name).apply(lh);
      String report = (String) explain.invoke(null, df, System.getenv().getOrDefault("POA_EXPLAIN_MODE", "NOT_ON_GPU"));
      if (System.getenv("POA_EXPLAIN_RAW") != null) {
        System.out.println(report);
      }
      System.out.println("== stage " + name);
      List<String> off = new ArrayList<>();
      for (String line : report.split("\n")) {
        String t = line.strip();
        if (t.startsWith("!") || t.startsWith("^")) {
          off.add(t);
        }
      }
      if (NOTES.containsKey(name)) {
        System.out.println(NOTES.get(name));
      }
      if (off.isEmpty()) {
        System.out.println("every operator would run on the GPU");
      } else {
        System.out.println("off the GPU ('!' not on the GPU, '^' on the GPU through the CPU bridge):");
      }
      for (String t : off) {
        String justified = JUSTIFIED.entrySet().stream().filter(e -> t.contains(e.getKey()))
            .map(Map.Entry::getValue).findFirst().orElse(null);
        System.out.println(t);
        if (justified != null) {
          System.out.println("    justified: " + justified);
        } else {
          unjustified++;
        }
      }
    }
    System.out.println(unjustified == 0 ? "explain-gpu: no unjustified operator off the GPU"
        : "explain-gpu: " + unjustified + " operator(s) off the GPU without a justification");
    spark.stop();
    System.exit(unjustified == 0 ? 0 : 1);
  }

  /**
   * The functions registered in this JVM (the RapidsUDF twins when their jar is here) must give
   * what the plain Java reference gives, on the sample's texts; the query runs their CPU path.
   */
  static void checkTwins(Lakehouse lh) {
    dev.poa.udfs.spark.PoaUdfs.register(lh.spark());
    boolean twin;
    try {
      Class.forName("dev.poa.udfs.gpu.TokensGpuUdf");
      twin = true;
    } catch (ClassNotFoundException e) {
      twin = false;
    }
    List<Row> rows = lh.spark().sql("SELECT content, poa_tokens(content) FROM " + lh.sparkName(Tables.CONTRIBUTIONS))
        .collectAsList();
    for (Row r : rows) {
      List<String> got = r.getList(1);
      if (!got.equals(java.util.Arrays.asList(dev.poa.udfs.Tokenizer.lowerTokens(r.getString(0))))) {
        throw new IllegalStateException("poa_tokens differs from the reference tokenizer on: " + r.getString(0));
      }
    }
    System.out.println("poa_tokens is " + (twin ? "the RapidsUDF twin TokensGpuUdf" : "the plain Java function")
        + "; equal to the reference tokenizer on " + rows.size() + " sample texts");
  }

  /** A few contributions, an adapter with training gradients, and an epoch of logs with sketches. */
  public static void sample(Lakehouse lh, Path work) throws Exception {
    lh.migrate();
    Corpus corpus = new Corpus(5, 3, false);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      lines.add(corpus.toJsonLine(corpus.doc("x" + i, "original", "explain", i % 3, "text", corpus.prose(60),
          Instant.parse("2026-02-01T00:00:00Z").plusSeconds(i))));
    }
    Path subs = Files.write(work.resolve("contributions.jsonl"), lines, StandardCharsets.UTF_8);
    new IngestJob(lh, Progress.SILENT).run(new IngestJob.Config(List.of(subs.toString()), "jsonl", "explain-1", false,
        4L << 20, Deduplication.Settings.defaults()));
    AdapterRegistry.register(lh, AdapterSpec.parse("{\"adapter_id\":\"explain-lora\",\"base_model\":\"reference\","
        + "\"owner\":\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\",\"datanets\":[\"explain\"],\"rank\":8,\"alpha\":16,"
        + "\"target_modules\":[\"q_proj\"],\"artifact_uri\":\"file:///explain\"}"));
    List<Row> training = lh.spark().table(lh.sparkName(Tables.CONTRIBUTIONS)).select("contribution_id", "content")
        .orderBy("contribution_id").collectAsList();
    SketchSpec spec = new SketchSpec(16, 1);
    ReferenceSketches model = ReferenceSketches.train(training.stream().map(r -> r.getString(1)).toList(),
        List.of(corpus.prose(60), corpus.prose(60)), spec);
    ObjectMapper json = new ObjectMapper();
    List<String> grads = new ArrayList<>();
    List<String> logs = new ArrayList<>();
    Random random = new Random(1);
    for (int i = 0; i < training.size(); i++) {
      Row r = training.get(i);
      ObjectNode g = json.createObjectNode();
      g.put("contribution_id", r.getString(0));
      ArrayNode a = g.putArray("sketch");
      for (float f : model.sketch(r.getString(1), 1)) {
        a.add(f);
      }
      g.put("sketch_spec", spec.id());
      grads.add(g.toString());
      String completion = "Answer: " + SpanEval.verbatim(r.getString(1), 15, random);
      ObjectNode l = json.createObjectNode();
      l.put("request_id", "e" + i);
      l.put("adapter_id", "explain-lora");
      l.put("served_at", EPOCH + "T01:00:00Z");
      l.put("completion", completion);
      l.put("fee_wei", "10");
      ArrayNode q = l.putArray("gradient_sketch");
      for (float f : model.sketch(completion, 1)) {
        q.add(f);
      }
      l.put("sketch_spec", spec.id());
      logs.add(l.toString());
    }
    Path gf = Files.write(work.resolve("gradients.jsonl"), grads, StandardCharsets.UTF_8);
    Path lf = Files.write(work.resolve("logs.jsonl"), logs, StandardCharsets.UTF_8);
    new GradientIngestJob(lh, Progress.SILENT).run(new GradientIngestJob.Config("explain-lora", List.of(gf.toString()), "jsonl", null));
    new LogIngestJob(lh, Progress.SILENT).run(new LogIngestJob.Config(List.of(lf.toString()), "jsonl", null));
  }
}
