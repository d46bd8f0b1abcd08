package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poa.SharedSpark;
import dev.poa.jobs.demo.Corpus;
import dev.poa.udfs.MinHash;
import dev.poa.udfs.TextNormalizer;
import dev.poa.udfs.XxHash64;
import dev.poa.udfs.spark.PoaUdfs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The Java (CPU reference) implementations equal their Spark built-in twins bit for bit. */
class BuiltinTwinsTest {
  @Test
  void xxhash64MatchesSpark() {
    SparkSession spark = SharedSpark.spark();
    List<String> samples = List.of("", "a", "abcd", "abcdefgh", "0123456789abcdef0123456789abcdef-tail", "caf\u00e9 \u4e16\u754c");
    for (String s : samples) {
      long spark64 = spark.sql("SELECT xxhash64('" + s + "')").first().getLong(0);
      assertEquals(spark64, XxHash64.hashBytes(s.getBytes(StandardCharsets.UTF_8), XxHash64.SPARK_SEED), s);
    }
    long h = 123456789012345L;
    long expected = spark.sql("SELECT xxhash64(" + h + "L, 7)").first().getLong(0);
    assertEquals(expected, XxHash64.hashInt(7, XxHash64.hashLong(h, XxHash64.SPARK_SEED)));
  }

  @Test
  void sketchProjectionSignsAreSparkXxhash64OfTheCellIndex() {
    SparkSession spark = SharedSpark.spark();
    var p = new dev.poa.udfs.influence.RademacherProjection(dev.poa.udfs.influence.SketchSpec.parse("rp1:k=8:seed=42"), 40);
    List<Row> rows = spark.sql("SELECT c, r, xxhash64(CAST(c * 65536 + r AS BIGINT)) & 1 AS bit"
        + " FROM range(0, 40) AS t1(c) CROSS JOIN range(0, 8) AS t2(r)").collectAsList();
    assertEquals(320, rows.size());
    for (Row row : rows) {
      float e = p.entry((int) row.getLong(1), (int) row.getLong(0));
      assertEquals(row.getLong(2) == 0 ? 1 : -1, Math.signum(e), row.toString());
    }
  }

  @Test
  void ngramHashesOfTheIndexAreXxhash64OfTheTokenArray() {
    SparkSession spark = SharedSpark.spark();
    PoaUdfs.register(spark);
    Row r = spark.sql("SELECT " + PoaUdfs.ngramHashesExpr("t", 3) + " AS h, 0 AS unused, "
        + PoaUdfs.ngramHashesExpr("short", 3) + " AS none FROM (SELECT poa_tokens('A b, c d') AS t, array('x') AS short)")
        .first();
    List<Long> h = r.getList(0);
    assertEquals(3, h.size()); // tokens a b , c d: 5 tokens, 3 trigrams
    assertEquals(spark.sql("SELECT xxhash64(array('b', ',', 'c'))").first().getLong(0), h.get(1));
    assertEquals(spark.sql("SELECT xxhash64(array(',', 'c', 'd'))").first().getLong(0), h.get(2));
    assertEquals(spark.sql("SELECT xxhash64(array('a', 'b', ','))").first().getLong(0), h.get(0));
    assertEquals(0, r.getList(2).size());
  }

  @Test
  void minhashUdfEqualsBuiltinExpression() {
    SparkSession spark = SharedSpark.spark();
    PoaUdfs.register(spark);
    Corpus c = new Corpus(2, 1);
    List<String> docs = new ArrayList<>(List.of("one two", "a b c d e", "a b c d e f g",
        "a b c d e a b c d e a b c d e f a b c d e")); // repeated shingles: the sets keep first occurrences
    for (int i = 0; i < 10; i++) {
      docs.add(TextNormalizer.normalize(c.prose(30 + i * 20)));
    }
    Dataset<Row> df = spark.createDataset(docs, Encoders.STRING()).toDF("n").selectExpr("n", PoaUdfs.wordsExpr("n") + " AS w");
    List<Row> rows = df.selectExpr("n",
        "poa_minhash(n, 5, 40) AS udf",
        PoaUdfs.builtinMinhashExpr("w", 5, 40) + " AS builtin",
        "poa_shingle_set(n, 5) AS set_udf",
        "array_distinct(" + PoaUdfs.shinglesExpr("w", 5) + ") AS set_builtin",
        "poa_band_hashes(poa_minhash(n, 5, 40), 10, 4) AS bands_udf",
        dev.poa.jobs.ingest.Deduplication.bandHashesExpr("poa_minhash(n, 5, 40)", 10, 4) + " AS bands_builtin",
        "poa_band_hashes(poa_minhash(n, 5, 40), 7, 6) AS ragged_udf", // the last band is shorter
        dev.poa.jobs.ingest.Deduplication.bandHashesExpr("poa_minhash(n, 5, 40)", 7, 6) + " AS ragged_builtin").collectAsList();
    for (Row r : rows) {
      long[] expected = MinHash.signature(r.getString(0), 5, 40);
      List<Long> udf = scala.jdk.javaapi.CollectionConverters.asJava(r.<scala.collection.Seq<Long>>getAs("udf"));
      assertArrayEquals(expected, udf.stream().mapToLong(Long::longValue).toArray(), r.getString(0));
      List<Long> builtin = scala.jdk.javaapi.CollectionConverters.asJava(r.<scala.collection.Seq<Long>>getAs("builtin"));
      assertArrayEquals(expected, builtin.stream().mapToLong(Long::longValue).toArray(), r.getString(0));
      List<Long> setUdf = scala.jdk.javaapi.CollectionConverters.asJava(r.<scala.collection.Seq<Long>>getAs("set_udf"));
      List<Long> setBuiltin = scala.jdk.javaapi.CollectionConverters.asJava(r.<scala.collection.Seq<Long>>getAs("set_builtin"));
      assertEquals(setBuiltin, setUdf, "shingle sets, element for element: " + r.getString(0));
      assertEquals(r.<scala.collection.Seq<Long>>getAs("bands_builtin"), r.<scala.collection.Seq<Long>>getAs("bands_udf"));
      assertEquals(10, r.<scala.collection.Seq<Long>>getAs("bands_udf").size());
      assertEquals(r.<scala.collection.Seq<Long>>getAs("ragged_builtin"), r.<scala.collection.Seq<Long>>getAs("ragged_udf"));
      assertEquals(java.util.Arrays.stream(MinHash.shingles(r.getString(0), 5)).distinct().count(), setUdf.size());
    }
  }
}
