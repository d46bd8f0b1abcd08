package dev.poa.schemas;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.types.Types;

/**
 * The table reference (docs/reference/tables.md), written from the table definitions themselves:
 * every table with its purpose, columns (type, required, the schema version that added it, meaning),
 * partitioning, sort order, properties and maintenance. Deterministic, so a test can tell a stale
 * copy from a fresh one.
 */
public final class TableReference {
  private TableReference() {}

  public static String markdown(List<TableDefinition> tables) {
    List<TableDefinition> sorted = tables.stream().sorted(Comparator.comparing(TableDefinition::qualifiedName)).toList();
    StringBuilder md = new StringBuilder();
    md.append("# Table reference\n\n")
        .append("<!-- Generated from lakehouse-schemas (Tables.java) by `./poa docs`; do not edit by hand. -->\n\n")
        .append("Every table of the lakehouse, as `poa migrate` creates and evolves it. Wei amounts are")
        .append(" `decimal(38,0)`. `v` is the schema version that added a column (`poa tables` shows each")
        .append(" table's version).\n\n");
    for (String namespace : sorted.stream().map(TableDefinition::namespace).distinct().toList()) {
      md.append("- `").append(namespace).append("`: ");
      md.append(sorted.stream().filter(t -> t.namespace().equals(namespace))
          .map(t -> "[" + t.name() + "](#" + anchor(t.qualifiedName()) + ")").collect(Collectors.joining(", ")));
      md.append('\n');
    }
    for (TableDefinition t : sorted) {
      Schema schema = t.currentSchema();
      md.append("\n## ").append(t.qualifiedName()).append("\n\n").append(t.doc()).append("\n\n");
      md.append("| column | type | required | v | meaning |\n|---|---|---|---|---|\n");
      for (SchemaVersion v : t.versions()) {
        for (Column c : v.addedColumns()) {
          Types.NestedField f = schema.findField(c.name());
          md.append("| `").append(c.name()).append("` | `").append(f.type()).append("` | ")
              .append(c.required() ? "yes" : "no").append(" | ").append(v.number()).append(" | ")
              .append(cell(c.doc())).append(" |\n");
        }
      }
      md.append("\n- Partitioned by: ").append(partitioning(t.partitionSpec(schema))).append('\n');
      md.append("- Sorted by: ").append(sortOrder(t.sortOrder(schema), schema)).append('\n');
      Map<String, String> props = t.properties();
      if (!props.isEmpty()) {
        md.append("- Properties: ").append(props.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .map(e -> "`" + e.getKey() + "=" + e.getValue() + "`").collect(Collectors.joining(", "))).append('\n');
      }
      md.append("- Maintenance: ").append(maintenance(t.maintenance())).append('\n');
      md.append("- Versions: ").append(t.versions().stream().map(v -> v.number() + " " + v.description())
          .collect(Collectors.joining("; "))).append('\n');
      md.append("- Why this layout: ").append(t.layoutRationale()).append('\n');
    }
    return md.toString();
  }

  private static String partitioning(PartitionSpec spec) {
    if (spec.isUnpartitioned()) {
      return "nothing (unpartitioned)";
    }
    return spec.fields().stream().map(f -> transform(f, spec.schema())).collect(Collectors.joining(", "));
  }

  private static String transform(PartitionField f, Schema schema) {
    String column = schema.findColumnName(f.sourceId());
    String t = f.transform().toString();
    // Iceberg's SQL spelling: bucket(16, c), truncate(10, c), day(c)
    java.util.regex.Matcher width = java.util.regex.Pattern.compile("(\\w+)\\[(\\d+)]").matcher(t);
    String sql = t.equals("identity") ? column
        : width.matches() ? width.group(1) + "(" + width.group(2) + ", " + column + ")" : t + "(" + column + ")";
    return "`" + sql + "`";
  }

  private static String sortOrder(SortOrder order, Schema schema) {
    if (order.isUnsorted()) {
      return "nothing";
    }
    return order.fields().stream().map(f -> "`" + schema.findColumnName(f.sourceId()) + "`")
        .collect(Collectors.joining(", "));
  }

  private static String maintenance(TableMaintenance m) {
    if (!m.compact() && !m.expireSnapshots()) {
      return "neither compacted nor expired by `poa maintain` (only its orphan files are removed)";
    }
    return (m.compact() ? "compacted to " + (m.targetFileSizeBytes() >> 20) + " MiB files (at least "
        + m.minInputFiles() + " small files)" : "not compacted")
        + (m.expireSnapshots() ? ", old snapshots expired (never an epoch tag)" : ", snapshots kept");
  }

  private static String cell(String text) {
    return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
  }

  /** GitHub's heading anchor for a table name ("datanet.submissions" → "datanetsubmissions"). */
  static String anchor(String heading) {
    return heading.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_ -]", "").replace(' ', '-');
  }
}
