package dev.poa.jobs;

import static dev.poa.jobs.IngestFixtures.byKey;
import static dev.poa.jobs.IngestFixtures.config;
import static dev.poa.jobs.IngestFixtures.ingest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.udfs.MinHash;
import dev.poa.udfs.TextNormalizer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupTest {
  static final Instant T0 = Instant.parse("2026-05-01T08:00:00Z");
  final Corpus corpus = new Corpus(11, 6);
  final ObjectMapper json = new ObjectMapper();

  String line(String key, String datanet, String content, Instant at) {
    ObjectNode o = json.createObjectNode();
    o.put("datanet", datanet);
    o.put("contributor", corpus.contributors().get(Math.abs(key.hashCode()) % 6));
    o.put("content", content);
    o.put("content_type", "text");
    o.put("license", "CC-BY-4.0");
    o.put("submitted_at", at.toString());
    o.putObject("metadata").put("key", key);
    return o.toString();
  }

  Path file(Path dir, String name, List<String> lines) {
    return SharedSpark.write(dir.resolve(name), String.join("\n", lines) + "\n");
  }

  @Test
  void variantsOfEachKindMapToTheOriginal(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    List<String> originals = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      originals.add(corpus.prose(250));
      lines.add(line("o" + i, "news", originals.get(i), T0.plusSeconds(i)));
    }
    String[] kinds = {"whitespace", "case", "boilerplate", "edits", "truncation"};
    for (int i = 0; i < kinds.length; i++) {
      lines.add(line("v" + i, "news", corpus.variant(originals.get(i), kinds[i]), T0.plusSeconds(100 + i)));
    }
    IngestJob.Result r = ingest(t, config("b1", file(dir, "in.jsonl", lines)));
    assertEquals(13, r.read());
    assertEquals(8, r.accepted());
    assertEquals(2, r.duplicate());
    assertEquals(3, r.nearDuplicate());
    Map<String, Row> rows = byKey(t, "b1");
    for (int i = 0; i < kinds.length; i++) {
      Row v = rows.get("v" + i);
      assertEquals(rows.get("o" + i).<String>getAs("contribution_id"), v.getAs("contribution_id"), kinds[i]);
      assertEquals(i < 2 ? "duplicate" : "near_duplicate", v.getAs("status"), kinds[i]);
      assertEquals(i < 2 ? "exact_duplicate" : "near_duplicate", v.getAs("reason"), kinds[i]);
    }
    long distinct = rows.values().stream().map(x -> x.<String>getAs("contribution_id")).distinct().count();
    assertEquals(8, distinct);
    Row c = t.spark().table(t.table("datanet.contributions"))
        .filter("contribution_id = '" + rows.get("o3").getAs("contribution_id") + "'").first();
    assertEquals(2L, c.<Long>getAs("submission_count"));
    assertEquals(originals.get(3), c.getAs("content"));
  }

  /**
   * {@code n} originals of about 150 words ("o" + i, at T0 + i s), each with its variant of kind {@code kind(i)}
   * ("v" + i, at T0 + 50 + i s) and, with {@code copies}, an exact copy ("d" + i, at T0 + 90 + i s).
   */
  List<String> originalsAndVariants(int n, java.util.function.IntFunction<String> kind, boolean copies) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String original = corpus.prose(150);
      lines.add(line("o" + i, "news", original, T0.plusSeconds(i)));
      lines.add(line("v" + i, "news", corpus.variant(original, kind.apply(i)), T0.plusSeconds(50 + i)));
      if (copies) {
        lines.add(line("d" + i, "news", original, T0.plusSeconds(90 + i)));
      }
    }
    return lines;
  }

  /** The same submissions, with the same status, contribution, reason, message and similarity each. */
  static void assertSameAssignments(Map<String, Row> expected, Map<String, Row> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String key : expected.keySet()) {
      for (String column : List.of("status", "contribution_id", "reason", "message", "similarity")) {
        assertEquals(String.valueOf(expected.get(key).<Object>getAs(column)),
            String.valueOf(actual.get(key).<Object>getAs(column)), key + " " + column);
      }
    }
  }

  /**
   * A batch's queries run without Spark's code generation unless poa.ingest.spark-codegen is set: the
   * plans of its dedup queries have no whole-stage code (Spark marks such stages "*(n)"), the session's
   * own settings are back afterwards, and both ways give the same submissions.
   */
  @Test
  void batchesRunWithoutCodegenUnlessAskedAndAssignTheSameEither(@TempDir Path dir) throws Exception {
    Path in = file(dir, "in.jsonl", originalsAndVariants(6, i -> i % 2 == 0 ? "edits" : "case", false));
    SparkSession spark = SharedSpark.spark();
    List<String> plans = java.util.Collections.synchronizedList(new ArrayList<>());
    QueryExecutionListener listener = new QueryExecutionListener() {
      @Override
      public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
        plans.add(qe.executedPlan().toString());
      }

      @Override
      public void onFailure(String funcName, QueryExecution qe, Exception exception) {}
    };
    spark.conf().set("spark.sql.codegen.wholeStage", "true");
    spark.listenerManager().register(listener);
    try {
      TestLakehouse interpreted = SharedSpark.lakehouse(dir.resolve("interpreted"));
      IngestJob.Result a = ingest(interpreted, config("b", in));
      spark.sparkContext().listenerBus().waitUntilEmpty();
      List<String> withoutCodegen = dedupPlans(plans);
      plans.clear();
      assertEquals("true", spark.conf().get("spark.sql.codegen.wholeStage"));
      assertTrue(!spark.conf().contains("spark.sql.codegen.factoryMode"), "factoryMode left set");
      assertEquals("true", spark.conf().get("spark.sql.subexpressionElimination.enabled"), "subexpression elimination left off");

      TestLakehouse compiled = SharedSpark.lakehouse(dir.resolve("compiled"));
      IngestJob.Config c = config("b", in);
      IngestJob.Result b = ingest(compiled, new IngestJob.Config(c.inputs(), null, "b", false, c.maxContentBytes(),
          c.dedup(), true));
      spark.sparkContext().listenerBus().waitUntilEmpty();
      List<String> withCodegen = dedupPlans(plans);

      assertTrue(!withoutCodegen.isEmpty() && withoutCodegen.stream().noneMatch(p -> p.contains("*(")),
          "whole-stage code in the default run: " + withoutCodegen);
      assertTrue(withCodegen.stream().anyMatch(p -> p.contains("*(")), "no whole-stage code when asked: " + withCodegen);
      assertEquals(6, a.accepted());
      assertEquals(List.of(a.accepted(), a.duplicate(), a.nearDuplicate()), List.of(b.accepted(), b.duplicate(),
          b.nearDuplicate()));
      Map<String, Row> x = byKey(interpreted, "b");
      Map<String, Row> y = byKey(compiled, "b");
      assertSameAssignments(x, y);
    } finally {
      spark.listenerManager().unregister(listener);
      spark.conf().unset("spark.sql.codegen.wholeStage");
    }
  }

  /** The plans of the dedup's own queries (they hash submission ids with xxhash64). */
  static List<String> dedupPlans(List<String> plans) {
    synchronized (plans) {
      return plans.stream().filter(p -> p.contains("xxhash64")).toList();
    }
  }

  /**
   * Texts a, b, c, each a near-duplicate of the next: b is a with its last 7 % of words changed, c is b with its
   * first 7 % changed; a and c are too far apart to be near-duplicates by themselves.
   */
  String[] chainOfThree() {
    String a = TextNormalizer.normalize(corpus.prose(400));
    String[] w = a.split(" ");
    String[] bw = w.clone();
    for (int i = (int) (w.length * 0.93); i < w.length; i++) {
      bw[i] = "tailword" + i;
    }
    String b = String.join(" ", bw);
    String[] cw = bw.clone();
    for (int i = 0; i < (int) (w.length * 0.07); i++) {
      cw[i] = "headword" + i;
    }
    String c = String.join(" ", cw);
    return new String[] {a, b, c};
  }

  @Test
  void chainsOfNearDuplicatesFormOneCluster(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    String[] chain = chainOfThree();
    String a = chain[0];
    String b = chain[1];
    String c = chain[2];
    int k = MinHash.DEFAULT_SHINGLE_WORDS;
    assertTrue(MinHash.jaccard(a, b, k) >= 0.8, "precondition a~b " + MinHash.jaccard(a, b, k));
    assertTrue(MinHash.jaccard(b, c, k) >= 0.8, "precondition b~c " + MinHash.jaccard(b, c, k));
    assertTrue(MinHash.jaccard(a, c, k) < 0.8, "precondition a!~c " + MinHash.jaccard(a, c, k));
    // c comes first in the file but a was submitted first: submitted_at decides the credit.
    Path in = file(dir, "chain.jsonl", List.of(line("c", "news", c, T0.plusSeconds(20)),
        line("b", "news", b, T0.plusSeconds(10)), line("a", "news", a, T0)));
    IngestJob.Result r = ingest(t, config("chain", in));
    assertEquals(1, r.accepted());
    assertEquals(2, r.nearDuplicate());
    Map<String, Row> rows = byKey(t, "chain");
    assertEquals("accepted", rows.get("a").getAs("status"));
    assertEquals(rows.get("a").<String>getAs("contribution_id"), rows.get("c").getAs("contribution_id"));
    assertEquals(rows.get("a").<String>getAs("contribution_id"), rows.get("b").getAs("contribution_id"));
  }

  /**
   * Clusters found on the driver (union-find, the default for a batch's few thousand verified pairs) and by the
   * connected-components pass in Spark ({@code poa.dedup.driver-cc-max-edges=0}) give the same submissions, in a
   * batch with a chain of near-duplicates, an exact duplicate and a batch before it whose contribution they meet.
   */
  @Test
  void clustersOnTheDriverAndInSparkAssignTheSame(@TempDir Path dir) {
    String[] chain = chainOfThree();
    String a = chain[0];
    String b = chain[1];
    String c = chain[2];
    String other = corpus.prose(300);
    Path first = file(dir, "first.jsonl", List.of(line("b", "news", b, T0.plusSeconds(10))));
    Path second = file(dir, "second.jsonl", List.of(line("c", "news", c, T0.plusSeconds(20)),
        line("a", "news", a, T0), line("a-again", "news", a, T0.plusSeconds(30)), line("o", "news", other, T0),
        line("o-near", "news", other + " appended words here", T0.plusSeconds(5))));
    Map<String, Map<String, Row>> byWay = new java.util.TreeMap<>();
    for (long maxEdges : new long[] {0, dev.poa.jobs.ingest.Deduplication.Settings.DEFAULT_DRIVER_CC_MAX_EDGES}) {
      TestLakehouse t = SharedSpark.lakehouse(dir.resolve("max-" + maxEdges));
      for (IngestJob.Config c0 : List.of(config("one", first), config("two", second))) {
        ingest(t, new IngestJob.Config(c0.inputs(), null, c0.batchId(), false, c0.maxContentBytes(),
            c0.dedup().withDriverCcMaxEdges(maxEdges)));
      }
      byWay.put(maxEdges == 0 ? "spark" : "driver", byKey(t, "two"));
    }
    Map<String, Row> spark = byWay.get("spark");
    Map<String, Row> driver = byWay.get("driver");
    assertEquals(Set.of("a", "a-again", "c", "o", "o-near"), spark.keySet());
    // b, stored first, keeps the credit of the chain; a again is an exact duplicate of a, so of b's contribution
    String bContribution = spark.get("a").getAs("contribution_id");
    for (String key : List.of("a", "a-again", "c")) {
      assertEquals(bContribution, spark.get(key).getAs("contribution_id"), key);
    }
    assertEquals("near_duplicate", spark.get("o-near").getAs("status"));
    assertSameAssignments(spark, driver);
  }

  /**
   * A batch lets adaptive execution coalesce the partitions of the plans it caches (its validated rows, the dedup's
   * intermediate results), so it runs fewer tasks than with the session's setting at Spark's default, false, which a
   * session that sets it keeps; the assignments are the same either way, and the session's setting is as before.
   */
  @Test
  void cachedPlansAreCoalescedUnlessTheSessionSaysOtherwise(@TempDir Path dir) throws Exception {
    Path in = file(dir, "in.jsonl", originalsAndVariants(4, i -> "edits", true));
    SparkSession spark = SharedSpark.spark();
    java.util.concurrent.atomic.AtomicLong tasks = new java.util.concurrent.atomic.AtomicLong();
    org.apache.spark.scheduler.SparkListener counter = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd taskEnd) {
        tasks.incrementAndGet();
      }
    };
    String key = IngestJob.COALESCE_CACHED_PLANS;
    spark.sparkContext().addSparkListener(counter);
    try {
      Map<String, Map<String, Row>> byWay = new java.util.TreeMap<>();
      Map<String, Long> tasksByWay = new java.util.TreeMap<>();
      for (String way : List.of("session-false", "batch-default")) {
        if (way.equals("session-false")) {
          spark.conf().set(key, "false");
        }
        TestLakehouse t = SharedSpark.lakehouse(dir.resolve(way));
        spark.sparkContext().listenerBus().waitUntilEmpty();
        tasks.set(0);
        ingest(t, config("b", in));
        spark.sparkContext().listenerBus().waitUntilEmpty();
        tasksByWay.put(way, tasks.get());
        if (way.equals("session-false")) {
          assertEquals("false", spark.conf().get(key), "the session's own setting is kept");
          spark.conf().unset(key);
        } else {
          assertTrue(!spark.conf().contains(key), "the batch's setting is left set");
        }
        byWay.put(way, byKey(t, "b"));
      }
      Map<String, Row> plain = byWay.get("session-false");
      Map<String, Row> coalesced = byWay.get("batch-default");
      assertEquals(12, plain.size());
      assertTrue(plain.values().stream().anyMatch(r -> r.getAs("status").equals("near_duplicate")), "a near duplicate");
      for (String k : plain.keySet()) {
        if (!k.startsWith("v")) {
          assertEquals(k.startsWith("o") ? "accepted" : "duplicate", plain.get(k).getAs("status"), k);
        }
      }
      assertSameAssignments(plain, coalesced);
      assertTrue(tasksByWay.get("batch-default") < tasksByWay.get("session-false"),
          "tasks of the batch with cached plans coalesced and without: " + tasksByWay);
    } finally {
      spark.conf().unset(key);
      spark.sparkContext().removeSparkListener(counter);
    }
  }

  @Test
  void laterBatchesAreDeduplicatedAgainstStoredContributions(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    String o1 = corpus.prose(200);
    String o2 = corpus.prose(200);
    ingest(t, config("first", file(dir, "1.jsonl", List.of(line("o1", "news", o1, T0), line("o2", "news", o2, T0.plusSeconds(1))))));
    String fresh = corpus.prose(200);
    IngestJob.Result r = ingest(t, config("second", file(dir, "2.jsonl", List.of(
        line("again", "news", "  " + o1.toUpperCase() + " ", T0.plusSeconds(500)),
        line("edit", "news", corpus.variant(o2, "edits"), T0.plusSeconds(501)),
        line("new", "news", fresh, T0.plusSeconds(502))))));
    assertEquals(1, r.accepted());
    assertEquals(1, r.duplicate());
    assertEquals(1, r.nearDuplicate());
    Map<String, Row> first = byKey(t, "first");
    Map<String, Row> second = byKey(t, "second");
    assertEquals(first.get("o1").<String>getAs("contribution_id"), second.get("again").getAs("contribution_id"));
    assertEquals(first.get("o2").<String>getAs("contribution_id"), second.get("edit").getAs("contribution_id"));
    assertEquals(3L, t.spark().table(t.table("datanet.contributions")).count());
    List<Long> counts = t.spark().table(t.table("datanet.contributions")).orderBy("first_submitted_at")
        .select("submission_count").as(org.apache.spark.sql.Encoders.LONG()).collectAsList();
    assertEquals(List.of(2L, 2L, 1L), counts);
  }

  @Test
  void aBatchReadsTheStoredContributionsOfItsOwnDatanetsOnly(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    String doc = corpus.prose(200);
    ingest(t, config("first", file(dir, "1.jsonl", List.of(line("a", "alpha", doc, T0),
        line("b", "beta", corpus.prose(200), T0.plusSeconds(1))))));
    // beta's contributions made unreadable: a batch of alpha alone must not need them
    List<String> betaFiles = t.spark().sql("SELECT file_path FROM " + t.table("datanet.contributions")
        + ".files WHERE partition.datanet = 'beta'").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(1, betaFiles.size());
    java.nio.file.Files.delete(Path.of(java.net.URI.create(betaFiles.get(0))));

    IngestJob.Result r = ingest(t, config("second", file(dir, "2.jsonl", List.of(
        line("again", "alpha", doc, T0.plusSeconds(500)),
        line("edit", "alpha", corpus.variant(doc, "edits"), T0.plusSeconds(501))))));
    assertEquals(List.of(0L, 1L, 1L), List.of(r.accepted(), r.duplicate(), r.nearDuplicate()));
    Map<String, Row> first = byKey(t, "first");
    Map<String, Row> second = byKey(t, "second");
    assertEquals(first.get("a").<String>getAs("contribution_id"), second.get("again").getAs("contribution_id"));
    assertEquals(first.get("a").<String>getAs("contribution_id"), second.get("edit").getAs("contribution_id"));
  }

  @Test
  void dedupIsWithinADatanetUnlessAskedOtherwise(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    String doc = corpus.prose(120);
    Path in = file(dir, "x.jsonl", List.of(line("a", "alpha", doc, T0), line("b", "beta", doc, T0.plusSeconds(1))));
    assertEquals(2, ingest(t, config("within", in)).accepted());

    TestLakehouse g = SharedSpark.lakehouse(dir.resolve("global"));
    IngestJob.Config c = config("across", in);
    IngestJob.Config global = new IngestJob.Config(c.inputs(), null, "across", false, c.maxContentBytes(),
        IngestFixtures.dedup().withCrossDatanet(true));
    IngestJob.Result r = ingest(g, global);
    assertEquals(1, r.accepted());
    assertEquals(1, r.duplicate());
  }

  @Test
  void unrelatedDocumentsStayApartAndTiesFollowFileOrder(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      lines.add(line("u" + i, "news", corpus.prose(60 + i), T0));
    }
    String same = corpus.prose(80);
    lines.add(line("tie1", "news", same, T0.plusSeconds(9)));
    lines.add(line("tie2", "news", same, T0.plusSeconds(9)));
    IngestJob.Result r = ingest(t, config("u", file(dir, "u.jsonl", lines)));
    assertEquals(41, r.accepted());
    Map<String, Row> rows = byKey(t, "u");
    assertEquals("accepted", rows.get("tie1").getAs("status"));
    assertEquals("duplicate", rows.get("tie2").getAs("status"));
    assertNotEquals(rows.get("u1").<String>getAs("contribution_id"), rows.get("u2").getAs("contribution_id"));
    assertTrue(Arrays.asList(r.rejectedByReason().keySet().toArray()).isEmpty());
  }

  @Test
  void boilerplateOnShortTextsIsCaughtByContainmentButExcerptsAreNot(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    String shortDoc = corpus.prose(45);
    String wrapped = corpus.variant(shortDoc, "boilerplate");
    int k = MinHash.DEFAULT_SHINGLE_WORDS;
    String n1 = TextNormalizer.normalize(shortDoc);
    String n2 = TextNormalizer.normalize(wrapped);
    assertTrue(MinHash.jaccard(n1, n2, k) < 0.8, "precondition: Jaccard alone misses it " + MinHash.jaccard(n1, n2, k));
    String longDoc = corpus.prose(200);
    String excerpt = String.join(" ", Arrays.copyOf(longDoc.split(" "), 80)); // 40% of it
    IngestJob.Result r = ingest(t, config("short", file(dir, "s.jsonl", List.of(
        line("short", "news", shortDoc, T0), line("wrapped", "news", wrapped, T0.plusSeconds(1)),
        line("long", "news", longDoc, T0.plusSeconds(2)), line("excerpt", "news", excerpt, T0.plusSeconds(3))))));
    Map<String, Row> rows = byKey(t, "short");
    assertEquals("near_duplicate", rows.get("wrapped").getAs("status"));
    assertEquals(rows.get("short").<String>getAs("contribution_id"), rows.get("wrapped").getAs("contribution_id"));
    assertEquals("accepted", rows.get("excerpt").getAs("status"), "an excerpt of under half is its own contribution");
    assertEquals(3, r.accepted());
  }
}
