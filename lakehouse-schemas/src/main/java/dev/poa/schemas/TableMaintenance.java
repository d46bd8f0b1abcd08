package dev.poa.schemas;

/**
 * How {@code poa maintain} treats one table: whether it compacts the table's data files and to
 * what size, and whether it expires its snapshots. One place for the defaults ({@link #DEFAULTS});
 * a table that needs other values says so in its definition ({@link Tables}).
 *
 * <p>Compaction rewrites the files of a partition once it has at least {@code minInputFiles}
 * files smaller than 75% of {@code targetFileSizeBytes} (Iceberg's bin-pack selection), sorting
 * them by the table's sort order when it has one. The target is far below Iceberg's 512 MB
 * default: poa's tables hold days of rows per partition, and a file of a few tens of MB is what
 * a read of one epoch wants.
 *
 * @param compact whether the data files are rewritten at all
 * @param targetFileSizeBytes size of the files compaction writes
 * @param minInputFiles how many small files of one partition make compaction worthwhile
 * @param expireSnapshots whether old snapshots are expired (a table that manages its own history,
 *     like the lease, says no)
 */
public record TableMaintenance(boolean compact, long targetFileSizeBytes, int minInputFiles, boolean expireSnapshots) {
  public static final TableMaintenance DEFAULTS = new TableMaintenance(true, 64L << 20, 2, true);

  public TableMaintenance {
    if (targetFileSizeBytes < 1 << 20) {
      throw new IllegalArgumentException("target file size must be at least 1 MB");
    }
    if (minInputFiles < 2) {
      throw new IllegalArgumentException("compaction needs at least 2 input files");
    }
  }

  public TableMaintenance withTargetFileSize(long bytes) {
    return new TableMaintenance(compact, bytes, minInputFiles, expireSnapshots);
  }

  /** Neither compacted nor expired by {@code poa maintain}; only its orphan files are removed. */
  public static TableMaintenance selfManaged() {
    return new TableMaintenance(false, DEFAULTS.targetFileSizeBytes, DEFAULTS.minInputFiles, false);
  }
}
