package dev.poa.schemas;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/** Short names for Iceberg types used in table definitions. Nested ids are placeholders. */
final class T {
  private static final AtomicInteger PLACEHOLDER_IDS = new AtomicInteger(100_000);

  private T() {}

  static final Type STRING = Types.StringType.get();
  static final Type LONG = Types.LongType.get();
  static final Type INT = Types.IntegerType.get();
  static final Type BOOLEAN = Types.BooleanType.get();
  static final Type DOUBLE = Types.DoubleType.get();
  static final Type BINARY = Types.BinaryType.get();
  static final Type TIMESTAMPTZ = Types.TimestampType.withZone();
  static final Type FLOAT = Types.FloatType.get();
  /** Token amounts in the smallest unit (wei): integers up to 38 digits, never floating point. */
  static final Type WEI = Types.DecimalType.of(38, 0);

  static Type stringMap() {
    return Types.MapType.ofOptional(next(), next(), STRING, STRING);
  }

  static Type longMap() {
    return Types.MapType.ofOptional(next(), next(), STRING, LONG);
  }

  static Type list(Type element) {
    return Types.ListType.ofOptional(next(), element);
  }

  private static int next() {
    return PLACEHOLDER_IDS.incrementAndGet();
  }
}
