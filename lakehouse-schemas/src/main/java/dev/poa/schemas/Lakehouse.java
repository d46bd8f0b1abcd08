package dev.poa.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.SparkSession;

/**
 * The lakehouse seen through one Spark catalog: table names, Iceberg table handles and schema
 * migrations. The catalog itself (JDBC on SQLite by default, or PostgreSQL, REST, any warehouse
 * URI) is configured on the Spark session; see {@link CatalogSettings}.
 */
public final class Lakehouse {
  private final SparkSession spark;
  private final String catalogName;
  private final LakehouseLease.Settings leaseSettings;

  private Lakehouse(SparkSession spark, String catalogName, LakehouseLease.Settings leaseSettings) {
    this.spark = spark;
    this.catalogName = catalogName;
    this.leaseSettings = leaseSettings;
  }

  public static Lakehouse of(SparkSession spark, String catalogName) {
    return new Lakehouse(spark, catalogName, LakehouseLease.Settings.defaults());
  }

  /** The same lakehouse, with other lease settings (how long writers wait, how long a lease lives). */
  public Lakehouse withLease(LakehouseLease.Settings settings) {
    return new Lakehouse(spark, catalogName, settings);
  }

  public LakehouseLease.Settings leaseSettings() {
    return leaseSettings;
  }

  /**
   * Takes the lakehouse's writer lease for {@code command} (see {@link LakehouseLease}); every
   * command that commits holds it while it runs. {@code progress} hears when it has to wait.
   */
  public LakehouseLease lease(String command, java.util.function.Consumer<String> progress) {
    return LakehouseLease.acquire(this, command, progress);
  }

  /** Refreshes every existing table, so that reads see what other processes committed. */
  public void refreshTables() {
    Catalog catalog = icebergCatalog();
    for (TableDefinition def : Tables.ALL) {
      if (catalog.tableExists(def.identifier())) {
        catalog.loadTable(def.identifier()).refresh();
      }
    }
  }

  /**
   * Refuses to read a lakehouse whose tables are missing or behind this build's definitions, for
   * read-only commands (which never run DDL): "run poa migrate".
   */
  public void requireCurrent(List<TableDefinition> defs) {
    Catalog catalog = icebergCatalog();
    for (TableDefinition def : defs) {
      if (!catalog.tableExists(def.identifier())) {
        throw new NotReadyException("Table " + def.qualifiedName() + " does not exist: run 'poa migrate' first");
      }
      int at = versionOf(catalog.loadTable(def.identifier()), def);
      if (at < def.currentVersion()) {
        throw new NotReadyException("Table " + def.qualifiedName() + " is at schema version " + at + " of "
            + def.currentVersion() + ": run 'poa migrate' first");
      }
    }
  }

  public SparkSession spark() {
    return spark;
  }

  public String catalogName() {
    return catalogName;
  }

  /** The Iceberg catalog behind the Spark catalog. */
  public Catalog icebergCatalog() {
    return Spark3Util.loadIcebergCatalog(spark, catalogName);
  }

  /** {@code catalog.namespace.table}, for Spark SQL and DataFrame reads and writes. */
  public String sparkName(TableDefinition def) {
    return catalogName + "." + def.qualifiedName();
  }

  public Table table(TableDefinition def) {
    return icebergCatalog().loadTable(def.identifier());
  }

  public boolean exists(TableDefinition def) {
    return icebergCatalog().tableExists(def.identifier());
  }

  /** Current snapshot id of a table, or -1 when it has none yet. */
  public long currentSnapshotId(TableDefinition def) {
    Table t = table(def);
    t.refresh();
    return t.currentSnapshot() == null ? -1L : t.currentSnapshot().snapshotId();
  }

  /** Creates missing tables and evolves existing ones to the current version of each definition. */
  public MigrationResult migrate() {
    return migrate(Tables.ALL);
  }

  public MigrationResult migrate(List<TableDefinition> defs) {
    List<MigrationResult.Step> steps = new ArrayList<>();
    for (TableDefinition def : defs) {
      steps.add(migrate(def));
    }
    return new MigrationResult(steps);
  }

  /** Creates or evolves one table; idempotent. */
  public MigrationResult.Step migrate(TableDefinition def) {
    Catalog catalog = icebergCatalog();
    int from;
    if (!catalog.tableExists(def.identifier())) {
      ensureNamespace(catalog, def.namespace());
      Schema v1 = def.schemaAt(1);
      try {
        catalog
            .buildTable(def.identifier(), v1)
            .withPartitionSpec(def.partitionSpec(v1))
            .withSortOrder(def.sortOrder(v1))
            .withProperties(def.properties())
            .withProperty(TableDefinition.SCHEMA_VERSION_PROPERTY, "1")
            .create();
      } catch (AlreadyExistsException raced) {
        // Another process created it between the check and the create: migrate what is there.
      }
      from = 0;
    } else {
      from = versionOf(catalog.loadTable(def.identifier()), def);
    }
    Table table = catalog.loadTable(def.identifier());
    int at = versionOf(table, def);
    // the definition's properties hold on existing tables too (a later build may change one); not on the
    // lease, whose holders commit to it outside any lease: a metadata commit there would fail a renewal
    Map<String, String> drifted = new java.util.TreeMap<>();
    (def == Tables.LAKEHOUSE_LEASE ? Map.<String, String>of() : def.properties()).forEach((k, v) -> {
      if (!v.equals(table.properties().get(k))) {
        drifted.put(k, v);
      }
    });
    if (!drifted.isEmpty()) {
      var update = table.updateProperties();
      drifted.forEach(update::set);
      update.commit();
    }
    if (at < def.currentVersion()) {
      Transaction tx = table.newTransaction();
      UpdateSchema update = tx.updateSchema();
      for (SchemaVersion v : def.versions().subList(at, def.currentVersion())) {
        for (Column c : v.addedColumns()) {
          update.addColumn(c.name(), c.type(), c.doc());
        }
      }
      update.commit();
      tx.updateProperties()
          .set(TableDefinition.SCHEMA_VERSION_PROPERTY, Integer.toString(def.currentVersion()))
          .commit();
      tx.commitTransaction();
    }
    return new MigrationResult.Step(def.qualifiedName(), from, def.currentVersion());
  }

  private static int versionOf(Table table, TableDefinition def) {
    String v = table.properties().get(TableDefinition.SCHEMA_VERSION_PROPERTY);
    if (v == null) {
      throw new IllegalStateException(
          "Table "
              + def.qualifiedName()
              + " exists but was not created by poa (no "
              + TableDefinition.SCHEMA_VERSION_PROPERTY
              + " property): rename or drop it, or point --warehouse elsewhere");
    }
    int version = Integer.parseInt(v);
    if (version > def.currentVersion()) {
      throw new IllegalStateException(
          "Table "
              + def.qualifiedName()
              + " is at schema version "
              + version
              + " but this build of poa knows only up to "
              + def.currentVersion()
              + ": upgrade poa before writing to this lakehouse");
    }
    return version;
  }

  private static void ensureNamespace(Catalog catalog, String namespace) {
    if (catalog instanceof SupportsNamespaces ns) {
      Namespace n = Namespace.of(namespace);
      if (!ns.namespaceExists(n)) {
        try {
          ns.createNamespace(n);
        } catch (AlreadyExistsException raced) {
          // created concurrently; fine
        }
      }
    }
  }
}
