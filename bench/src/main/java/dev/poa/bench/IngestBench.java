package dev.poa.bench;

import static org.apache.spark.sql.functions.col;

import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.PoaSpark;
import dev.poa.jobs.Progress;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.ingest.ConnectedComponents;
import dev.poa.jobs.ingest.Deduplication;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.schemas.Lakehouse;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * Ingest + dedup throughput and near-duplicate quality on a generated, labelled corpus, next to
 * Spark MLlib's MinHashLSH.approxSimilarityJoin on a slice of the same data, in the same run.
 * Quality is pairwise precision/recall/F1: two submissions form a predicted pair when they map to
 * the same contribution (or MLlib cluster), a true pair when they derive from the same original.
 */
public final class IngestBench {
  record Quality(double precision, double recall, double f1) {}

  record Measure(String system, int docs, double seconds, double mb, Quality q) {}

  static final String BESIDE = "poa ingest (udf), 10 real-text records beside the generated corpus's contributions";

  public static void main(String[] args) throws Exception {
    int docs = 100_000;
    int baselineDocs = 10_000;
    int builtinDocs = 1_000;
    int words = 330; // ~2 KB of text
    boolean signed = false;
    Path real = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--docs" -> docs = Integer.parseInt(args[++i]);
        case "--baseline-docs" -> baselineDocs = Integer.parseInt(args[++i]);
        case "--builtin-docs" -> builtinDocs = Integer.parseInt(args[++i]);
        case "--words" -> words = Integer.parseInt(args[++i]);
        case "--signed" -> signed = true;
        case "--real" -> real = Path.of(args[++i]);
        case "--digest" -> { // of a lakehouse left by an earlier run: --digest bench/out NAME
          Path dir = Path.of(args[++i]);
          String name = args[++i];
          PoaConfig config = new PoaConfig(dir.resolve("lakehouse-" + name), "b_" + name.replace('-', '_'), Map.of());
          SparkSession s = PoaSpark.session(config);
          System.out.println("assignments digest, " + name + ": " + assignmentsDigest(s, Lakehouse.of(s, config.catalogName())));
          return;
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path out = Path.of("bench", "out").toAbsolutePath();
    deleteRecursively(out);
    Files.createDirectories(out);

    SparkSession spark = PoaSpark.localSession("poa-bench", "local[2]", 8).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");

    List<Measure> results = new ArrayList<>();
    Path full = writeCorpus(out.resolve("full"), docs, words, 8, false);
    results.add(runPoa(spark, out, "full", full, docs, "udf"));
    if (signed) {
      Path fullSigned = writeCorpus(out.resolve("full-signed"), docs, words, 8, true);
      Measure m = runPoa(spark, out, "full-signed", fullSigned, docs, "udf");
      results.add(new Measure(m.system() + " signed", m.docs(), m.seconds(), m.mb(), m.q()));
    }
    if (real != null) {
      // Real text (Python standard-library docstrings, see bench/real_text_corpus.py).
      Path realDir = Files.createDirectories(out.resolve("real"));
      Files.copy(real, realDir.resolve("real.jsonl"));
      int lines = (int) Files.lines(real).count();
      Measure m = runPoa(spark, out, "real", realDir, lines, "udf");
      results.add(new Measure("poa ingest (udf), real text " + lines, lines, m.seconds(), m.mb(), m.q()));
      Measure b = runMllib(spark, realDir, lines);
      results.add(new Measure("mllib MinHashLSH, real text " + lines, lines, b.seconds(), b.mb(), b.q()));
      // The fixed cost of a batch: the same pipeline on the corpus's first 10 records (plans, the dedup's
      // jobs, the submissions' rows, the contributions MERGE, the Iceberg commits), in this JVM after the
      // runs above. However cheap the per-record work became, poa could not beat MLlib on the whole corpus by
      // more than MLlib's time over this one; MLlib on the same 10 records gives its own fixed cost.
      Path tinyDir = Files.createDirectories(out.resolve("real-10"));
      try (var firstLines = Files.lines(real)) {
        Files.write(tinyDir.resolve("real.jsonl"), firstLines.limit(10).toList());
      }
      Measure t = runPoa(spark, out, "real-10", tinyDir, 10, "udf");
      results.add(new Measure("poa ingest (udf), fixed cost: 10 real-text records", 10, t.seconds(), t.mb(), t.q()));
      Measure tb = runMllib(spark, tinyDir, 10);
      results.add(new Measure("mllib MinHashLSH, fixed cost: 10 real-text records", 10, tb.seconds(), tb.mb(), tb.q()));
      // The same runs again in this JVM, once the runs above have had their code compiled: in the 10-record batch,
      // the JIT's compiler threads took half of the process's CPU, the largest known part of it on Spark's SQL
      // engine (bench/RESULTS.md, 2026-12-07). What a batch costs once compiled, as in a long-lived driver.
      Measure again = null;
      for (int run = 2; run <= 4; run++) {
        again = runPoa(spark, out, "real-10-" + run, tinyDir, 10, "udf");
      }
      results.add(new Measure("poa ingest (udf), fixed cost once compiled: 10 real-text records", 10, again.seconds(),
          again.mb(), again.q()));
      Measure realAgain = runPoa(spark, out, "real-2", realDir, lines, "udf");
      results.add(new Measure("poa ingest (udf), real text, second run " + lines, lines, realAgain.seconds(),
          realAgain.mb(), realAgain.q()));
      Measure mllibAgain = runMllib(spark, realDir, lines);
      results.add(new Measure("mllib MinHashLSH, real text, second run " + lines, lines, mllibAgain.seconds(),
          mllibAgain.mb(), mllibAgain.q()));
      // The 10 records once more, into the lakehouse of the generated corpus: its contributions are all of other
      // DataNets, which a batch (dedup within a DataNet) has no use for. Against the compiled fixed cost above,
      // what they cost a batch.
      Measure beside = runPoa(spark, out, "full", "real-10-beside", tinyDir, 10, "udf");
      results.add(new Measure(BESIDE, 10, beside.seconds(), beside.mb(), beside.q()));
    }
    if (baselineDocs > 0) {
      Path slice = writeCorpus(out.resolve("slice"), baselineDocs, words, 4, false);
      results.add(runPoa(spark, out, "slice-udf", slice, baselineDocs, "udf"));
      results.add(runMllib(spark, slice, baselineDocs));
    }
    if (builtinDocs > 0) {
      // The built-in MinHash runs its lambdas interpreted on the CPU: compared on a small slice.
      Path small = writeCorpus(out.resolve("small"), builtinDocs, words, 2, false);
      results.add(runPoa(spark, out, "small-udf", small, builtinDocs, "udf"));
      results.add(runPoa(spark, out, "small-builtin", small, builtinDocs, "builtin"));
    }
    spark.stop();

    System.out.println();
    System.out.printf("%-44s %8s %9s %9s %8s %9s %7s %7s%n", "system", "docs", "seconds", "docs/s", "MB/s", "precision", "recall", "F1");
    for (Measure m : results) {
      System.out.printf("%-44s %8d %9.1f %9.0f %8.2f %9.4f %7.4f %7.4f%n", m.system(), m.docs(), m.seconds(),
          m.docs() / m.seconds(), m.mb() / m.seconds(), m.q().precision(), m.q().recall(), m.q().f1());
    }
    ratio(results, "poa ingest (udf) " + baselineDocs, "mllib MinHashLSH.approxSimilarityJoin " + baselineDocs,
        "poa (udf) vs MLlib MinHashLSH, same " + baselineDocs + " docs");
    ratio(results, "poa ingest (udf) " + builtinDocs, "poa ingest (builtin) " + builtinDocs,
        "MinHash Java UDF vs built-in expression, same " + builtinDocs + " docs");
    ratio(results, "poa ingest (udf), real text", "mllib MinHashLSH, real text", "poa (udf) vs MLlib MinHashLSH, real text");
    ratio(results, "poa ingest (udf), fixed cost: 10 real-text records", "mllib MinHashLSH, real text",
        "bound on it: MLlib on the real text vs poa's fixed cost of a batch (10 records)");
    ratio(results, "poa ingest (udf), real text, second run", "mllib MinHashLSH, real text, second run",
        "poa (udf) vs MLlib MinHashLSH, real text, the second run of each in this JVM");
    System.out.println();
    Measure whole = find(results, "poa ingest (udf) " + docs);
    Figures.print("ingest", "poa ingest, generated corpus", whole.docs(), "docs", whole.seconds(),
        whole.docs() / whole.seconds(), "docs/s", null, null, 2000.0);
    figure(results, "poa vs MLlib MinHashLSH, real text", "poa ingest (udf), real text", "mllib MinHashLSH, real text",
        3.0);
    Measure fixed = find(results, "poa ingest (udf), fixed cost: 10 real-text records");
    Measure mllibReal = find(results, "mllib MinHashLSH, real text");
    if (fixed != null && mllibReal != null) {
      // the real-text batch's rate if it cost only a batch's fixed cost, against MLlib's: the most the ratio
      // above could reach by making every per-record step free
      Figures.print("ingest", "poa vs MLlib MinHashLSH, real text, bound by a batch's fixed cost", mllibReal.docs(),
          "docs", fixed.seconds(), mllibReal.docs() / fixed.seconds(), "docs/s",
          mllibReal.docs() / mllibReal.seconds(), mllibReal.seconds() / fixed.seconds(), 3.0);
    }
    Measure compiledFixed = find(results, "poa ingest (udf), fixed cost once compiled: 10 real-text records");
    if (compiledFixed != null && mllibReal != null) {
      // the same bound from a batch's fixed cost once Spark's planner is compiled (no target: a first run is what
      // ./poa pays)
      Figures.print("ingest", "poa vs MLlib MinHashLSH, real text, bound by a compiled batch's fixed cost",
          mllibReal.docs(), "docs", compiledFixed.seconds(), mllibReal.docs() / compiledFixed.seconds(), "docs/s",
          mllibReal.docs() / mllibReal.seconds(), mllibReal.seconds() / compiledFixed.seconds(), null);
    }
    Measure beside = find(results, BESIDE);
    if (beside != null && compiledFixed != null) {
      // ratio = the compiled fixed cost over this batch's time: 1 when other DataNets' contributions cost nothing
      Figures.print("ingest", "a 10-record batch beside the contributions of " + docs + " generated records of other"
          + " DataNets, vs in an empty lakehouse", 10, "docs", beside.seconds(), 10 / beside.seconds(), "docs/s",
          10 / compiledFixed.seconds(), compiledFixed.seconds() / beside.seconds(), null);
    }
    figure(results, "poa vs MLlib MinHashLSH, real text, second run of each", "poa ingest (udf), real text, second run",
        "mllib MinHashLSH, real text, second run", null);
    figure(results, "poa vs MLlib MinHashLSH, generated", "poa ingest (udf) " + baselineDocs,
        "mllib MinHashLSH.approxSimilarityJoin " + baselineDocs, null);
    figure(results, "MinHash UDF vs built-in expression", "poa ingest (udf) " + builtinDocs,
        "poa ingest (builtin) " + builtinDocs, null);
  }

  /** The last measure whose system is {@code name} or {@code name} followed by a space and its count, or null. */
  static Measure find(List<Measure> results, String name) {
    Measure found = null;
    for (Measure m : results) {
      found = m.system().equals(name) || m.system().matches(java.util.regex.Pattern.quote(name) + " [0-9]+") ? m : found;
    }
    return found;
  }

  /** One JSON figure: {@code a}'s docs/s against {@code b}'s (the floor), when both were measured. */
  static void figure(List<Measure> results, String what, String a, String b, Double target) {
    Measure x = find(results, a);
    Measure y = find(results, b);
    if (x != null && y != null) {
      Figures.print("ingest", what, x.docs(), "docs", x.seconds(), x.docs() / x.seconds(), "docs/s",
          y.docs() / y.seconds(), y.seconds() / x.seconds(), target);
    }
  }

  /** Speed of {@code a} relative to {@code b} (b's time / a's time), from the last rows so named. */
  static void ratio(List<Measure> results, String a, String b, String what) {
    Measure x = find(results, a);
    Measure y = find(results, b);
    if (x != null && y != null) {
      System.out.printf("speed ratio, %s: %.2fx%n", what, y.seconds() / x.seconds());
    }
  }

  /** Unsigned by default: signature recovery is measured on its own (--signed). */
  static Path writeCorpus(Path dir, int docs, int words, int files, boolean signed) throws IOException {
    Files.createDirectories(dir);
    Corpus corpus = new Corpus(docs, 50, signed);
    List<Corpus.Doc> all = corpus.generate(docs, docs, words, 0.3, List.of("news", "law", "code-net"), Instant.parse("2026-01-01T00:00:00Z"));
    List<BufferedWriter> w = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      w.add(Files.newBufferedWriter(dir.resolve(String.format("part-%02d.jsonl", i)), StandardCharsets.UTF_8));
    }
    int n = 0;
    for (Corpus.Doc d : all) {
      if (n >= docs) {
        break;
      }
      BufferedWriter out = w.get(n++ % files);
      out.write(corpus.toJsonLine(d));
      out.write('\n');
    }
    for (BufferedWriter x : w) {
      x.close();
    }
    return dir;
  }

  static double megabytes(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.mapToLong(p -> p.toFile().length()).sum() / 1e6;
    }
  }

  static Measure runPoa(SparkSession spark, Path out, String name, Path input, int docs, String impl) throws IOException {
    return runPoa(spark, out, name, "bench", input, docs, impl);
  }

  /** One batch {@code batchId} into the lakehouse {@code name} (a new one, or one an earlier run left). */
  static Measure runPoa(SparkSession spark, Path out, String name, String batchId, Path input, int docs, String impl)
      throws IOException {
    PoaConfig config = new PoaConfig(out.resolve("lakehouse-" + name), "b_" + name.replace('-', '_'), Map.of());
    SparkSession s = PoaSpark.session(config);
    Lakehouse lh = Lakehouse.of(s, config.catalogName());
    lh.migrate();
    Deduplication.Settings dedup = Deduplication.Settings.defaults().withMinhash(impl);
    IngestJob.Config c = new IngestJob.Config(List.of(input.toString()), "jsonl", batchId, false, 4L << 20, dedup);
    long t0 = System.nanoTime();
    ProcessCost before = ProcessCost.now();
    IngestJob.Result r = new IngestJob(lh, Progress.to(System.err, name)).run(c);
    double secs = (System.nanoTime() - t0) / 1e9;
    ProcessCost.log(name, "poa ingest", secs, before);
    if (!r.reconciles() || r.read() != docs || r.outcome() != IngestJob.Outcome.INGESTED) {
      throw new IllegalStateException("counts do not reconcile: " + r);
    }
    List<Row> rows = s.table(lh.sparkName(dev.poa.schemas.Tables.SUBMISSIONS))
        .filter(col("status").notEqual("rejected").and(col("batch_id").equalTo(batchId)))
        .selectExpr("metadata['cluster'] AS truth", "contribution_id AS predicted").collectAsList();
    System.err.println("assignments digest, " + name + (batchId.equals("bench") ? "" : " after " + batchId) + ": "
        + assignmentsDigest(s, lh));
    return new Measure("poa ingest (" + impl + ") " + docs, docs, secs, megabytes(input), quality(rows));
  }

  /**
   * SHA-256 over every submission's outcome (input file name and line, status, contribution,
   * reason, message, similarity by its bits) in that order: equal digests across two builds (or
   * two checkouts, whose paths, hence submission ids, differ) mean equal dedup assignments.
   */
  static String assignmentsDigest(SparkSession s, Lakehouse lh) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      List<Row> all = s.table(lh.sparkName(dev.poa.schemas.Tables.SUBMISSIONS))
          .selectExpr("concat(element_at(split(source_file, '/'), -1), ':', source_line) AS at", "status",
              "contribution_id", "reason", "message", "similarity")
          .orderBy("at").collectAsList();
      for (Row r : all) {
        for (int i = 0; i < 5; i++) {
          md.update(String.valueOf(r.get(i)).getBytes(StandardCharsets.UTF_8));
          md.update((byte) 0);
        }
        md.update(Long.toHexString(r.isNullAt(5) ? -1L : Double.doubleToRawLongBits(r.getDouble(5)))
            .getBytes(StandardCharsets.UTF_8));
        md.update((byte) '\n');
      }
      return java.util.HexFormat.of().formatHex(md.digest()).substring(0, 16) + " (" + all.size() + " rows)";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a Spark user would write with MLlib: shingles → HashingTF → MinHashLSH self-join. */
  static Measure runMllib(SparkSession spark, Path input, int docs) throws IOException {
    ProcessCost before = ProcessCost.now();
    long t0 = System.nanoTime();
    Dataset<Row> df = spark.read().json(input.toString())
        .selectExpr("monotonically_increasing_id() AS id", "content", "metadata.cluster AS truth");
    RegexTokenizer tok = new RegexTokenizer().setInputCol("content").setOutputCol("words").setPattern("\\s+").setToLowercase(true);
    NGram ngram = new NGram().setN(5).setInputCol("words").setOutputCol("shingles");
    HashingTF tf = new HashingTF().setInputCol("shingles").setOutputCol("features").setNumFeatures(1 << 20).setBinary(true);
    PipelineModel features = new Pipeline().setStages(new PipelineStage[] {tok, ngram, tf}).fit(df);
    spark.udf().register("nnz", (UDF1<SparseVector, Integer>) v -> v.numNonzeros(), DataTypes.IntegerType);
    Dataset<Row> vec = features.transform(df).filter("nnz(features) > 0").cache();
    MinHashLSHModel lsh = new MinHashLSH().setNumHashTables(10).setInputCol("features").setOutputCol("hashes").fit(vec);
    Dataset<Row> pairs = lsh.approxSimilarityJoin(vec, vec, 0.2, "distance")
        .filter("datasetA.id < datasetB.id")
        .selectExpr("datasetA.id AS u", "datasetB.id AS v");
    ConnectedComponents.Result cc = ConnectedComponents.run(pairs, 100);
    List<Row> rows = vec.join(cc.components().withColumnRenamed("node", "id"), new String[] {"id"}, "left")
        .selectExpr("truth", "CAST(coalesce(root, id) AS STRING) AS predicted").collectAsList();
    double secs = (System.nanoTime() - t0) / 1e9;
    ProcessCost.log("mllib", "MinHashLSH, " + docs + " docs", secs, before);
    vec.unpersist();
    return new Measure("mllib MinHashLSH.approxSimilarityJoin " + docs, docs, secs, megabytes(input), quality(rows));
  }

  static Quality quality(List<Row> rows) {
    Map<String, Long> truth = new HashMap<>();
    Map<String, Long> predicted = new HashMap<>();
    Map<String, Long> both = new HashMap<>();
    for (Row r : rows) {
      truth.merge(r.getString(0), 1L, Long::sum);
      predicted.merge(r.getString(1), 1L, Long::sum);
      both.merge(r.getString(0) + "\u0000" + r.getString(1), 1L, Long::sum);
    }
    double tp = pairs(both);
    double p = pairs(predicted);
    double t = pairs(truth);
    double precision = p == 0 ? 1 : tp / p;
    double recall = t == 0 ? 1 : tp / t;
    return new Quality(precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
  }

  static double pairs(Map<String, Long> groups) {
    return groups.values().stream().mapToDouble(n -> n * (n - 1) / 2.0).sum();
  }

  static void deleteRecursively(Path p) throws IOException {
    if (Files.exists(p)) {
      try (var s = Files.walk(p)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
      }
    }
  }
}
