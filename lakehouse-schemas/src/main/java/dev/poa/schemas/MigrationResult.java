package dev.poa.schemas;

import java.util.List;

/** What {@code poa migrate} did to each table. */
public record MigrationResult(List<Step> steps) {
  public MigrationResult {
    steps = List.copyOf(steps);
  }

  /** fromVersion 0 means the table was created. */
  public record Step(String table, int fromVersion, int toVersion) {
    public boolean changed() {
      return fromVersion != toVersion;
    }

    public String describe() {
      if (fromVersion == 0) {
        return table + ": created at schema version " + toVersion;
      }
      if (fromVersion == toVersion) {
        return table + ": up to date (schema version " + toVersion + ")";
      }
      return table + ": migrated from schema version " + fromVersion + " to " + toVersion;
    }
  }

  public long changedCount() {
    return steps.stream().filter(Step::changed).count();
  }
}
