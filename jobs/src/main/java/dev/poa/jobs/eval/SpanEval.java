package dev.poa.jobs.eval;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.jobs.Progress;
import dev.poa.jobs.attribution.AttributeJob;
import dev.poa.jobs.attribution.GradientAttribution;
import dev.poa.jobs.attribution.SpanAttribution;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.ingest.Deduplication;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.jobs.serving.AdapterRegistry;
import dev.poa.jobs.serving.LogIngestJob;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.AdapterSpec;
import dev.poa.udfs.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;

/**
 * Ground-truth evaluation of span attribution, through the real pipeline (ingest, adapter
 * registration, log ingest, {@code attribute --method span}) on a lakehouse of its own.
 *
 * <p>Contributions: generated prose and code (whose function template is boilerplate shared by
 * every code contribution), a boilerplate notice in one contribution of seven, and phrases each
 * shared by three contributors. Completions: "planted" ones hold a verbatim span of 12–64 tokens
 * of a known contribution among filler and distractors; "negative" ones hold distractors only.
 * Distractors: paraphrases (every fourth word replaced), verbatim spans shorter than n, the
 * boilerplate notice, shared phrases (in planted completions only: quoting a shared phrase is a
 * legitimate span of its sharers). Precision = planted completions whose top contribution is
 * the source / completions attributed at all; recall = the same / planted completions.
 */
public final class SpanEval {
  public record Config(int contributions, int planted, int negatives, long seed) {
    public static Config defaults() {
      return new Config(400, 150, 50, 11);
    }
  }

  public record Result(Config config, int planted, int negatives, long attributed, long correct,
      long negativesAttributed, double precision, double recall, long millis) {}

  static final String BOILERPLATE =
      "This record is shared under the terms of the DataNet contributor agreement and may be used to train adapters.";
  static final String EPOCH = "2026-01-01";

  private SpanEval() {}

  public static Result run(Lakehouse lh, Path work, Config c, SpanAttribution.Settings settings, Progress progress)
      throws IOException {
    long start = System.nanoTime();
    lh.migrate();
    Random random = new Random(c.seed());
    Corpus corpus = new Corpus(c.seed(), 20, false);
    Corpus filler = new Corpus(c.seed() + 1_000_003, 1, false);
    List<String> shared = new ArrayList<>();
    for (int j = 0; j < Math.max(1, c.contributions() / 40); j++) {
      shared.add(filler.prose(16).replace("\n", " "));
    }
    List<String> lines = new ArrayList<>();
    Instant at = Instant.parse("2025-12-01T00:00:00Z");
    for (int i = 0; i < c.contributions(); i++) {
      boolean code = i % 4 == 0;
      String content = code ? corpus.code(12) : corpus.prose(120);
      if (i % 7 == 3) {
        content = BOILERPLATE + "\n\n" + content;
      }
      int phrase = i % (shared.size() * 3);
      if (!code && phrase < shared.size() * 3 && i % 3 == 1) {
        content = content + "\n" + shared.get((i / 3) % shared.size());
      }
      Corpus.Doc d = corpus.doc("eval/" + i, "original", code ? "eval-code" : "eval-prose", i % 20,
          code ? "code" : "text", content, at.plusSeconds(i));
      lines.add(corpus.toJsonLine(d));
    }
    List<Row> contributions = ingest(lh, work, lines, "eval-lora", List.of("eval-prose", "eval-code"), progress);
    int n = settings.ngram();
    ObjectMapper json = new ObjectMapper();
    List<String> logs = new ArrayList<>();
    Map<String, String> truth = new HashMap<>();
    int total = c.planted() + c.negatives();
    for (int q = 0; q < total; q++) {
      boolean planted = q < c.planted();
      List<String> parts = new ArrayList<>();
      parts.add(filler.prose(10 + random.nextInt(20)));
      if (planted) {
        Row src = contributions.get(random.nextInt(contributions.size()));
        String content = src.getString(1);
        String span = verbatim(content, 12 + random.nextInt(53), random);
        if (span == null) {
          q--;
          continue;
        }
        parts.add(span);
        truth.put("eval-" + q, src.getString(0));
      }
      int distractors = 1 + random.nextInt(3);
      for (int d = 0; d < distractors; d++) {
        String other = contributions.get(random.nextInt(contributions.size())).getString(1);
        // A shared phrase is a verbatim span of its sharers: attributing it is right, so only
        // completions with a planted span carry one (there it must not outweigh the source).
        int kind = random.nextInt(planted ? 4 : 3);
        // paraphrase prose only: a code line has too many tokens per word for "every fourth word"
        while (kind == 0 && other.startsWith("contract ")) {
          other = contributions.get(random.nextInt(contributions.size())).getString(1);
        }
        switch (kind) {
          case 0 -> parts.add(paraphrase(verbatim(other, 30, random), filler));
          case 1 -> parts.add(verbatim(other, n - 1, random));
          case 2 -> parts.add(BOILERPLATE);
          default -> parts.add(shared.get(random.nextInt(shared.size())));
        }
      }
      parts.add(filler.prose(5 + random.nextInt(10)));
      parts.removeIf(p -> p == null);
      // planted span somewhere among the distractors, not always first
      java.util.Collections.shuffle(parts.subList(1, parts.size() - 1), random);
      // "|" occurs in no contribution: a distractor cannot grow into an n-gram with its neighbours
      logs.add(logLine(json, "eval-" + q, "eval-lora", q, String.join(" | ", parts)));
    }
    List<Row> summary = attribute(lh, work, logs, settings, progress);
    long attributed = 0;
    long correct = 0;
    long negativesAttributed = 0;
    for (Row r : summary) {
      if (!r.getBoolean(1)) {
        continue;
      }
      attributed++;
      String source = truth.get(r.getString(0));
      if (source == null) {
        negativesAttributed++;
      } else if (source.equals(r.getString(2))) {
        correct++;
      }
    }
    return new Result(c, c.planted(), c.negatives(), attributed, correct, negativesAttributed,
        attributed == 0 ? 0 : correct / (double) attributed, correct / (double) c.planted(),
        (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Ingests the contributions (JSONL lines in poa's input contract) and registers {@code adapter}
   * over the DataNets; returns the accepted contributions (contribution_id, content, contributor,
   * datanet), ordered by id.
   */
  static List<Row> ingest(Lakehouse lh, Path work, List<String> lines, String adapter, List<String> datanets,
      Progress progress) throws IOException {
    Path subs = work.resolve("contributions.jsonl");
    Files.write(subs, lines, StandardCharsets.UTF_8);
    progress.step("span eval: ingesting " + lines.size() + " contributions");
    new IngestJob(lh, progress).run(new IngestJob.Config(List.of(subs.toString()), "jsonl", "eval-contributions", false,
        4L << 20, Deduplication.Settings.defaults()));
    if (lh.spark().table(lh.sparkName(Tables.ADAPTERS)).filter(col("adapter_id").equalTo(adapter)).isEmpty()) {
      ObjectNode spec = new ObjectMapper().createObjectNode();
      spec.put("adapter_id", adapter);
      spec.put("base_model", "reference");
      spec.put("owner", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
      datanets.forEach(spec.putArray("datanets")::add);
      spec.put("rank", 8);
      spec.put("alpha", 16);
      spec.putArray("target_modules").add("q_proj");
      spec.put("artifact_uri", "file:///eval");
      AdapterRegistry.register(lh, AdapterSpec.parse(spec.toString()));
    }
    return lh.spark().table(lh.sparkName(Tables.CONTRIBUTIONS))
        .filter(col("datanet").isin((Object[]) datanets.toArray()))
        .select("contribution_id", "content", "contributor", "datanet").orderBy("contribution_id").collectAsList();
  }

  /**
   * Ingests the inference logs (JSONL lines), attributes the evaluation's epoch by spans and returns
   * its inference summary (request_id, attributed, top_contribution).
   */
  static List<Row> attribute(Lakehouse lh, Path work, List<String> logs, SpanAttribution.Settings settings,
      Progress progress) throws IOException {
    Path logFile = work.resolve("logs.jsonl");
    Files.write(logFile, logs, StandardCharsets.UTF_8);
    new LogIngestJob(lh, progress).run(new LogIngestJob.Config(List.of(logFile.toString()), "jsonl", "eval-logs"));
    new AttributeJob(lh, progress).run(new AttributeJob.Config(EPOCH, AttributeJob.Method.SPAN, settings,
        GradientAttribution.Settings.defaults()));
    return lh.spark().table(lh.sparkName(Tables.INFERENCE_SUMMARY))
        .filter(col("epoch").equalTo(EPOCH).and(col("method").equalTo("span")))
        .select("request_id", "attributed", "top_contribution").collectAsList();
  }

  /** One inference log line of the evaluation's epoch (fee 1000 wei). */
  static String logLine(ObjectMapper json, String requestId, String adapter, int q, String completion) {
    ObjectNode o = json.createObjectNode();
    o.put("request_id", requestId);
    o.put("adapter_id", adapter);
    o.put("served_at", Instant.parse(EPOCH + "T00:00:00Z").plusSeconds(q * 7L).toString());
    o.put("prompt", "continue");
    o.put("completion", completion);
    o.put("fee_wei", "1000");
    return o.toString();
  }

  /** A verbatim piece of {@code text} covering {@code tokens} consecutive tokens; null if too short. */
  public static String verbatim(String text, int tokens, Random random) {
    int[] b = Tokenizer.boundaries(text);
    int count = b.length / 2;
    if (count < tokens) {
      return null;
    }
    int first = random.nextInt(count - tokens + 1);
    return text.substring(b[2 * first], b[2 * (first + tokens - 1) + 1]);
  }

  /** Every fourth word replaced: no run of n ≥ 8 tokens survives. */
  static String paraphrase(String text, Corpus words) {
    if (text == null) {
      return null;
    }
    String[] w = text.split("\\s+");
    for (int i = 3; i < w.length; i += 4) {
      w[i] = words.prose(1).replaceAll("[^\\p{L}]", "");
    }
    return String.join(" ", w);
  }
}
