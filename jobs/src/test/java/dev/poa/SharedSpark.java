package dev.poa;

import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.PoaSpark;
import dev.poa.schemas.Lakehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;

/**
 * One SparkSession per test JVM (local[2], two shuffle partitions), and a fresh lakehouse per
 * test: each gets its own Iceberg catalog name, SQLite catalog and warehouse directory, so tests
 * never see each other's tables.
 */
public final class SharedSpark {
  private static final AtomicInteger CATALOGS = new AtomicInteger();
  private static SparkSession spark;

  private SharedSpark() {}

  public static synchronized SparkSession spark() {
    if (spark == null) {
      // poa's local session (PoaSpark.localSession), with two shuffle partitions and two default partitions
      spark = PoaSpark.localSession("poa-tests", "local[2]", 2).config("spark.default.parallelism", "2").getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }

  /** A lakehouse of its own under {@code dir}. */
  public static TestLakehouse lakehouse(Path dir) {
    PoaConfig config = new PoaConfig(dir.resolve("lakehouse"), "t" + CATALOGS.incrementAndGet(), java.util.Map.of());
    return lakehouse(config);
  }

  public static TestLakehouse lakehouse(PoaConfig config) {
    spark();
    SparkSession s = PoaSpark.session(config);
    return new TestLakehouse(config, Lakehouse.of(s, config.catalogName()));
  }

  /** A test's lakehouse and the configuration that points at it. */
  public record TestLakehouse(PoaConfig config, Lakehouse lakehouse) {
    public SparkSession spark() {
      return lakehouse.spark();
    }

    public String table(String qualified) {
      return config.catalogName() + "." + qualified;
    }

    public Path warehouse() {
      return config.warehouse();
    }

    public Path catalogDb() {
      return config.warehouse().toAbsolutePath().normalize().resolve("catalog.db");
    }
  }

  public static Path write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
      return file;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
