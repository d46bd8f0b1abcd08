package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.attribution.AttributeJob;
import dev.poa.jobs.attribution.GradientAttribution;
import dev.poa.jobs.attribution.SpanAttribution;
import dev.poa.jobs.attribution.SpanIndex;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.demo.ReferenceSketches;
import dev.poa.jobs.eval.SpanEval;
import dev.poa.jobs.serving.GradientIngestJob;
import dev.poa.jobs.serving.LogIngestJob;
import dev.poa.udfs.influence.SketchSpec;
import dev.poa.udfs.influence.Trak;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Span and gradient attribution end to end on a small lakehouse. */
class AttributionTest {
  static final String EPOCH = "2026-03-04";
  static final SketchSpec SPEC = new SketchSpec(64, 7);
  final ObjectMapper json = new ObjectMapper();

  record Setup(TestLakehouse t, List<Row> training, ReferenceSketches model) {}

  Setup setup(Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    List<Row> training = IngestFixtures.notesWithAdapter(t, dir, 3, 12, 80);
    Corpus corpus = new Corpus(33, 1, false);
    ReferenceSketches model = ReferenceSketches.train(training.stream().map(r -> r.getString(1)).toList(),
        List.of(corpus.prose(80), corpus.prose(80), corpus.prose(80)), SPEC);
    return new Setup(t, training, model);
  }

  String log(String id, String completion, float[] sketch) {
    return log(id, "ad", EPOCH, completion, sketch, SPEC);
  }

  String log(String id, String adapter, String epoch, String completion, float[] sketch, SketchSpec spec) {
    ObjectNode o = json.createObjectNode();
    o.put("request_id", id);
    o.put("adapter_id", adapter);
    o.put("served_at", epoch + "T10:00:00Z");
    o.put("completion", completion);
    o.put("fee_wei", "100");
    if (sketch != null) {
      ArrayNode a = o.putArray("gradient_sketch");
      for (float f : sketch) {
        a.add(f);
      }
      o.put("sketch_spec", spec.id());
    }
    return o.toString();
  }

  static AttributeJob.Config config(AttributeJob.Method m, int topK) {
    return config(EPOCH, m, topK);
  }

  static AttributeJob.Config config(String epoch, AttributeJob.Method m, int topK) {
    GradientAttribution.Settings g = GradientAttribution.Settings.defaults();
    return new AttributeJob.Config(epoch, m, SpanAttribution.Settings.defaults(),
        new GradientAttribution.Settings(g.damping(), g.relativeDamping(), topK, 3, 4, 3));
  }

  List<Row> rows(TestLakehouse t, String table, String method) {
    // the run id differs from run to run; everything else must not
    var rows = t.spark().table(t.table(table)).filter("method = '" + method + "'").drop("run_id");
    return (table.endsWith("scores") ? rows.orderBy("request_id", "contribution_id", "contributor") : rows.orderBy("request_id"))
        .collectAsList();
  }

  @Test
  void spansFindTheQuotedContributionAndRerunsAreIdentical(@TempDir Path dir) throws Exception {
    Setup s = setup(dir);
    TestLakehouse t = s.t();
    Random random = new Random(9);
    Map<String, String> source = new HashMap<>();
    List<String> logs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Row src = s.training().get(i * 2);
      String quote = SpanEval.verbatim(src.getString(1), 12 + 5 * i, random);
      logs.add(log("q" + i, "In short: " + quote + " and that is all.", null));
      source.put("q" + i, src.getString(0));
    }
    // a quote shorter than n, and a completion of unrelated words: no span
    logs.add(log("short", "Well " + SpanEval.verbatim(s.training().get(1).getString(1), 7, random) + " maybe.", null));
    logs.add(log("none", "nothing from the training set is quoted here at all, really not", null));
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(
        List.of(SharedSpark.write(dir.resolve("logs.jsonl"), String.join("\n", logs) + "\n").toString()), null, "l1"));

    AttributeJob.Result r = new AttributeJob(t.lakehouse(), Progress.SILENT).run(config(AttributeJob.Method.SPAN, 10));
    assertEquals(8, r.inferences());
    assertEquals(6, r.attributed());
    assertEquals(Map.of("no_span", 2L), r.unattributedByReason());
    Map<String, Row> summary = new HashMap<>();
    rows(t, "attribution.inference_summary", "span").forEach(x -> summary.put(x.getAs("request_id"), x));
    source.forEach((q, c) -> assertEquals(c, summary.get(q).getAs("top_contribution"), q));
    assertFalse(summary.get("short").<Boolean>getAs("attributed"));
    assertSharesSumToOne(t, "span");

    List<Row> before = rows(t, "attribution.scores", "span");
    // New contributions are indexed incrementally; the scores of the epoch stay the same.
    Corpus more = new Corpus(4, 2, false);
    IngestFixtures.ingest(t, IngestFixtures.config("b2", SharedSpark.write(dir.resolve("b2.jsonl"),
        more.toJsonLine(more.doc("x", "original", "notes", 0, "text", more.prose(60), Instant.parse("2026-03-02T00:00:00Z")))
            + "\n")));
    SpanIndex.Result ix = new SpanIndex(t.lakehouse(), SpanAttribution.Settings.defaults()).update(Progress.SILENT);
    assertEquals(1, ix.newDocuments());
    assertEquals(13, ix.documents());
    new AttributeJob(t.lakehouse(), Progress.SILENT).run(config(AttributeJob.Method.SPAN, 10));
    assertEquals(before, rows(t, "attribution.scores", "span"));
    // The same scores when the candidate spans are too many to broadcast (Spark then plans the verification
    // join itself); the session's dynamic partition pruning, off while the spans are matched, is as it was.
    String dpp = "spark.sql.optimizer.dynamicPartitionPruning.enabled";
    t.spark().conf().set("spark.sql.autoBroadcastJoinThreshold", "-1");
    try {
      new AttributeJob(t.lakehouse(), Progress.SILENT).run(config(AttributeJob.Method.SPAN, 10));
    } finally {
      t.spark().conf().unset("spark.sql.autoBroadcastJoinThreshold");
    }
    assertEquals(before, rows(t, "attribution.scores", "span"));
    assertEquals("true", t.spark().conf().get(dpp));
    // the informativeness rule's word frequencies: counted once per adapter from its training set
    // (the contribution indexed since is not in it), equal to a count over its documents
    String direct = "SELECT s.adapter_id, w AS token, count(*) AS documents, first(n.set_size) AS set_size FROM "
        + t.table("models.adapter_training_set") + " s JOIN " + t.table("attribution.span_documents")
        + " d ON s.contribution_id = d.contribution_id JOIN (SELECT adapter_id, count(*) AS set_size FROM "
        + t.table("models.adapter_training_set") + " GROUP BY adapter_id) n ON n.adapter_id = s.adapter_id"
        + " LATERAL VIEW explode(array_distinct(d.tokens)) x AS w GROUP BY s.adapter_id, w";
    Dataset<Row> counted = t.spark().table(t.table("attribution.span_vocabulary"));
    assertTrue(counted.count() > 0);
    Dataset<Row> expected = t.spark().sql(direct).join(counted.select("adapter_id").distinct(), "adapter_id")
        .select("adapter_id", "token", "documents", "set_size");
    assertEquals(0, expected.exceptAll(counted).count() + counted.exceptAll(expected).count());
    // the index was built by the default tokenizer: another one (or another n) is refused, not mixed in
    assertThrows(IllegalStateException.class, () -> new SpanIndex(t.lakehouse(),
        new SpanAttribution.Settings(8, 10, 0.01, "org.example.OtherTokenizer")).update(Progress.SILENT));
    assertThrows(IllegalStateException.class, () -> new SpanIndex(t.lakehouse(),
        new SpanAttribution.Settings(9, 10, 0.01, "default")).update(Progress.SILENT));
    assertEquals(8, t.spark().table(t.table("attribution.inference_summary")).count());
  }

  @Test
  void spansWithoutInformationNeverCount(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    Corpus corpus = new Corpus(5, 4, false);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      lines.add(corpus.toJsonLine(corpus.doc("c" + i, "original", "notes", i % 4, "text", corpus.prose(80),
          Instant.parse("2026-03-01T00:00:00Z").plusSeconds(i))));
    }
    // reference text with runs that are long in tokens and poor in information (the kind real manuals are full of)
    List<String> runs = List.of("in git-config(1).", "[--region=REGION] [GCLOUD_WIDE_FLAG ...]", "the f[B] f[BC]");
    for (int i = 0; i < runs.size(); i++) {
      lines.add(corpus.toJsonLine(corpus.doc("m" + i, "original", "notes", i, "text",
          corpus.prose(40) + " Usage, as documented " + runs.get(i) + " " + corpus.prose(40),
          Instant.parse("2026-03-01T01:00:00Z").plusSeconds(i))));
    }
    IngestFixtures.ingest(t, IngestFixtures.config("b1", SharedSpark.write(dir.resolve("b1.jsonl"), String.join("\n", lines) + "\n")));
    IngestFixtures.notesWithAdapterOn(t);
    Map<String, String> byContent = new HashMap<>();
    for (Row r : t.spark().sql("SELECT contribution_id, content FROM " + t.table("datanet.contributions")).collectAsList()) {
      byContent.put(r.getString(1), r.getString(0));
    }
    String quoted = byContent.keySet().stream().filter(c -> !c.contains("Usage, as documented")).sorted().findFirst().orElseThrow();
    List<String> logs = new ArrayList<>();
    logs.add(log("planted", "As the notes say, " + SpanEval.verbatim(quoted, 14, new Random(4)) + ", which is what we needed.", null));
    logs.add(log("control-0", "The include rules are described in git-config(1). Nothing more to add about it today.", null));
    logs.add(log("control-1", "You can call it as list [--region=REGION] [GCLOUD_WIDE_FLAG ...] to see every option there is.", null));
    logs.add(log("control-2", "We write the f[B] f[BC] form whenever the rows are grouped by hand.", null));
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(
        List.of(SharedSpark.write(dir.resolve("logs.jsonl"), String.join("\n", logs) + "\n").toString()), null, "l1"));

    // without the rule, each run is a verified 8-token match: the controls would be paid to the manual's contributor
    SpanAttribution.Settings d = SpanAttribution.Settings.defaults();
    SpanAttribution.Settings off = new SpanAttribution.Settings(d.ngram(), d.boilerplateMinContributions(),
        d.boilerplateFraction(), d.tokenizer(), 0, 0.0);
    GradientAttribution.Settings g = GradientAttribution.Settings.defaults();
    AttributeJob.Result loose = new AttributeJob(t.lakehouse(), Progress.SILENT)
        .run(new AttributeJob.Config(EPOCH, AttributeJob.Method.SPAN, off, g));
    assertEquals(4, loose.attributed(), loose.toString());
    Map<String, Row> summary = new HashMap<>();
    rows(t, "attribution.inference_summary", "span").forEach(x -> summary.put(x.getAs("request_id"), x));
    for (int i = 0; i < runs.size(); i++) {
      String run = runs.get(i);
      String manual = byContent.entrySet().stream().filter(e -> e.getKey().contains(run)).map(Map.Entry::getValue)
          .findFirst().orElseThrow();
      assertEquals(manual, summary.get("control-" + i).getAs("top_contribution"), "control-" + i + " without the rule");
    }

    // with the rule (the defaults): only the planted quote counts, and the run records the rule
    AttributeJob.Result strict = new AttributeJob(t.lakehouse(), Progress.SILENT)
        .run(new AttributeJob.Config(EPOCH, AttributeJob.Method.SPAN, d, g));
    assertEquals(1, strict.attributed(), strict.toString());
    assertEquals(Map.of("no_span", 3L), strict.unattributedByReason());
    summary.clear();
    rows(t, "attribution.inference_summary", "span").forEach(x -> summary.put(x.getAs("request_id"), x));
    assertEquals(byContent.get(quoted), summary.get("planted").getAs("top_contribution"));
    String recorded = t.spark().sql("SELECT settings['span'] FROM " + t.table("attribution.runs") + " WHERE run_id = '"
        + strict.runId() + "'").first().getString(0);
    assertTrue(recorded.contains("minWords=5") && recorded.contains("minInformation=0.5"), recorded);
  }

  @Test
  void gradientScoresMatchTheInProcessComputationWithExactContributorTotals(@TempDir Path dir) throws Exception {
    Setup s = setup(dir);
    TestLakehouse t = s.t();
    List<String> grads = new ArrayList<>();
    Map<String, float[]> sketches = new TreeMap<>();
    for (Row r : s.training()) {
      float[] sk = s.model().sketch(r.getString(1), 1);
      sketches.put(r.getString(0), sk);
      ObjectNode o = json.createObjectNode();
      o.put("contribution_id", r.getString(0));
      ArrayNode a = o.putArray("sketch");
      for (float f : sk) {
        a.add(f);
      }
      o.put("sketch_spec", SPEC.id());
      grads.add(o.toString());
    }
    grads.add(grads.get(0)); // repeated: dropped
    grads.add("{\"contribution_id\":\"c_unknown\",\"sketch\":[1,2],\"sketch_spec\":\"rp1:k=2:seed=7\"}");
    grads.add("{\"contribution_id\":\"" + s.training().get(0).getString(0) + "\",\"sketch\":[1,2],\"sketch_spec\":\"rp1:k=3:seed=7\"}");
    GradientIngestJob.Result g = new GradientIngestJob(t.lakehouse(), Progress.SILENT).run(new GradientIngestJob.Config("ad",
        List.of(SharedSpark.write(dir.resolve("g.jsonl"), String.join("\n", grads) + "\n").toString()), null, "g1"));
    assertEquals(15, g.read());
    assertEquals(12, g.accepted());
    assertEquals(1, g.duplicate());
    assertEquals(Map.of("not_in_training_set", 1L, "invalid_sketch", 1L), g.rejectedByReason());
    assertTrue(g.reconciles());

    List<String> logs = new ArrayList<>();
    Map<String, float[]> queries = new TreeMap<>();
    for (int i = 0; i < 7; i++) {
      String completion = s.training().get(i).getString(1).substring(0, 200);
      float[] q = s.model().sketch(completion, 1);
      queries.put("q" + i, q);
      logs.add(log("q" + i, completion, q));
    }
    logs.add(log("nosketch", "plain text", null));
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(
        List.of(SharedSpark.write(dir.resolve("logs.jsonl"), String.join("\n", logs) + "\n").toString()), null, "l1"));

    int topK = 2;
    AttributeJob.Result r = new AttributeJob(t.lakehouse(), Progress.SILENT).run(config(AttributeJob.Method.GRADIENT, topK));
    assertEquals(Map.of("no_sketch", 1L), r.unattributedByReason());

    // The same scores computed directly with the Trak primitives.
    Trak.Gram gram = new Trak.Gram(SPEC.k());
    sketches.values().forEach(gram::add);
    Trak.Preconditioner pre = Trak.Preconditioner.of(gram.matrix(), SPEC.k(), Trak.DEFAULT_DAMPING, true);
    Map<String, String> contributorOf = new HashMap<>();
    s.training().forEach(x -> contributorOf.put(x.getString(0), x.getString(2)));
    List<Row> scores = rows(t, "attribution.scores", "gradient");
    for (Map.Entry<String, float[]> q : queries.entrySet()) {
      float[] psi = pre.whiten(q.getValue());
      Map<String, Double> expected = new HashMap<>();
      Map<String, Double> perContributor = new TreeMap<>();
      double total = 0;
      for (Map.Entry<String, float[]> c : sketches.entrySet()) {
        double dot = 0;
        for (int j = 0; j < SPEC.k(); j++) {
          dot += psi[j] * c.getValue()[j];
        }
        expected.put(c.getKey(), dot);
        if (dot > 0) {
          perContributor.merge(contributorOf.get(c.getKey()), dot, Double::sum);
          total += dot;
        }
      }
      String top = expected.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
      List<Row> mine = scores.stream().filter(x -> x.getAs("request_id").equals(q.getKey())).toList();
      Row rank1 = mine.stream().filter(x -> Integer.valueOf(1).equals(x.getAs("rank"))).findFirst().orElseThrow();
      assertEquals(top, rank1.getAs("contribution_id"));
      assertEquals(expected.get(top), rank1.<Double>getAs("score"), 1e-4 * Math.abs(expected.get(top)));
      assertTrue(mine.stream().filter(x -> x.getAs("contribution_id") != null).count() <= topK);
      Map<String, Double> got = new TreeMap<>();
      double shareSum = 0;
      for (Row x : mine) {
        got.merge(x.getAs("contributor"), x.<Double>getAs("share"), Double::sum);
        shareSum += x.<Double>getAs("share");
      }
      assertEquals(1.0, shareSum, 1e-9);
      for (Map.Entry<String, Double> e : perContributor.entrySet()) {
        assertEquals(e.getValue() / total, got.get(e.getKey()), 1e-5, "contributor total of " + e.getKey());
      }
    }
    List<Row> first = rows(t, "attribution.scores", "gradient");
    new AttributeJob(t.lakehouse(), Progress.SILENT).run(config(AttributeJob.Method.GRADIENT, topK));
    assertEquals(first, rows(t, "attribution.scores", "gradient"));

    // auto: the log without a sketch goes to spans, the others to gradients
    AttributeJob.Result auto = new AttributeJob(t.lakehouse(), Progress.SILENT).run(config(AttributeJob.Method.AUTO, topK));
    assertEquals(Map.of("gradient", 7L, "span", 1L), auto.byMethod());
    assertNotNull(auto.runId());
    assertDatanetSharesReconcile(t, auto.runId());

    // Another epoch: a sketch of another spec than the adapter's training gradients, and an adapter
    // that has none, each unattributed with its reason; the adapter's other inference is scored as above.
    String next = "2026-03-05";
    IngestFixtures.notesAdapterOn(t, "bare");
    new LogIngestJob(t.lakehouse(), Progress.SILENT).run(new LogIngestJob.Config(List.of(SharedSpark.write(
        dir.resolve("logs2.jsonl"), String.join("\n",
            log("q0-again", "ad", next, "plain text", queries.get("q0"), SPEC),
            log("otherspec", "ad", next, "plain text", queries.get("q0"), new SketchSpec(SPEC.k(), 8)),
            log("untrained", "bare", next, "plain text", queries.get("q0"), SPEC)) + "\n").toString()), null, "l2"));
    AttributeJob.Result reasons = new AttributeJob(t.lakehouse(), Progress.SILENT)
        .run(config(next, AttributeJob.Method.GRADIENT, topK));
    assertEquals(Map.of("sketch_spec_mismatch", 1L, "no_training_gradients", 1L), reasons.unattributedByReason());
    assertEquals(1, reasons.attributed());
    List<Row> again = t.spark().table(t.table("attribution.scores")).filter("run_id = '" + reasons.runId() + "'")
        .drop("run_id", "epoch").withColumnRenamed("request_id", "r").orderBy("contribution_id", "contributor")
        .collectAsList();
    assertEquals(first.stream().filter(x -> x.getAs("request_id").equals("q0")).count(), again.size());
    assertTrue(again.stream().allMatch(x -> x.getAs("r").equals("q0-again")));
  }

  /**
   * attribution.datanet_shares of a run agrees with its scores (credit = the sum of the DataNet's
   * shares, inferences touched), its shares and the unattributed part sum to 1 per adapter, and the
   * report (poa attribution datanets) prints the same.
   */
  void assertDatanetSharesReconcile(TestLakehouse t, String runId) {
    String run = " WHERE run_id = '" + runId + "'";
    Map<String, String> expected = new TreeMap<>();
    for (Row r : t.spark().sql("SELECT adapter_id, datanet, method, CAST(sum(CAST(share AS DECIMAL(38,18))) AS DOUBLE),"
        + " count(DISTINCT request_id) FROM " + t.table("attribution.scores") + run + " GROUP BY 1, 2, 3").collectAsList()) {
      expected.put(r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2), r.getDouble(3) + " " + r.getLong(4));
    }
    Map<String, String> got = new TreeMap<>();
    Map<String, Double> perAdapter = new TreeMap<>();
    Map<String, Long> served = new TreeMap<>();
    for (Row r : t.spark().sql("SELECT * FROM " + t.table("attribution.datanet_shares") + run).collectAsList()) {
      String adapter = r.getAs("adapter_id");
      got.put(adapter + "/" + r.getAs("datanet") + "/" + r.getAs("method"), r.getAs("credit") + " " + r.getAs("inferences_touched"));
      assertEquals(r.<Double>getAs("credit") / r.<Long>getAs("adapter_inferences"), r.<Double>getAs("share"), 1e-12);
      perAdapter.merge(adapter, r.getAs("share"), Double::sum);
      served.put(adapter, r.getAs("adapter_inferences"));
    }
    assertEquals(expected, got);
    assertTrue(!got.isEmpty());
    Map<String, Long> unattributed = new TreeMap<>();
    for (Row r : t.spark().sql("SELECT adapter_id, count(*), count_if(NOT attributed) FROM "
        + t.table("attribution.inference_summary") + run + " GROUP BY 1").collectAsList()) {
      assertEquals(r.getLong(1), served.get(r.getString(0)), "inferences the adapter served");
      assertEquals(1.0, perAdapter.get(r.getString(0)) + (double) r.getLong(2) / r.getLong(1), 1e-9);
      unattributed.put(r.getString(0), r.getLong(2));
    }

    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int code = dev.poa.cli.PoaCli.execute(new String[] {"--warehouse", t.warehouse().toString(), "--conf",
        "poa.catalog=" + t.config().catalogName(), "attribution", "datanets", "--epoch", EPOCH, "--format", "csv"},
        new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), false);
    assertEquals(0, code, err.toString());
    List<String> lines = out.toString().lines().toList();
    assertEquals("adapter,datanet,method,share,inferences,of", lines.get(0));
    Map<String, Double> reported = new TreeMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      reported.merge(f[0], Double.parseDouble(f[3]), Double::sum);
      if (f[1].equals("(unattributed)")) {
        assertEquals(unattributed.get(f[0]), Long.parseLong(f[4]), line);
      } else {
        assertTrue(got.containsKey(f[0] + "/" + f[1] + "/" + f[2]), line);
      }
      assertEquals(served.get(f[0]), Long.parseLong(f[5]), line);
    }
    assertEquals(served.keySet(), reported.keySet());
    reported.values().forEach(v -> assertEquals(1.0, v, 5e-4, out.toString()));
  }

  void assertSharesSumToOne(TestLakehouse t, String method) {
    for (Row r : t.spark().sql("SELECT request_id, sum(share) FROM " + t.table("attribution.scores") + " WHERE method = '"
        + method + "' GROUP BY request_id").collectAsList()) {
      assertEquals(1.0, r.getDouble(1), 1e-9, r.getString(0));
    }
  }
}
