package dev.poa.udfs.spark;

import dev.poa.udfs.MinHash;
import dev.poa.udfs.TextNormalizer;
import dev.poa.udfs.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.catalyst.encoders.AgnosticEncoder;
import org.apache.spark.sql.catalyst.encoders.AgnosticEncoders;
import org.apache.spark.sql.expressions.SparkUserDefinedFunction;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.internal.ToScalaUDF;
import org.apache.spark.sql.types.DataTypes;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark UDFs over the plain-Java logic of this module. They are CPU code; each has a SQL
 * built-in formulation where one exists (see {@link MinHash}), and the ingest job picks one by
 * configuration, the faster by measurement ({@code bench/}).
 *
 * <ul>
 *   <li>{@code poa_normalize(text)}: {@link TextNormalizer#normalize}; NFKC has no SQL built-in.
 *   <li>{@code poa_minhash(normalized, k, n)}: MinHash signature, array&lt;bigint&gt;.
 *   <li>{@code poa_shingle_set(normalized, k)}: distinct shingle hashes, array&lt;bigint&gt;; equal
 *       to {@code array_distinct} of {@link #shinglesExpr}, which the built-in path uses.
 *   <li>{@code poa_band_hashes(signature, bands, rows)}: LSH band hashes, array&lt;bigint&gt;; equal
 *       to {@code transform(sequence(0, bands - 1), b -> xxhash64(b, slice(signature, b * rows + 1, rows)))}.
 *   <li>{@code poa_tokens(text)}: lower-cased tokens of the default {@link Tokenizer}.
 * </ul>
 */
public final class PoaUdfs {
  private PoaUdfs() {}

  public static void register(SparkSession spark) {
    spark.udf().register("poa_normalize", (UDF1<String, String>) TextNormalizer::normalize, DataTypes.StringType);
    spark.udf().register("poa_minhash", longArrayUdf(ToScalaUDF.apply(
        (UDF3<String, Integer, Integer, long[]>) (text, k, n) -> text == null ? null : MinHash.signature(text, k, n)),
        3, false));
    spark.udf().register("poa_shingle_set", longArrayUdf(ToScalaUDF.apply(
        (UDF2<String, Integer, long[]>) (text, k) -> text == null ? null : MinHash.distinctShingles(text, k)), 2, false));
    spark.udf().register("poa_band_hashes", longArrayUdf(ToScalaUDF.apply(
        (UDF3<long[], Integer, Integer, long[]>) (sig, bands, rows) -> sig == null ? null : MinHash.bandHashes(sig, bands, rows)),
        3, true));
    UDF1<String, String[]> tokens = gpuTwin("dev.poa.udfs.gpu.TokensGpuUdf");
    spark.udf().register("poa_tokens", tokens != null ? tokens : (UDF1<String, String[]>) Tokenizer::lowerTokens,
        DataTypes.createArrayType(DataTypes.StringType, false));
  }

  /** array&lt;bigint&gt; without nulls, to and from Java's {@code long[]}. */
  private static final AgnosticEncoder<?> LONG_ARRAY =
      new AgnosticEncoders.ArrayEncoder<>(AgnosticEncoders.PrimitiveLongEncoder$.MODULE$, false);

  /**
   * A Scala function of {@code arity} arguments returning {@code long[]}, as array&lt;bigint&gt;, its first argument a
   * {@code long[]} if {@code longArrayInput}. Registered with Java's {@code UDF3} and a {@link DataTypes DataType},
   * Spark converts such arrays element by element, boxing each ({@code CatalystTypeConverters}); with an encoder,
   * as its typed Scala functions are, it copies them whole ({@code UnsafeArrayData.fromPrimitiveArray},
   * {@code toLongArray}). Per row, interpreted, neither is cheaper; with an ingest batch's settings (no code
   * generation, no subexpression elimination) a JVM's first 100k batch took 47.2 s instead of 50.8 s, 3 s less of
   * it compiling (bench/RESULTS.md, 2026-12-08).
   */
  private static UserDefinedFunction longArrayUdf(Object scalaFunction, int arity, boolean longArrayInput) {
    List<Option<Encoder<?>>> inputs = new ArrayList<>();
    if (longArrayInput) { // the other arguments (none, or as many as the function takes) as Spark converts them
      inputs.add(Option.apply(LONG_ARRAY));
      for (int i = 1; i < arity; i++) {
        inputs.add(Option.empty());
      }
    }
    return new SparkUserDefinedFunction(scalaFunction, LONG_ARRAY.dataType(),
        CollectionConverters.asScala(inputs).toSeq(), Option.apply(LONG_ARRAY), Option.empty(), true, true);
  }

  /**
   * The RapidsUDF twin of a function when it is on the class path (a {@code -Pgpu} build with the
   * RAPIDS jar, as {@code poa explain-gpu} and GPU clusters run); null otherwise. Twins compute
   * the same values as the plain functions (their CPU path is the plain function).
   */
  @SuppressWarnings("unchecked")
  static <T> T gpuTwin(String className) {
    try {
      Class.forName("com.nvidia.spark.RapidsUDF");
      return (T) Class.forName(className).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  /**
   * Hashes of the n-grams of a token array column, in token order: {@code xxhash64} (seed 42) of
   * each slice of n tokens; empty when there are fewer than n tokens.
   */
  public static String ngramHashesExpr(String tokensCol, int n) {
    return "CASE WHEN size(" + tokensCol + ") >= " + n + " THEN transform(sequence(0, size(" + tokensCol + ") - " + n
        + "), i -> xxhash64(slice(" + tokensCol + ", i + 1, " + n + "))) ELSE CAST(array() AS array<bigint>) END";
  }

  /**
   * The built-in (GPU-capable) twin of {@code poa_minhash}, as a SQL expression over a column of
   * words ({@code split(normalized, ' ')}; computed once per row, not inside the lambdas).
   */
  public static String builtinMinhashExpr(String wordsCol, int k, int n) {
    return "transform(sequence(0, " + (n - 1) + "), j -> array_min(transform(" + shinglesExpr(wordsCol, k)
        + ", h -> xxhash64(h, j))))";
  }

  /** Shingle hashes of a words column (see {@link MinHash}), as a SQL expression. */
  public static String shinglesExpr(String wordsCol, int k) {
    return "transform(sequence(0, greatest(size(" + wordsCol + ") - " + k + ", 0)), i -> xxhash64(array_join(slice("
        + wordsCol + ", i + 1, " + k + "), ' ')))";
  }

  /** The words of a normalised text column, as a SQL expression. */
  public static String wordsExpr(String normalizedCol) {
    return "split(" + normalizedCol + ", ' ')";
  }
}
