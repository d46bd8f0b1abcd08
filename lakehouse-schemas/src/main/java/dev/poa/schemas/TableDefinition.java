package dev.poa.schemas;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.iceberg.NullOrder;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;

/**
 * A table as code: its versioned schema, partition spec, sort order and properties. Every job gets
 * its tables from here (see {@link Tables}); nothing issues {@code CREATE TABLE} inline.
 *
 * <p>The partition spec and sort order may only reference version-1 columns, because a table is
 * created at version 1 and then migrated forward, so that a new table and an old table that was
 * migrated go through the same steps and end identical.
 */
public final class TableDefinition {
  /** Table property holding the schema version a table is at. */
  public static final String SCHEMA_VERSION_PROPERTY = "poa.schema-version";

  private final String namespace;
  private final String name;
  private final String doc;
  private final List<SchemaVersion> versions;
  private final Function<Schema, PartitionSpec> partitionSpec;
  private final BiFunction<Schema, SortOrder.Builder, SortOrder.Builder> sortOrder;
  private final Map<String, String> properties;
  private final String layoutRationale;
  private final TableMaintenance maintenance;

  private TableDefinition(Builder b) {
    this.namespace = b.namespace;
    this.name = b.name;
    this.doc = b.doc;
    this.versions = List.copyOf(b.versions);
    this.partitionSpec = b.partitionSpec;
    this.sortOrder = b.sortOrder;
    this.properties = Map.copyOf(b.properties);
    this.layoutRationale = b.layoutRationale;
    this.maintenance = b.maintenance;
    for (int i = 0; i < versions.size(); i++) {
      if (versions.get(i).number() != i + 1) {
        throw new IllegalArgumentException(
            qualifiedName() + ": versions must be numbered 1.." + versions.size() + " in order");
      }
    }
    if (versions.isEmpty()) {
      throw new IllegalArgumentException(qualifiedName() + ": at least version 1 is needed");
    }
  }

  public static Builder builder(String namespace, String name) {
    return new Builder(namespace, name);
  }

  public String namespace() {
    return namespace;
  }

  public String name() {
    return name;
  }

  /** {@code namespace.name}, without catalog. */
  public String qualifiedName() {
    return namespace + "." + name;
  }

  public TableIdentifier identifier() {
    return TableIdentifier.of(Namespace.of(namespace), name);
  }

  public String doc() {
    return doc;
  }

  public String layoutRationale() {
    return layoutRationale;
  }

  /** How {@code poa maintain} compacts and expires this table. */
  public TableMaintenance maintenance() {
    return maintenance;
  }

  public List<SchemaVersion> versions() {
    return versions;
  }

  public int currentVersion() {
    return versions.size();
  }

  public Map<String, String> properties() {
    return properties;
  }

  /** The schema at a given version (1-based), with fresh field ids. */
  public Schema schemaAt(int version) {
    List<Types.NestedField> fields = new ArrayList<>();
    int id = 1;
    for (SchemaVersion v : versions.subList(0, version)) {
      for (Column c : v.addedColumns()) {
        fields.add(
            c.required()
                ? Types.NestedField.required(id++, c.name(), c.type(), c.doc())
                : Types.NestedField.optional(id++, c.name(), c.type(), c.doc()));
      }
    }
    // Nested types carry placeholder ids; renumber everything so ids are unique.
    return org.apache.iceberg.types.TypeUtil.assignIncreasingFreshIds(new Schema(fields));
  }

  public Schema currentSchema() {
    return schemaAt(currentVersion());
  }

  public PartitionSpec partitionSpec(Schema schema) {
    return partitionSpec.apply(schema);
  }

  public SortOrder sortOrder(Schema schema) {
    return sortOrder.apply(schema, SortOrder.builderFor(schema)).build();
  }

  /** Builder; columns are added to version 1 unless {@link #version} opens a later one. */
  public static final class Builder {
    private final String namespace;
    private final String name;
    private String doc = "";
    private String layoutRationale = "";
    private final List<SchemaVersion> versions = new ArrayList<>();
    private Function<Schema, PartitionSpec> partitionSpec = s -> PartitionSpec.unpartitioned();
    private BiFunction<Schema, SortOrder.Builder, SortOrder.Builder> sortOrder = (s, b) -> b;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private TableMaintenance maintenance = TableMaintenance.DEFAULTS;

    private Builder(String namespace, String name) {
      this.namespace = namespace;
      this.name = name;
      properties.put("format-version", "2");
      properties.put("write.parquet.compression-codec", "zstd");
      properties.put("write.metadata.delete-after-commit.enabled", "true");
      // every commit writes a metadata file holding the whole snapshot list: keep few of the old ones
      properties.put("write.metadata.previous-versions-max", "10");
    }

    public Builder doc(String doc) {
      this.doc = doc;
      return this;
    }

    public Builder layoutRationale(String why) {
      this.layoutRationale = why;
      return this;
    }

    public Builder version(int number, String description, Column... columns) {
      versions.add(new SchemaVersion(number, description, List.of(columns)));
      return this;
    }

    public Builder partitionedBy(Function<Schema, PartitionSpec> spec) {
      this.partitionSpec = spec;
      return this;
    }

    public Builder sortedBy(String... columns) {
      this.sortOrder =
          (schema, b) -> {
            for (String c : columns) {
              b = b.asc(c, NullOrder.NULLS_LAST);
            }
            return b;
          };
      return this;
    }

    public Builder maintenance(TableMaintenance m) {
      this.maintenance = m;
      return this;
    }

    public Builder property(String key, String value) {
      properties.put(key, value);
      return this;
    }

    public TableDefinition build() {
      return new TableDefinition(this);
    }
  }
}
