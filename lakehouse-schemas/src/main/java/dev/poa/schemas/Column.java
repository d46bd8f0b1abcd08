package dev.poa.schemas;

import org.apache.iceberg.types.Type;

/**
 * One column of a table definition. Nested field ids inside {@code type} are placeholders: the
 * catalog assigns fresh ids when the table is created or the column added.
 */
public record Column(String name, Type type, boolean required, String doc) {
  public static Column required(String name, Type type, String doc) {
    return new Column(name, type, true, doc);
  }

  public static Column optional(String name, Type type, String doc) {
    return new Column(name, type, false, doc);
  }
}
