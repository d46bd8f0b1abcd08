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

import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.spark.PoaUdfs;
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
   * The words of a span ({@code span_tokens}), distinct: its content tokens next to another content
   * token. A word of prose or code sits beside other words ({@code return the value}, {@code def
   * parse_args}); the pieces of a URL, a path, an e-mail address, an option synopsis or a troff
   * macro sit between punctuation marks ({@code https : / / www . gnu . org}, {@code \ fb \ - \ -
   * region \ fr}), so they are not counted as the words a quote is made of. ({@code get} is NULL
   * outside the array: the first and last tokens have one neighbour.)
   */
  static final String WORDS;

  static {
    String at = "get(span_tokens, i)";
    String before = "get(span_tokens, i - 1)";
    String after = "get(span_tokens, i + 1)";
    WORDS = "array_distinct(transform(filter(sequence(0, size(span_tokens) - 1), i -> " + contentToken(at)
        + " AND (coalesce(" + contentToken(before) + ", false) OR coalesce(" + contentToken(after) + ", false))), i -> " + at + "))";
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
    Dataset<Row> kept = candidates(queries);
    // Without the rule (both thresholds 0, as before it existed) a span weighs its length in tokens:
    // a run recorded before the rule is reproduced with those settings. With it, the spans' words
    // are materialised once (the matching pipeline must not run again for each reader of them).
    Dataset<Row> weighted = (settings.ruleOff() ? kept.withColumn("information", col("len"))
        : informative(byRequest(spanWords(kept, queries).localCheckpoint())))
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
   * {@code poa explain-gpu span-match} checks; {@link #scores} materialises it): one row per
   * (candidate span, word) of the inferences.
   */
  public Dataset<Row> spanWords(Dataset<Row> inferences) {
    Dataset<Row> queries = queries(inferences);
    return spanWords(candidates(queries), queries);
  }

  private Dataset<Row> queries(Dataset<Row> inferences) {
    registerTokenizer(spark, settings);
    return inferences.select(col("request_id"), col("adapter_id"), expr("poa_tokens(completion)").as("q_tokens"));
  }

  /** Verified spans of the adapters' training contributions, shared ones dropped, with set_size. */
  private Dataset<Row> candidates(Dataset<Row> queries) {
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
        .withColumn("cstart", col("qstart").plus(col("diag")));
    Dataset<Row> verified = spans
        .join(queries.select("request_id", "q_tokens"), "request_id")
        .join(spark.table(lh.sparkName(Tables.SPAN_DOCUMENTS)).select(col("contribution_id"), col("tokens").as("c_tokens"),
            col("datanet")), "contribution_id")
        // Tokens hold no whitespace and are never empty, so joining with a space is injective:
        // equal strings mean equal token sequences (and string equality runs on the GPU).
        .filter(expr("concat_ws(' ', slice(q_tokens, qstart + 1, len)) = concat_ws(' ', slice(c_tokens, cstart + 1, len))"))
        .select("request_id", "adapter_id", "contribution_id", "datanet", "qstart", "len", "span_df")
        .distinct();
    return verified.join(setSize, "adapter_id")
        .filter(col("span_df").leq(greatest(lit(settings.boilerplateMinContributions()),
            col("set_size").multiply(lit(settings.boilerplateFraction())))));
  }

  /**
   * Rows partitioned by request_id, into spark.sql.shuffle.partitions partitions. Every window,
   * aggregate and join of the matching and the scoring is keyed by request_id (with more columns),
   * which this partitioning satisfies: after it, none of them shuffles again. The number is fixed
   * (AQE does not coalesce it): the matches are few rows, but their verification and words are
   * most of the CPU, which one coalesced partition would run on one core.
   */
  private Dataset<Row> byRequest(Dataset<Row> rows) {
    return rows.repartition(Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions")), col("request_id"));
  }

  /** The columns of a span, as its word rows carry them. */
  private static org.apache.spark.sql.Column[] spanKey() {
    return java.util.stream.Stream.of("request_id", "adapter_id", "contribution_id", "datanet", "qstart", "len", "span_df",
        "set_size").map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new);
  }

  /** One row per (span, word) of the spans with at least {@code minWords} words. */
  private Dataset<Row> spanWords(Dataset<Row> spans, Dataset<Row> queries) {
    return spans.join(queries.select("request_id", "q_tokens"), "request_id")
        .withColumn("span_tokens", expr("slice(q_tokens, qstart + 1, len)"))
        .withColumn("words", expr(WORDS))
        .filter(expr("size(words) >= " + settings.minWords()))
        .select(java.util.stream.Stream.concat(java.util.Arrays.stream(spanKey()),
            java.util.stream.Stream.of(expr("explode(words)").as("token"))).toArray(org.apache.spark.sql.Column[]::new));
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
  private Dataset<Row> informative(Dataset<Row> spanWords) {
    new SpanIndex(lh, settings).countVocabularies(
        spanWords.select("adapter_id").distinct().orderBy("adapter_id").as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList(), dev.poa.jobs.Progress.SILENT);
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
        .agg(sum(expr("CAST(ln((set_size + 1) / (coalesce(token_df, 0) + 1)) AS DECIMAL(38,18))")).as("information"))
        // in units of ln(N + 1), the information of a word no other contribution holds: comparable across set sizes
        .filter(col("information").cast("double").geq(lit(settings.minInformation()).multiply(log1p(col("set_size")))));
  }
}
