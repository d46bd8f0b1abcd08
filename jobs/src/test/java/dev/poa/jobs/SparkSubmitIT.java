package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.fixtures.SparkStandalone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jobs jar on a real Spark standalone cluster through spark-submit, with Spark,
 * Iceberg and Hadoop provided by the cluster. Runs after {@code package} (failsafe, {@code verify}).
 */
class SparkSubmitIT {
  @Test
  void theJobsJarRunsOnAStandaloneClusterWithSparkSubmit(@TempDir Path dir) throws Exception {
    Path target = Path.of("target");
    Path jar;
    try (Stream<Path> s = Files.list(target)) {
      jar = s.filter(p -> p.getFileName().toString().matches("poa-jobs-.*-spark\\.jar")).findFirst().orElseThrow(
          () -> new IllegalStateException("jobs jar not built: run ./mvnw verify"));
    }
    String provided = Files.readString(target.resolve("provided-classpath.txt"));
    String flags = Files.readString(target.resolve("classes/poa/jvm-flags.txt")).strip();
    Path input = dev.poa.SharedSpark.write(dir.resolve("in/batch.jsonl"), String.join("\n", List.of(
        IngestValidationTest.rec("cluster-net", "sent through spark-submit", ""),
        IngestValidationTest.rec("cluster-net", "Sent   through SPARK-SUBMIT", ""),
        "{not json")) + "\n");
    Path warehouse = dir.resolve("lakehouse");
    try (SparkStandalone cluster = SparkStandalone.start(dir, provided, flags)) {
      SparkStandalone.Result r = cluster.submit(dir.resolve("submit.log"),
          "--master", cluster.masterUrl(),
          "--deploy-mode", "client",
          "--class", "dev.poa.cli.PoaCli",
          "--conf", "spark.executor.extraJavaOptions=" + flags,
          "--driver-java-options", flags,
          "--conf", "spark.driver.host=127.0.0.1",
          "--conf", "spark.driver.bindAddress=127.0.0.1",
          "--conf", "spark.executor.memory=1g",
          "--conf", "spark.sql.shuffle.partitions=4",
          // JDBC drivers must be on the driver's system classpath (java.sql.DriverManager).
          "--driver-class-path", jar.toAbsolutePath().toString(),
          jar.toAbsolutePath().toString(),
          "--warehouse", warehouse.toString(), "ingest", "--input", input.getParent().toString(), "--batch-id", "cluster-1");
      assertEquals(0, r.exitCode(), r.output());
      assertTrue(r.output().contains("read 3 = accepted 1 + duplicate 1 + near_duplicate 0 + rejected 1"), r.output());

      SparkStandalone.Result q = cluster.submit(dir.resolve("sql.log"),
          "--master", cluster.masterUrl(), "--class", "dev.poa.cli.PoaCli",
          "--conf", "spark.executor.extraJavaOptions=" + flags,
          "--driver-java-options", flags,
          "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
          "--driver-class-path", jar.toAbsolutePath().toString(),
          jar.toAbsolutePath().toString(),
          "--warehouse", warehouse.toString(), "sql", "--format", "csv",
          "SELECT status, count(*) AS n FROM datanet.submissions GROUP BY status ORDER BY status");
      assertEquals(0, q.exitCode(), q.output());
      assertTrue(q.output().contains("accepted,1") && q.output().contains("duplicate,1") && q.output().contains("rejected,1"),
          q.output());
    }
  }
}
