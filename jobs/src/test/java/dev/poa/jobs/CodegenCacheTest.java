package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.metrics.source.CodegenMetrics;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's cache of compiled generated code is large enough for several stages in one JVM
 * ({@link PoaSpark#SESSION_DEFAULTS}): a plan run again after more than Spark's default 100 others
 * is not compiled again.
 */
class CodegenCacheTest {
  private static final String KEY = "spark.sql.codegen.cache.maxEntries";

  @Test
  void everySessionKeepsAThousandClassesUnlessTheConfigurationSaysOtherwise(@TempDir Path dir) {
    assertEquals("1000", PoaSpark.sparkSettings(new PoaConfig(dir, "poa", Map.of())).get(KEY));
    assertEquals("50", PoaSpark.sparkSettings(new PoaConfig(dir, "poa", Map.of(KEY, "50"))).get(KEY));
  }

  @Test
  void aPlanRunAgainAfterMoreThanAHundredOthersIsNotCompiledAgain() {
    SparkSession spark = SharedSpark.spark();
    assertEquals("1000", spark.conf().get(KEY));
    long first = runAndCountCompilations(spark, 104_729); // compiled now, or kept from an earlier run of this JVM
    long before = compilations();
    // each literal is written into the generated source: 150 sources Spark has not seen
    for (int k = 1; k <= 150; k++) {
      runAndCountCompilations(spark, 7_919L * k + 1);
    }
    long others = compilations() - before;
    assertTrue(others >= 150, "the 150 other plans compiled " + others + " sources; each should have compiled at least one");
    assertEquals(0, runAndCountCompilations(spark, 104_729),
        "the first plan was compiled again after " + others + " other sources (first run: " + first + ")");
  }

  /** Runs a one-row plan whose generated code holds {@code factor}; returns how many sources Spark compiled. */
  private static long runAndCountCompilations(SparkSession spark, long factor) {
    long before = compilations();
    long v = spark.range(1, 2).selectExpr("id * " + factor + "L + 3 AS v").collectAsList().get(0).getLong(0);
    assertEquals(factor + 3, v);
    return compilations() - before;
  }

  private static long compilations() {
    return CodegenMetrics.METRIC_COMPILATION_TIME().getCount();
  }
}
