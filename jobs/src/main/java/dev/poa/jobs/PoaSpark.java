package dev.poa.jobs;

import dev.poa.schemas.BadInputException;
import dev.poa.schemas.CatalogSettings;
import dev.poa.schemas.Durations;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Builds (or joins) the Spark session for a configuration. Under spark-submit the master and
 * everything else the cluster sets are kept; in local mode the driver binds to loopback.
 */
public final class PoaSpark {
  private PoaSpark() {}

  private static final String SQLITE = "jdbc:sqlite:";

  /** The database file of the catalog, when the configuration's catalog is a JDBC catalog on SQLite (the embedded default). */
  public static Optional<java.nio.file.Path> sqliteCatalogFile(PoaConfig config) {
    return sqliteCatalogFile(sparkSettings(config), config.catalogName());
  }

  private static Optional<java.nio.file.Path> sqliteCatalogFile(Map<String, String> sparkSettings, String catalogName) {
    String uri = sparkSettings.getOrDefault(CatalogSettings.prefix(catalogName) + ".uri", "");
    return uri.startsWith(SQLITE) ? Optional.of(java.nio.file.Path.of(uri.substring(SQLITE.length()))) : Optional.empty();
  }

  /**
   * Whether {@code ex} or one of its causes is SQLite's "busy": another connection, of this process or another,
   * held the database locked for longer than this one waits (the driver's busy timeout, 3 s by default).
   */
  public static boolean sqliteBusy(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof SQLiteException e && (e.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_BUSY.code) {
        return true;
      }
    }
    return false;
  }

  /** Spark settings for this configuration, catalog included. */
  public static Map<String, String> sparkSettings(PoaConfig config) {
    Map<String, String> user = new LinkedHashMap<>();
    config.settings().forEach((k, v) -> {
      if (k.startsWith("spark.")) {
        user.put(k, v);
      }
    });
    Map<String, String> conf = new LinkedHashMap<>(SESSION_DEFAULTS);
    conf.put("spark.sql.extensions", ICEBERG_EXTENSIONS);
    conf.put("spark.sql.defaultCatalog", config.catalogName());
    conf.putAll(CatalogSettings.resolve(config.catalogName(), config.warehouse(), user));
    conf.putAll(user);
    return conf;
  }

  /**
   * Settings of every poa session, whatever its master; the configuration (a config file, {@code --conf})
   * overrides them.
   *
   * <p>Spark keeps the classes it compiles from plans' generated code in one cache per JVM, of 100 classes by
   * default ({@code spark.sql.codegen.cache.maxEntries}, a static setting: the session that compiles first sizes
   * it). One {@code poa rewards} compiles about 100 sources, so a JVM that runs several stages ({@code poa
   * run-epoch}, {@code poa demo}, a test JVM) compiled the same plans again, and each class compiled again is a new
   * class, run interpreted and compiled by the JIT again: {@code poa audit} after {@code poa rewards} in one JVM
   * took 13.9 s instead of 15.0 s on average with 1,000 classes kept, its JIT 5.7–7.1 s instead of 8.1–8.5 s
   * (bench/RESULTS.md, 2026-12-06, late night). The number bounds the metaspace the kept classes hold.
   */
  public static final Map<String, String> SESSION_DEFAULTS = Map.of("spark.sql.codegen.cache.maxEntries", "1000");

  /**
   * Spark's memory page in local mode, where the tasks' sort buffers are in the driver's heap. Spark
   * sizes a page from the heap, 64 MB with a heap above about 4 GB on two cores, and a sort starts with
   * one: every young collection during a sort copies each running task's whole page, however little it
   * holds. In the gradient attribution's Gram job (sorts of 20 MB each, 12 GB heap) one collection kept
   * 0.85–1.07 GB and paused both cores 0.54–1.02 s; with 4 MB pages, 0.61–0.72 GB and 0.07–0.35 s
   * (bench/RESULTS.md, 2026-12-05 late). A larger record gets a page of its own size.
   */
  static final String LOCAL_PAGE_SIZE = "4m";

  /**
   * Settings of a local-mode session besides its master and shuffle partitions: on the loopback, no
   * web UI, {@link #LOCAL_PAGE_SIZE}.
   */
  public static final Map<String, String> LOCAL_SETTINGS = Map.of("spark.driver.bindAddress", "127.0.0.1",
      "spark.driver.host", "127.0.0.1", "spark.ui.enabled", "false", "spark.buffer.pageSize", LOCAL_PAGE_SIZE);

  private static final String ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";

  /**
   * A builder of the local-mode session {@code ./poa} starts when nothing names a master: {@link #LOCAL_SETTINGS},
   * {@link #SESSION_DEFAULTS} and Iceberg's SQL extensions, with this master and number of shuffle partitions.
   * The benches ({@code local[2]}) and the test JVMs start theirs with it, so they run the Spark that {@code ./poa}
   * runs; a setting added here reaches all of them.
   */
  public static SparkSession.Builder localSession(String appName, String master, int shufflePartitions) {
    SparkSession.Builder b = SparkSession.builder().appName(appName).master(master);
    LOCAL_SETTINGS.forEach(b::config);
    SESSION_DEFAULTS.forEach(b::config);
    b.config("spark.sql.extensions", ICEBERG_EXTENSIONS);
    b.config("spark.sql.shuffle.partitions", Integer.toString(shufflePartitions));
    return b;
  }

  public static SparkSession session(PoaConfig config) {
    Map<String, String> settings = sparkSettings(config);
    Optional<java.nio.file.Path> sqlite = sqliteCatalogFile(settings, config.catalogName());
    if (sqlite.isPresent()) {
      // SQLite creates the database file but not its directory.
      try {
        java.nio.file.Files.createDirectories(sqlite.get().getParent());
      } catch (java.io.IOException e) {
        throw new BadInputException("Cannot create the warehouse directory for " + SQLITE + sqlite.get() + ": "
            + e.getMessage());
      }
    }
    SparkSession.Builder b;
    boolean joining = SparkSession.getDefaultSession().isDefined() || SparkSession.getActiveSession().isDefined();
    if (!joining && !new SparkConf().contains("spark.master") && !config.settings().containsKey("spark.master")) {
      b = localSession("poa", "local[*]", 8);
      // Stage progress bars for a person at a terminal; none in logs.
      b.config("spark.ui.showConsoleProgress", Boolean.toString(System.console() != null));
    } else {
      // under spark-submit, or joining a session this JVM already has (a test JVM's, a bench's, a notebook's):
      // its master and its own settings, shuffle partitions included, stay as they are
      b = SparkSession.builder().appName("poa");
    }
    settings.forEach(b::config); // the configuration's settings last: they override the local ones
    SparkSession spark = b.getOrCreate();
    // A session that already existed (tests, notebooks) gets the catalog settings at runtime
    setCatalog(spark, config);
    return spark;
  }

  /**
   * Sets this configuration's catalog settings on {@code spark} at runtime (a session that already
   * existed, or a new session of the same context). Spark instantiates catalogs lazily, on first use.
   */
  public static void setCatalog(SparkSession spark, PoaConfig config) {
    sparkSettings(config).forEach((k, v) -> {
      if (k.startsWith("spark.sql.catalog.")) {
        spark.conf().set(k, v);
      }
    });
  }

  /**
   * The session's {@code spark.sql.shuffle.partitions}: for an exchange given that number explicitly,
   * which AQE keeps (it coalesces only exchanges whose number it chose).
   */
  public static int shufflePartitions(SparkSession spark) {
    return Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions"));
  }

  /**
   * A Hadoop configuration with the settings Spark would give its own ({@code spark.hadoop.*}),
   * for file system work that needs no Spark session (listing a landing).
   */
  public static org.apache.hadoop.conf.Configuration hadoopConfiguration(PoaConfig config) {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    sparkSettings(config).forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        conf.set(k.substring("spark.hadoop.".length()), v);
      }
    });
    return conf;
  }

  public static Lakehouse lakehouse(SparkSession spark, PoaConfig config) {
    initializeCatalog(spark, config.catalogName());
    return Lakehouse.of(spark, config.catalogName()).withLease(leaseSettings(config));
  }

  /**
   * Loads the session's catalog, loading it again when its first load lost a race with another process
   * initialising the same new catalog. Iceberg's JDBC catalog creates its tables when they are missing, then adds
   * the view column when it is missing: two processes started together on a new lakehouse can both see a table or
   * the column missing, and the second to create it fails ("Cannot initialize JDBC catalog", "Cannot check and
   * eventually update SQL schema"). A new load finds them in place. A busy database is not retried here: it has
   * its own message (another process holds the catalog locked). Spark keeps no catalog whose load failed.
   */
  public static void initializeCatalog(SparkSession spark, String catalogName) {
    for (int attempt = 1; ; attempt++) {
      try {
        spark.sessionState().catalogManager().catalog(catalogName);
        return;
      } catch (RuntimeException e) {
        if (attempt >= CATALOG_LOADS || sqliteBusy(e) || !lostInitializationRace(e)) {
          throw e;
        }
      }
    }
  }

  private static final int CATALOG_LOADS = 3;

  /** Whether a catalog load failed where Iceberg's JDBC catalog creates its tables or adds their view column. */
  static boolean lostInitializationRace(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof org.apache.iceberg.jdbc.UncheckedSQLException && t.getMessage() != null
          && (t.getMessage().startsWith("Cannot check and eventually update SQL schema")
              || t.getMessage().equals("Cannot initialize JDBC catalog"))) {
        return true;
      }
    }
    return false;
  }

  /** {@code poa.lease.wait} (default 5m; {@code --wait-lock}) and {@code poa.lease.ttl} (default 60s). */
  public static LakehouseLease.Settings leaseSettings(PoaConfig config) {
    LakehouseLease.Settings d = LakehouseLease.Settings.defaults();
    return new LakehouseLease.Settings(duration(config, "poa.lease.wait", d.waitFor()), duration(config, "poa.lease.ttl",
        d.ttl()));
  }

  static java.time.Duration duration(PoaConfig config, String key, java.time.Duration dflt) {
    String v = config.get(key, null);
    try {
      return v == null ? dflt : Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("Setting " + key + ": " + e.getMessage());
    }
  }

  /**
   * Runs {@code action} with the given session settings, then puts back what the session had (a setting it
   * did not have is unset again), whether the action returns or throws. For a setting one stage of a job
   * needs and the rest of the session must not see; a poa job runs one query at a time, so no other query
   * sees it meanwhile.
   */
  public static <T> T withSettings(SparkSession spark, Map<String, String> settings,
      java.util.function.Supplier<T> action) {
    Map<String, String> before = new LinkedHashMap<>();
    settings.forEach((k, v) -> {
      before.put(k, spark.conf().get(k, null));
      spark.conf().set(k, v);
    });
    try {
      return action.get();
    } finally {
      before.forEach((k, v) -> {
        if (v == null) {
          spark.conf().unset(k);
        } else {
          spark.conf().set(k, v);
        }
      });
    }
  }
}
