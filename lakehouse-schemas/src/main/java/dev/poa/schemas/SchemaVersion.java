package dev.poa.schemas;

import java.util.List;
import java.util.Objects;

/**
 * One version of a table's schema. Version 1 holds the initial columns; every later version lists
 * the columns it adds. Additions are metadata-only in Iceberg: existing data files are not
 * rewritten and old rows read the new column as null.
 */
public record SchemaVersion(int number, String description, List<Column> addedColumns) {
  public SchemaVersion {
    if (number < 1) {
      throw new IllegalArgumentException("Schema versions start at 1, got " + number);
    }
    Objects.requireNonNull(description, "description");
    addedColumns = List.copyOf(addedColumns);
    for (Column c : addedColumns) {
      if (number > 1 && c.required()) {
        throw new IllegalArgumentException(
            "Column " + c.name() + " added in version " + number
                + " must be optional: rows written before it have no value");
      }
    }
  }
}
