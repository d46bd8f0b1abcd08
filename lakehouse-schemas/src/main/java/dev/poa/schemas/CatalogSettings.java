package dev.poa.schemas;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Spark settings that define the poa catalog. The embedded default is an Iceberg JdbcCatalog on a
 * SQLite file inside the warehouse directory; any {@code spark.sql.catalog.<name>.*} key given by
 * configuration replaces the default of the same key, so PostgreSQL, a REST catalog or an
 * {@code s3a://} warehouse need configuration only.
 */
public final class CatalogSettings {
  private CatalogSettings() {}

  public static String prefix(String catalogName) {
    return "spark.sql.catalog." + catalogName;
  }

  /** Defaults for the embedded lakehouse under {@code warehouseDir}. */
  public static Map<String, String> embeddedDefaults(String catalogName, Path warehouseDir) {
    Path abs = warehouseDir.toAbsolutePath().normalize();
    String p = prefix(catalogName);
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put(p, "org.apache.iceberg.spark.SparkCatalog");
    conf.put(p + ".type", "jdbc");
    conf.put(p + ".uri", "jdbc:sqlite:" + abs.resolve("catalog.db"));
    conf.put(p + ".warehouse", abs.resolve("data").toUri().toString());
    // V1 adds view support to the JDBC catalog's tables.
    conf.put(p + ".jdbc.schema-version", "V1");
    return conf;
  }

  /**
   * Merges user settings over the embedded defaults. A user-chosen catalog type or implementation
   * drops the embedded JDBC defaults (uri, schema version), which belong to the SQLite catalog.
   */
  public static Map<String, String> resolve(
      String catalogName, Path warehouseDir, Map<String, String> userSettings) {
    String p = prefix(catalogName);
    Map<String, String> merged = new LinkedHashMap<>(embeddedDefaults(catalogName, warehouseDir));
    String userType = userSettings.get(p + ".type");
    boolean userImpl = userSettings.containsKey(p + ".catalog-impl");
    if (userImpl || (userType != null && !userType.equals("jdbc"))) {
      merged.remove(p + ".type");
      merged.remove(p + ".uri");
      merged.remove(p + ".jdbc.schema-version");
    }
    for (Map.Entry<String, String> e : userSettings.entrySet()) {
      if (e.getKey().equals(p) || e.getKey().startsWith(p + ".")) {
        merged.put(e.getKey(), e.getValue());
      }
    }
    return merged;
  }
}
