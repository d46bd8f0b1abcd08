package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.poa.SharedSpark;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test JVM's session is poa's local session ({@link PoaSpark#localSession}): the settings {@code ./poa} starts
 * a local session with, so that the tests (and the benches, built the same way) run the Spark that {@code ./poa}
 * runs. A job joining it ({@link PoaSpark#session}) keeps its settings: its two shuffle partitions stay two.
 */
class LocalSessionTest {
  @Test
  void theTestSessionHasEverySettingOfPoasLocalSessionAndKeepsThemWhenAJobJoinsIt(@TempDir Path dir) {
    SparkSession spark = SharedSpark.spark();
    // a lakehouse of its own: PoaSpark.session joins the running session with a configuration
    assertSame(spark.sparkContext(), SharedSpark.lakehouse(dir).spark().sparkContext());
    SparkConf conf = spark.sparkContext().getConf();
    Map<String, String> expected = new LinkedHashMap<>(PoaSpark.LOCAL_SETTINGS);
    expected.putAll(PoaSpark.SESSION_DEFAULTS);
    expected.put("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions");
    expected.put("spark.master", "local[2]");
    expected.forEach((k, v) -> assertEquals(v, conf.get(k, null), k));
    assertEquals(2, PoaSpark.shufflePartitions(spark), "the shuffle partitions the test session was started with");
  }
}
