package dev.poa.udfs.spark;

import dev.poa.udfs.MinHash;
import dev.poa.udfs.TextNormalizer;
import dev.poa.udfs.Tokenizer;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.types.DataTypes;

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
    spark.udf()
        .register(
            "poa_minhash",
            (UDF3<String, Integer, Integer, long[]>) (text, k, n) -> MinHash.signature(text, k, n),
            DataTypes.createArrayType(DataTypes.LongType, false));
    spark.udf()
        .register(
            "poa_shingle_set",
            (UDF2<String, Integer, long[]>) MinHash::distinctShingles,
            DataTypes.createArrayType(DataTypes.LongType, false));
    spark.udf()
        .register(
            "poa_band_hashes",
            (UDF3<scala.collection.Seq<Object>, Integer, Integer, long[]>) (sig, bands, rows) -> {
              if (sig == null) {
                return null;
              }
              long[] v = new long[sig.length()];
              for (int i = 0; i < v.length; i++) {
                v[i] = (Long) sig.apply(i);
              }
              return MinHash.bandHashes(v, bands, rows);
            },
            DataTypes.createArrayType(DataTypes.LongType, false));
    UDF1<String, String[]> tokens = gpuTwin("dev.poa.udfs.gpu.TokensGpuUdf");
    spark.udf().register("poa_tokens", tokens != null ? tokens : (UDF1<String, String[]>) Tokenizer::lowerTokens,
        DataTypes.createArrayType(DataTypes.StringType, false));
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
