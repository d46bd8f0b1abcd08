package dev.poa.jobs.attribution;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;

import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.spark.PoaUdfs;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * Span attribution (infini-gram / OLMoTrace style), as DataFrame stages with no custom code after
 * tokenisation ({@code poa_tokens}, pluggable): the completion's n-grams are hashed like the index's, joined to it and to the
 * adapter's training set; matches on one diagonal (same offset between completion and
 * contribution) are stitched into maximal runs; each run is verified token by token against the
 * contribution (a hash collision fails verification and counts nothing); spans found in more than
 * the boilerplate limit of the adapter's contributions are dropped; the rest weigh
 * {@code length × ln(1 + N/df) / df} each for the df contributions that hold them (N = training
 * set size, df = the span's rarest n-gram's contribution count). A contribution's score is the sum
 * of its spans' weights; its share is its score over the inference's total.
 */
public final class SpanAttribution {
  /**
   * @param ngram n of the index's n-grams (the shortest span that can match)
   * @param boilerplateMinContributions a span in more contributions than max(this, fraction × N) is boilerplate
   * @param boilerplateFraction see above
   */
  public record Settings(int ngram, int boilerplateMinContributions, double boilerplateFraction, String tokenizer) {
    public static final String DEFAULT_TOKENIZER = "default";

    public static Settings defaults() {
      return new Settings(8, 10, 0.01, DEFAULT_TOKENIZER);
    }

    public Settings {
      if (ngram < 2 || ngram > 64) {
        throw new IllegalArgumentException("span n-gram length must be in 2..64, got " + ngram);
      }
      if (tokenizer == null || tokenizer.isBlank()) {
        tokenizer = DEFAULT_TOKENIZER;
      }
    }
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
        throw new IllegalArgumentException("poa.attribution.span.tokenizer: cannot use " + settings.tokenizer()
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
    registerTokenizer(spark, settings);
    int n = settings.ngram();
    Dataset<Row> queries = inferences.select(col("request_id"), col("adapter_id"),
        expr("poa_tokens(completion)").as("q_tokens"));
    Dataset<Row> queryGrams = queries
        .select(col("request_id"), col("adapter_id"), expr("posexplode(" + PoaUdfs.ngramHashesExpr("q_tokens", n) + ")"))
        .select(col("request_id"), col("adapter_id"), col("pos").as("qpos"), col("col").as("ngram_hash"));
    Dataset<Row> trainingSet = spark.table(lh.sparkName(Tables.ADAPTER_TRAINING_SET));
    Dataset<Row> setSize = trainingSet.groupBy("adapter_id").count().withColumnRenamed("count", "set_size");
    Dataset<Row> matches = queryGrams
        .join(spark.table(lh.sparkName(Tables.SPAN_INDEX)), "ngram_hash")
        .join(trainingSet, new String[] {"adapter_id", "contribution_id"})
        .select(col("request_id"), col("adapter_id"), col("qpos"), col("contribution_id"), col("position").as("cpos"))
        .distinct();
    // Contributions of the adapter holding each matched n-gram of the completion.
    Dataset<Row> ngramDf = matches.groupBy("request_id", "qpos").agg(count_distinct(col("contribution_id")).as("ngram_df"));
    Dataset<Row> runs = matches.join(ngramDf, new String[] {"request_id", "qpos"})
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
    Dataset<Row> weighted = verified.join(setSize, "adapter_id")
        .filter(col("span_df").leq(greatest(lit(settings.boilerplateMinContributions()),
            col("set_size").multiply(lit(settings.boilerplateFraction())))))
        .withColumn("weight", col("len").multiply(log1p(col("set_size").divide(col("span_df")))).divide(col("span_df"))
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

}
