package dev.poa.jobs.attribution;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.dense_rank;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;

import dev.poa.jobs.PoaSpark;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.spark.PoaUdfs;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Span attribution (infini-gram / OLMoTrace style), as DataFrame stages with no custom code after
 * tokenisation ({@code poa_tokens}, pluggable): the completion's n-grams are hashed like the index's, joined to it and to the
 * adapter's training set; matches on one diagonal (same offset between completion and
 * contribution) are stitched into maximal runs; each run is verified token by token against the
 * contribution (a hash collision fails verification and counts nothing); spans found in more than
 * the boilerplate limit of the adapter's contributions are dropped, and so are spans that carry
 * too little information (see {@link #informative}); the rest weigh
 * {@code information × ln(1 + N/df) / df} each for the df contributions that hold them (N = training
 * set size, df = the span's rarest n-gram's contribution count). A contribution's score is the sum
 * of its spans' weights; its share is its score over the inference's total.
 */
public final class SpanAttribution {
  /**
   * @param ngram n of the index's n-grams (the shortest span that can match)
   * @param boilerplateMinContributions a span in more contributions than max(this, fraction × N) is boilerplate
   * @param boilerplateFraction see above
   * @param tokenizer "default" or the class of a pluggable tokenizer (see {@link #registerTokenizer})
   * @param minWords a span counts with at least this many distinct words (see {@link #WORDS})
   * @param minInformation and at least this information, in units of ln(N + 1) (see {@link #informative});
   *     both 0: no rule, a span weighs its length in tokens, as before the rule existed
   */
  public record Settings(int ngram, int boilerplateMinContributions, double boilerplateFraction, String tokenizer,
      int minWords, double minInformation) {
    public static final String DEFAULT_TOKENIZER = "default";
    public static final int DEFAULT_MIN_WORDS = 5;
    public static final double DEFAULT_MIN_INFORMATION = 0.5;

    public static Settings defaults() {
      return new Settings(8, 2, 0.01, DEFAULT_TOKENIZER, DEFAULT_MIN_WORDS, DEFAULT_MIN_INFORMATION);
    }

    /** The settings with the default informativeness rule. */
    public Settings(int ngram, int boilerplateMinContributions, double boilerplateFraction, String tokenizer) {
      this(ngram, boilerplateMinContributions, boilerplateFraction, tokenizer, DEFAULT_MIN_WORDS,
          DEFAULT_MIN_INFORMATION);
    }

    /** True when no span is dropped for lack of information (both thresholds 0): spans weigh their length. */
    public boolean ruleOff() {
      return minWords == 0 && minInformation == 0;
    }

    public Settings {
      if (ngram < 2 || ngram > 64) {
        throw new BadInputException("span n-gram length must be in 2..64, got " + ngram);
      }
      if (tokenizer == null || tokenizer.isBlank()) {
        tokenizer = DEFAULT_TOKENIZER;
      }
      if (minWords < 0 || !(minInformation >= 0)) {
        throw new BadInputException("span min-words and min-information must be >= 0, got "
            + minWords + " and " + minInformation);
      }
    }
  }

  /**
   * A content token, as a SQL predicate over a token {@code t}: at least two characters and not only
   * digits and underscores. The default tokenizer makes every punctuation mark or symbol a
   * one-character token, so punctuation runs, numbers and single letters carry no content.
   * (translate and length, not a regular expression: both run on the GPU.)
   */
  static String contentToken(String t) {
    return "(length(" + t + ") >= 2 AND length(translate(" + t + ", '0123456789_', '')) > 0)";
  }

  /**
   * The words of a span ({@code len} tokens of {@code q_tokens} from {@code qstart}, 0-based), distinct,
   * in order of first occurrence: its content tokens next to another content token of the span. A word of
   * prose or code sits beside other words ({@code return the value}, {@code def parse_args}); the pieces
   * of a URL, a path, an e-mail address, an option synopsis or a troff macro sit between punctuation marks
   * ({@code https : / / www . gnu . org}, {@code \ fb \ - \ - region \ fr}), so they are not counted as
   * the words a quote is made of. (The first and last tokens of the span have one neighbour in it. The
   * tokens are read in place, not from a slice of them: Spark inlines an expression into each of its uses,
   * and a slice read once per neighbour of each token costs the square of the span's length.)
   */
  static final String WORDS;

  static {
    String at = "get(q_tokens, qstart + i)";
    String before = "IF(i > 0, " + contentToken("get(q_tokens, qstart + i - 1)") + ", false)";
    String after = "IF(i < len - 1, " + contentToken("get(q_tokens, qstart + i + 1)") + ", false)";
    WORDS = "array_distinct(transform(filter(sequence(0, len - 1), i -> " + contentToken(at)
        + " AND (" + before + " OR " + after + ")), i -> " + at + "))";
  }

  /**
   * Registers {@code poa_tokens} for the settings: the default tokenizer, or a class with a public
   * no-argument constructor implementing {@code UDF1<String, String[]>} (tokens of a text; no
   * token may be empty or hold whitespace). The index records which one built it.
   */
  @SuppressWarnings("unchecked")
  static void registerTokenizer(SparkSession spark, Settings settings) {
    PoaUdfs.register(spark);
    if (!Settings.DEFAULT_TOKENIZER.equals(settings.tokenizer())) {
      org.apache.spark.sql.api.java.UDF1<String, String[]> f;
      try {
        f = (org.apache.spark.sql.api.java.UDF1<String, String[]>) Class.forName(settings.tokenizer())
            .getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new BadInputException("poa.attribution.span.tokenizer: cannot use " + settings.tokenizer()
            + " (a class implementing UDF1<String, String[]> with a no-argument constructor): " + e);
      }
      spark.udf().register("poa_tokens", f, org.apache.spark.sql.types.DataTypes.createArrayType(
          org.apache.spark.sql.types.DataTypes.StringType, false));
    }
  }

  private final Lakehouse lh;
  private final SparkSession spark;
  private final Settings settings;

  public SpanAttribution(Lakehouse lh, Settings settings) {
    this.lh = lh;
    this.spark = lh.spark();
    this.settings = settings;
  }

  /**
   * Scores of the given inferences (columns request_id, adapter_id, completion): one row per
   * (request_id, contribution_id) with adapter_id, datanet, score (double) and share (double).
   * Inferences without a verified, non-boilerplate span have no row.
   */
  public Dataset<Row> scores(Dataset<Row> inferences) {
    Dataset<Row> queries = queries(inferences);
    // The candidate spans are materialised: they are matched without dynamic partition pruning (see
    // withoutRuntimeFilters), and their verification reads them as one broadcast when their size allows (see
    // verified, QuotedSize).
    Dataset<Row> quoted = withoutRuntimeFilters(() -> quotedSpans(queries).localCheckpoint());
    QuotedSize size = QuotedSize.of(quoted);
    Dataset<Row> kept = verified(quoted, size.fitsBroadcast(spark));
    // Without the rule (both thresholds 0, as before it existed) a span weighs its length in tokens:
    // a run recorded before the rule is reproduced with those settings. With it, the spans' words
    // are materialised once (verification must not run again for each reader of them).
    Dataset<Row> weighted = (settings.ruleOff() ? kept.withColumn("information", col("len"))
        : informative(byRequest(spanWords(kept, queries).localCheckpoint()), size.adapters()))
        .withColumn("weight", col("information").cast("double").multiply(log1p(col("set_size").divide(col("span_df"))))
            .divide(col("span_df"))
            // exact decimal sums: the same scores whatever the order of addition
            .cast("decimal(38,18)"));
    Dataset<Row> perContribution = weighted.groupBy("request_id", "adapter_id", "contribution_id", "datanet")
        .agg(sum("weight").as("score_exact"));
    Dataset<Row> totals = perContribution.groupBy("request_id").agg(sum("score_exact").as("total_exact"));
    return perContribution.join(totals, "request_id")
        .select(col("request_id"), col("adapter_id"), col("contribution_id"), col("datanet"),
            col("score_exact").cast("double").as("score"),
            col("score_exact").cast("double").divide(col("total_exact").cast("double")).as("share"));
  }

  /**
   * The matching half of {@link #scores} for the informativeness rule, as one lazy plan (what
   * {@code poa explain-gpu span-match} checks; {@link #scores} materialises the candidate spans and the
   * words): one row per (candidate span, word) of the inferences.
   */
  public Dataset<Row> spanWords(Dataset<Row> inferences) {
    Dataset<Row> queries = queries(inferences);
    return spanWords(verified(quotedSpans(queries), true), queries);
  }

  private Dataset<Row> queries(Dataset<Row> inferences) {
    registerTokenizer(spark, settings);
    return inferences.select(col("request_id"), col("adapter_id"), expr("poa_tokens(completion)").as("q_tokens"));
  }

  /**
   * Spark's dynamic partition pruning is off while {@code action} runs. Without it the index scan would
   * get a runtime filter listing every n-gram of the completions (the index is bucketed on ngram_hash),
   * which prunes nothing once there are more than a few dozen (every one of the 16 buckets is hit), and
   * which Iceberg writes out in full in the scan's description, that Spark renders at every re-optimisation
   * of the plan: seconds of driver time per run, and an event log of hundreds of megabytes. Spark has no
   * hint for it, so the session's setting is changed for the action and put back after it.
   */
  private <T> T withoutRuntimeFilters(java.util.function.Supplier<T> action) {
    return PoaSpark.withSettings(spark,
        java.util.Map.of("spark.sql.optimizer.dynamicPartitionPruning.enabled", "false"), action);
  }

  /**
   * Candidate spans: runs of the completions' n-grams found in the adapters' training contributions, on one
   * diagonal, shared ones (boilerplate) dropped; with set_size, cstart (where the span starts in the
   * contribution) and quote (its tokens in the completion, as one string), not yet verified.
   */
  private Dataset<Row> quotedSpans(Dataset<Row> queries) {
    int n = settings.ngram();
    Dataset<Row> queryGrams = queries
        .select(col("request_id"), col("adapter_id"), expr("posexplode(" + PoaUdfs.ngramHashesExpr("q_tokens", n) + ")"))
        .select(col("request_id"), col("adapter_id"), col("pos").as("qpos"), col("col").as("ngram_hash"));
    Dataset<Row> trainingSet = spark.table(lh.sparkName(Tables.ADAPTER_TRAINING_SET));
    Dataset<Row> setSize = trainingSet.groupBy("adapter_id").count().withColumnRenamed("count", "set_size");
    Dataset<Row> matches = queryGrams
        .join(spark.table(lh.sparkName(Tables.SPAN_INDEX)), "ngram_hash")
        .join(trainingSet, new String[] {"adapter_id", "contribution_id"})
        .select(col("request_id"), col("adapter_id"), col("qpos"), col("contribution_id"), col("position").as("cpos"))
        .transform(this::byRequest)
        .distinct();
    // Contributions of the adapter holding each matched n-gram of the completion: the number of distinct
    // contributions at (request_id, qpos), as the highest dense rank of contribution_id there. Windows over
    // one partitioning and one sort, so that the matching plan above runs once; an aggregate joined back
    // to the matches ran it twice (Spark reused none of its exchanges), index scan and shuffle included.
    WindowSpec atPosition = Window.partitionBy("request_id", "qpos");
    Dataset<Row> runs = matches
        .withColumn("contribution_rank", dense_rank().over(atPosition.orderBy("contribution_id")))
        .withColumn("ngram_df", max("contribution_rank").over(atPosition).cast("long")) // a count's type, as before
        .drop("contribution_rank")
        .withColumn("diag", col("cpos").minus(col("qpos")))
        .withColumn("run", col("qpos").minus(row_number().over(
            Window.partitionBy("request_id", "contribution_id", "diag").orderBy("qpos"))));
    Dataset<Row> spans = runs.groupBy("request_id", "adapter_id", "contribution_id", "diag", "run")
        .agg(min("qpos").as("qstart"), max("qpos").as("qlast"), min("ngram_df").as("span_df"))
        .withColumn("len", col("qlast").minus(col("qstart")).plus(lit(n)))
        .withColumn("cstart", col("qstart").plus(col("diag")))
        // boilerplate (in more contributions than the limit) dropped before verification, which it does not change
        .join(setSize, "adapter_id")
        .filter(col("span_df").leq(greatest(lit(settings.boilerplateMinContributions()),
            col("set_size").multiply(lit(settings.boilerplateFraction())))));
    // Tokens hold no whitespace and are never empty, so joining them with a space is injective: equal
    // quotes mean equal token sequences (and string equality runs on the GPU).
    return spans.join(queries.select("request_id", "q_tokens"), "request_id")
        .select(col("request_id"), col("adapter_id"), col("contribution_id"), col("qstart"), col("len"), col("cstart"),
            col("span_df"), col("set_size"), expr("concat_ws(' ', slice(q_tokens, qstart + 1, len))").as("quote"));
  }

  /**
   * The quoted spans whose quote is the contribution's text at cstart (a hash collision of the index fails
   * here), with the contribution's datanet, one row per distinct (request, contribution, qstart, len),
   * partitioned by request. The spans are few and the training documents many: broadcast, the quotes are
   * checked as the documents are read, and no document is collected on the driver or shuffled. When they are
   * too many for a broadcast, Spark plans the join as it sees fit.
   */
  private Dataset<Row> verified(Dataset<Row> quoted, boolean broadcastQuotes) {
    return spark.table(lh.sparkName(Tables.SPAN_DOCUMENTS))
        .select(col("contribution_id"), col("tokens").as("c_tokens"), col("datanet"))
        .join(broadcastQuotes ? broadcast(quoted) : quoted, "contribution_id")
        .filter(expr("concat_ws(' ', slice(c_tokens, cstart + 1, len)) = quote"))
        .select("request_id", "adapter_id", "contribution_id", "datanet", "qstart", "len", "span_df", "set_size")
        .transform(this::byRequest)
        .distinct();
  }

  /**
   * The materialised quoted spans' adapters and size, from one aggregate over them.
   *
   * @param adapters the adapters with a candidate span, sorted (their vocabularies are counted before scoring:
   *     a few may end with no verified span, and are counted a little earlier than needed)
   * @param rows number of spans
   * @param quoteBytes bytes of their quotes
   */
  private record QuotedSize(List<String> adapters, long rows, long quoteBytes) {
    /** Bytes of a quoted span's row besides its quote: three identifiers, four numbers, row overhead. */
    static final long ROW_BYTES = 160;

    static QuotedSize of(Dataset<Row> quoted) {
      List<String> adapters = new java.util.ArrayList<>();
      long rows = 0;
      long bytes = 0;
      for (Row r : quoted.groupBy("adapter_id").agg(org.apache.spark.sql.functions.count(lit(1)),
          sum(expr("octet_length(quote)"))).collectAsList()) {
        adapters.add(r.getString(0));
        rows += r.getLong(1);
        bytes += r.getLong(2);
      }
      java.util.Collections.sort(adapters);
      return new QuotedSize(List.copyOf(adapters), rows, bytes);
    }

    /**
     * Whether the spans fit Spark's broadcast threshold ({@code spark.sql.autoBroadcastJoinThreshold}; -1:
     * never), counting their quotes' bytes and {@link #ROW_BYTES} a row for the other columns.
     */
    boolean fitsBroadcast(SparkSession spark) {
      String setting = spark.conf().get("spark.sql.autoBroadcastJoinThreshold").trim();
      long threshold = setting.startsWith("-") ? -1 : org.apache.spark.network.util.JavaUtils.byteStringAsBytes(setting);
      return threshold >= 0 && rows * ROW_BYTES + quoteBytes <= threshold;
    }
  }

  /**
   * Rows partitioned by request_id, into spark.sql.shuffle.partitions partitions. Every window,
   * aggregate and join of the matching and the scoring is keyed by request_id (with more columns),
   * which this partitioning satisfies: after it, none of them shuffles again. The number is fixed
   * (AQE does not coalesce it): the matches are few rows, but their verification and words are
   * most of the CPU, which one coalesced partition would run on one core.
   */
  private Dataset<Row> byRequest(Dataset<Row> rows) {
    return rows.repartition(PoaSpark.shufflePartitions(spark), col("request_id"));
  }

  /** The columns of a span, as its word rows carry them. */
  private static org.apache.spark.sql.Column[] spanKey() {
    return java.util.stream.Stream.of("request_id", "adapter_id", "contribution_id", "datanet", "qstart", "len", "span_df",
        "set_size").map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new);
  }

  /**
   * One row per (span, word) of the spans (a span without words has none). The spans with fewer than
   * {@code minWords} words are dropped where their rows are counted ({@link #informative}): a filter on the
   * number of words here would compute them twice, once in the filter and once for the rows.
   */
  private Dataset<Row> spanWords(Dataset<Row> spans, Dataset<Row> queries) {
    return spans.join(queries.select("request_id", "q_tokens"), "request_id")
        .select(java.util.stream.Stream.concat(java.util.Arrays.stream(spanKey()),
            java.util.stream.Stream.of(expr("explode(" + WORDS + ")").as("token"))).toArray(org.apache.spark.sql.Column[]::new));
  }

  /**
   * The spans that carry information, with it. A span counts when it holds at least
   * {@code minWords} distinct words (see {@link #WORDS}: content tokens beside another content
   * token, so the pieces of URLs, paths, addresses, option synopses and markup do not count) and
   * its information reaches {@code minInformation} × ln(N + 1). Its information is the sum, over
   * its distinct words, of ln((N + 1) / (df + 1)), where N is the size of the adapter's training set
   * and df the number of its contributions holding the word ({@code attribution.span_vocabulary},
   * counted once per adapter): the span's surprise under the training set's word distribution
   * (OLMoTrace keeps the spans of lowest
   * unigram probability for the same reason), so runs of words found in nearly every contribution
   * count for almost nothing, however long. The unit ln(N + 1) is the information of one word no
   * other contribution holds, so the threshold means the same for 15 contributions as for a million.
   */
  private Dataset<Row> informative(Dataset<Row> spanWords, List<String> adapters) {
    new SpanIndex(lh, settings).countVocabularies(adapters, dev.poa.jobs.Progress.SILENT);
    // The words wanted are few (those of the candidate spans): broadcast, they pick their counts out
    // of the adapter's vocabulary (no scan of its training documents' tokens).
    Dataset<Row> tokenDf = spark.table(lh.sparkName(Tables.SPAN_VOCABULARY))
        .join(broadcast(spanWords.select("adapter_id", "token").distinct()), new String[] {"adapter_id", "token"})
        .select(col("adapter_id"), col("token"), col("documents").as("token_df"));
    // each word's term is a decimal before the sum: exact, so the same bits whatever the order of addition
    // tokenDf broadcast too (as few rows as the words): the spans' words keep their partitioning by request,
    // which the sums per span and per contribution below reuse
    return spanWords.join(broadcast(tokenDf), new String[] {"adapter_id", "token"}, "left")
        .groupBy(spanKey())
        .agg(sum(expr("CAST(ln((set_size + 1) / (coalesce(token_df, 0) + 1)) AS DECIMAL(38,18))")).as("information"),
            org.apache.spark.sql.functions.count(lit(1)).as("words"))
        // a span's rows are its distinct words
        .filter(col("words").geq(lit(settings.minWords())))
        .drop("words")
        // in units of ln(N + 1), the information of a word no other contribution holds: comparable across set sizes
        .filter(col("information").cast("double").geq(lit(settings.minInformation()).multiply(log1p(col("set_size")))));
  }
}
