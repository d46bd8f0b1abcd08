package dev.poa.jobs.ops;

import dev.poa.jobs.Progress;
import dev.poa.jobs.rewards.EpochTags;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Durations;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.TableMaintenance;
import dev.poa.schemas.Tables;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.actions.DeleteOrphanFiles;
import org.apache.iceberg.actions.ExpireSnapshots;
import org.apache.iceberg.actions.RewriteDataFiles;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * {@code poa maintain}: per table, compaction of small data files ({@link
 * SparkActions#rewriteDataFiles}, sorted by the table's sort order, else bin-packed, to the
 * table's {@link TableMaintenance} target), manifest rewrite, snapshot expiry older than a
 * retention (at least the last N kept; tagged snapshots, such as the epoch tags that keep finalised
 * epochs auditable, are never expired) and removal of orphan files older than a safe age.
 *
 * <p>It holds the lakehouse lease for the whole run, so it never races an ingest or a rewards run,
 * and first creates any missing epoch tag ({@link EpochTags#ensure}), so expiry can never take a
 * snapshot an audit needs. Each table is maintained on its own: a failure is recorded and the
 * other tables go on. A dry run takes no lease and changes nothing: it reports what would be
 * compacted, expired and removed.
 */
public final class MaintainJob {
  /** Below this age a file may belong to a commit still being written: never removed as an orphan. */
  public static final Duration MIN_ORPHAN_AGE = Duration.ofHours(1);
  public static final Duration DEFAULT_RETAIN = Duration.ofDays(7);
  public static final int DEFAULT_RETAIN_LAST = 5;
  public static final Duration DEFAULT_ORPHAN_AGE = Duration.ofDays(3);

  /**
   * @param tables the tables to maintain (default: every table of {@link Tables#ALL})
   * @param retain snapshots older than this are expired
   * @param retainLast but at least this many of each table's latest snapshots are kept
   * @param orphansOlderThan only files older than this are removed as orphans (at least {@link #MIN_ORPHAN_AGE})
   * @param dryRun report what would be done; change nothing
   */
  public record Config(List<TableDefinition> tables, Duration retain, int retainLast, Duration orphansOlderThan,
      boolean dryRun) {
    public Config {
      tables = List.copyOf(tables);
      if (retain.isNegative()) {
        throw new BadInputException("the retention cannot be negative");
      }
      if (retainLast < 1) {
        throw new BadInputException("--retain-last must be at least 1 (the current snapshot)");
      }
      if (orphansOlderThan.compareTo(MIN_ORPHAN_AGE) < 0) {
        throw new BadInputException("--orphans-older-than " + Durations.format(orphansOlderThan) + " is below "
            + Durations.format(MIN_ORPHAN_AGE) + ": a younger file may belong to a commit still being written, so"
            + " removing it could corrupt a table");
      }
    }

    public static Config defaults() {
      return new Config(Tables.ALL, DEFAULT_RETAIN, DEFAULT_RETAIN_LAST, DEFAULT_ORPHAN_AGE, false);
    }

    public Config withTables(List<TableDefinition> t) {
      return new Config(t, retain, retainLast, orphansOlderThan, dryRun);
    }

    public Config withRetain(Duration d, int last) {
      return new Config(tables, d, last, orphansOlderThan, dryRun);
    }

    public Config withOrphansOlderThan(Duration d) {
      return new Config(tables, retain, retainLast, d, dryRun);
    }

    public Config withDryRun(boolean d) {
      return new Config(tables, retain, retainLast, orphansOlderThan, d);
    }
  }

  /** A table's state as maintenance counts it. */
  public record Counts(long dataFiles, long dataBytes, long deleteFiles, long manifests, long snapshots, long metadataBytes) {}

  /** What maintenance did (or, in a dry run, would do) to one table. */
  public record TableReport(String table, String status, Counts before, Counts after, long filesRewritten,
      long filesWritten, long snapshotsExpired, long snapshotsProtected, long orphansRemoved, String detail) {
    public String describe() {
      if (!"done".equals(status) && !"dry_run".equals(status)) {
        return String.format("%-34s %s: %s", table, status, detail);
      }
      return String.format("%-34s data files %d -> %d (%s -> %s), manifests %d -> %d, snapshots %d -> %d (%d expired,"
          + " %d kept by epoch tags), orphans removed %d, metadata %s -> %s%s", table, before.dataFiles(),
          after.dataFiles(), bytes(before.dataBytes()), bytes(after.dataBytes()), before.manifests(), after.manifests(),
          before.snapshots(), after.snapshots(), snapshotsExpired, snapshotsProtected, orphansRemoved,
          bytes(before.metadataBytes()), bytes(after.metadataBytes()), detail == null ? "" : " (" + detail + ")");
    }
  }

  /** 1536 → "1.5 KiB": sizes for a person reading the report (the table keeps exact bytes). */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    int unit = (63 - Long.numberOfLeadingZeros(n)) / 10;
    return String.format("%.1f %siB", n / (double) (1L << (10 * unit)), "KMGTPE".charAt(unit - 1));
  }

  public record Result(String runId, boolean dryRun, List<TableReport> tables, EpochTags.Repair tags) {
    public long failed() {
      return tables.stream().filter(t -> "failed".equals(t.status())).count();
    }
  }

  private final Lakehouse lh;
  private final SparkSession spark;
  private final Progress progress;

  public MaintainJob(Lakehouse lh, Progress progress) {
    this.lh = lh;
    this.spark = lh.spark();
    this.progress = progress;
  }

  public Result run(Config config) {
    String runId = UUID.randomUUID().toString();
    if (config.dryRun()) {
      List<TableReport> reports = new ArrayList<>();
      for (TableDefinition d : config.tables()) {
        if (lh.exists(d)) {
          reports.add(dryRun(d, config));
          progress.step(reports.get(reports.size() - 1).describe());
        }
      }
      return new Result(runId, true, reports, null);
    }
    try (LakehouseLease lease = lh.lease("maintain", progress::step)) {
      lh.migrate();
      lease.assertHeld();
      EpochTags.Repair tags = EpochTags.ensure(lh);
      progress.step(tags.describe());
      if (!tags.expired().isEmpty() || !tags.moved().isEmpty()) {
        progress.step("warning: some finalised epochs' snapshots are not protected by their tag; 'poa audit' reports them");
      }
      List<TableReport> reports = new ArrayList<>();
      List<Row> rows = new ArrayList<>();
      for (TableDefinition d : config.tables()) {
        Instant started = Instant.now();
        TableReport r;
        try {
          r = maintain(d, config, lease);
        } catch (LakehouseLease.LostException lost) {
          throw lost;
        } catch (RuntimeException e) {
          r = new TableReport(d.qualifiedName(), "failed", null, null, 0, 0, 0, 0, 0, message(e));
        }
        reports.add(r);
        progress.step(r.describe());
        rows.add(row(runId, r, config, started, Instant.now()));
      }
      lease.assertHeld();
      try {
        spark.createDataFrame(rows, spark.table(lh.sparkName(Tables.MAINTENANCE_RUNS)).schema())
            .writeTo(lh.sparkName(Tables.MAINTENANCE_RUNS)).option("snapshot-property.poa.maintenance-run", runId).append();
      } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
        throw new IllegalStateException(e);
      }
      return new Result(runId, false, reports, tags);
    }
  }

  private TableReport maintain(TableDefinition d, Config config, LakehouseLease lease) {
    Table table = lh.table(d);
    table.refresh();
    Counts before = counts(table);
    TableMaintenance m = d.maintenance();
    SparkActions actions = SparkActions.get(spark);
    long rewritten = 0;
    long written = 0;
    List<String> notes = new ArrayList<>();
    if (m.compact() && smallFilesToCompact(table, m) > 0) {
      lease.assertHeld();
      RewriteDataFiles rewrite = actions.rewriteDataFiles(table);
      rewrite = table.sortOrder().isSorted() ? rewrite.sort() : rewrite.binPack();
      RewriteDataFiles.Result r = rewrite.option(RewriteDataFiles.TARGET_FILE_SIZE_BYTES,
              Long.toString(m.targetFileSizeBytes()))
          .option("min-input-files", Integer.toString(m.minInputFiles()))
          .option(RewriteDataFiles.REWRITE_JOB_ORDER, "files-desc")
          .snapshotProperty("poa.maintenance", "compaction")
          .execute();
      rewritten = r.rewrittenDataFilesCount();
      written = r.addedDataFilesCount();
      table.refresh();
    }
    // one manifest per commit otherwise: e.g. an epoch partition overwritten each day leaves one per epoch
    if (m.compact() && table.currentSnapshot() != null && table.currentSnapshot().allManifests(table.io()).size() > 1) {
      lease.assertHeld();
      actions.rewriteManifests(table).execute();
      table.refresh();
    }
    long expired = 0;
    long protectedCount = protectedSnapshots(table, config);
    if (m.expireSnapshots() && !wouldExpire(table, config).isEmpty()) {
      long snapshots = count(table.snapshots());
      lease.assertHeld();
      ExpireSnapshots.Result r = actions.expireSnapshots(table).expireOlderThan(olderThan(config.retain()))
          .retainLast(config.retainLast()).execute();
      table.refresh();
      expired = snapshots - count(table.snapshots());
      if (r.deletedDataFilesCount() > 0) {
        notes.add(r.deletedDataFilesCount() + " data files deleted");
      }
    } else if (!m.expireSnapshots()) {
      notes.add("snapshots managed by the table itself");
    }
    long removed = 0;
    if (anyFileOlderThan(table, olderThan(config.orphansOlderThan()))) {
      lease.assertHeld();
      DeleteOrphanFiles.Result orphans = actions.deleteOrphanFiles(table)
          .olderThan(olderThan(config.orphansOlderThan())).execute();
      removed = count(orphans.orphanFileLocations());
      table.refresh();
    }
    return new TableReport(d.qualifiedName(), "done", before, counts(table), rewritten, written, expired, protectedCount,
        removed, notes.isEmpty() ? null : String.join("; ", notes));
  }

  /** What {@link #maintain} would do, from the table's metadata; nothing is committed or deleted. */
  private TableReport dryRun(TableDefinition d, Config config) {
    Table table = lh.table(d);
    table.refresh();
    Counts before = counts(table);
    TableMaintenance m = d.maintenance();
    long candidates = m.compact() ? smallFilesToCompact(table, m) : 0;
    long expired = m.expireSnapshots() ? wouldExpire(table, config).size() : 0;
    long orphans = !anyFileOlderThan(table, olderThan(config.orphansOlderThan())) ? 0
        : count(SparkActions.get(spark).deleteOrphanFiles(table).olderThan(olderThan(config.orphansOlderThan()))
            .deleteWith(path -> {}).execute().orphanFileLocations());
    Counts after = new Counts(before.dataFiles(), before.dataBytes(), before.deleteFiles(), before.manifests(),
        before.snapshots() - expired, before.metadataBytes());
    return new TableReport(d.qualifiedName(), "dry_run", before, after, candidates, 0, expired,
        protectedSnapshots(table, config), orphans, "dry run: " + candidates + " small data files would be compacted");
  }

  /**
   * Data files below 75% of the target in partitions that hold at least {@code minInputFiles} of
   * them: what bin-pack compaction selects (its default minimum file size ratio).
   */
  static long smallFilesToCompact(Table table, TableMaintenance m) {
    if (table.currentSnapshot() == null) {
      return 0;
    }
    long small = (long) (m.targetFileSizeBytes() * 0.75);
    Map<String, Integer> perPartition = new java.util.HashMap<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask t : tasks) {
        if (t.file().fileSizeInBytes() < small) {
          perPartition.merge(t.spec().specId() + "/" + t.file().partition(), 1, Integer::sum);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return perPartition.values().stream().filter(n -> n >= m.minInputFiles()).mapToLong(Integer::longValue).sum();
  }

  /** The snapshots expiry would remove, computed from the metadata without committing. */
  private static List<Snapshot> wouldExpire(Table table, Config config) {
    if (table.currentSnapshot() == null) {
      return List.of();
    }
    return table.expireSnapshots().expireOlderThan(olderThan(config.retain())).retainLast(config.retainLast()).apply();
  }

  /**
   * Whether any file under the table's location is older than the cutoff: if none is, none can
   * be an orphan old enough to remove, and the orphan scan (a Spark job over every manifest) is
   * skipped.
   */
  private boolean anyFileOlderThan(Table table, long cutoff) {
    return files(new Path(table.location())).stream().anyMatch(f -> f.getModificationTime() < cutoff);
  }

  /**
   * The files under {@code dir}, recursively, with their length and modification time; none when it does not
   * exist. Listed directory by directory, not with {@code FileSystem.listFiles}: its located statuses read each
   * file's permissions, which Hadoop's local file system (without its native library) does with an {@code ls}
   * process per file, and which fails for a file deleted after it was listed. A table committed to while it is
   * maintained (the lease table, by this run's own heartbeat) deletes old metadata files at any moment; a file or
   * directory gone by the time it is read is left out.
   */
  private List<FileStatus> files(Path dir) {
    try {
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      List<FileStatus> files = new ArrayList<>();
      java.util.ArrayDeque<Path> todo = new java.util.ArrayDeque<>(List.of(dir));
      while (!todo.isEmpty()) {
        FileStatus[] listed;
        try {
          listed = fs.listStatus(todo.pop());
        } catch (java.io.FileNotFoundException gone) {
          continue;
        }
        for (FileStatus f : listed) {
          if (f.isDirectory()) {
            todo.push(f.getPath());
          } else {
            files.add(f);
          }
        }
      }
      return files;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Snapshots older than the retention that only a tag (e.g. an epoch tag) keeps. */
  private static long protectedSnapshots(Table table, Config config) {
    long cutoff = olderThan(config.retain());
    Set<Long> tagged = new HashSet<>();
    for (SnapshotRef ref : table.refs().values()) {
      if (ref.isTag()) {
        tagged.add(ref.snapshotId());
      }
    }
    long current = table.currentSnapshot() == null ? -1 : table.currentSnapshot().snapshotId();
    long n = 0;
    for (Long id : tagged) {
      Snapshot s = table.snapshot(id);
      if (s != null && s.timestampMillis() < cutoff && id != current) {
        n++;
      }
    }
    return n;
  }

  /** The table's current data files, bytes and manifests, its snapshots, and its metadata directory's bytes. */
  public Counts counts(Table table) {
    Snapshot s = table.currentSnapshot();
    long files = 0;
    long bytes = 0;
    long deletes = 0;
    long manifests = 0;
    if (s != null) {
      Map<String, String> sum = s.summary();
      files = Long.parseLong(sum.getOrDefault("total-data-files", "0"));
      bytes = Long.parseLong(sum.getOrDefault("total-files-size", "0"));
      deletes = Long.parseLong(sum.getOrDefault("total-delete-files", "0"));
      manifests = s.allManifests(table.io()).size();
    }
    return new Counts(files, bytes, deletes, manifests, count(table.snapshots()), metadataBytes(table));
  }

  /** Bytes under the table's metadata directory: metadata JSON files, manifest lists, manifests. */
  private long metadataBytes(Table table) {
    return files(new Path(table.location() + "/metadata")).stream().mapToLong(FileStatus::getLen).sum();
  }

  private static long olderThan(Duration d) {
    return System.currentTimeMillis() - d.toMillis();
  }

  private static long count(Iterable<?> it) {
    long n = 0;
    for (Object ignored : it) {
      n++;
    }
    return n;
  }

  private static String message(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(e.toString());
    return e.getClass().getSimpleName() + ": " + m;
  }

  private static Row row(String runId, TableReport r, Config c, Instant started, Instant finished) {
    Counts b = r.before();
    Counts a = r.after();
    return RowFactory.create(runId, r.table(), r.status(), b == null ? null : b.dataFiles(), a == null ? null : a.dataFiles(),
        b == null ? null : b.dataBytes(), a == null ? null : a.dataBytes(), b == null ? null : b.deleteFiles(),
        a == null ? null : a.deleteFiles(), r.filesRewritten(), r.filesWritten(), b == null ? null : b.manifests(),
        a == null ? null : a.manifests(), b == null ? null : b.snapshots(), r.snapshotsExpired(),
        a == null ? null : a.snapshots(), r.snapshotsProtected(), r.orphansRemoved(), b == null ? null : b.metadataBytes(),
        a == null ? null : a.metadataBytes(), Durations.format(c.retain()), Durations.format(c.orphansOlderThan()),
        r.detail(), Timestamp.from(started), Timestamp.from(finished));
  }
}
