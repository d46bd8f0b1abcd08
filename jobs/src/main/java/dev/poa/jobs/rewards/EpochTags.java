package dev.poa.jobs.rewards;

import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.spark.sql.Row;

/**
 * The Iceberg tags that keep a finalised epoch re-derivable: {@code epoch-<E>} on every table the
 * epoch's rewards read, on the snapshot they read ({@code input_snapshots} of its manifest row).
 * Snapshot expiry never removes a tagged snapshot, so {@code poa audit} can always time-travel to
 * it. The tags have no maximum age: they are kept for as long as the epoch may be audited. An
 * operator who decides otherwise drops them by hand ({@code ALTER TABLE t DROP TAG `epoch-E`}),
 * after which that epoch's audit reports {@code snapshot_expired} once its snapshots are expired.
 */
public final class EpochTags {
  private EpochTags() {}

  public static String name(String epoch) {
    return "epoch-" + epoch;
  }

  /** Where a snapshot an epoch read stands with respect to the epoch's tag on its table. */
  public enum Protection {
    /** the tag points at it: expiry keeps it, and reads go through the tag */
    TAGGED,
    /** the tag points at another snapshot */
    TAG_MOVED,
    /** no tag, the snapshot is still there (finalised before tags existed): it can be tagged */
    UNTAGGED,
    /** no tag, and the snapshot was expired: the epoch can no longer be re-derived */
    EXPIRED
  }

  public static Protection protection(Table t, String epoch, long snapshotId) {
    SnapshotRef ref = t.refs().get(name(epoch));
    if (ref != null) {
      return ref.snapshotId() == snapshotId ? Protection.TAGGED : Protection.TAG_MOVED;
    }
    return t.snapshot(snapshotId) == null ? Protection.EXPIRED : Protection.UNTAGGED;
  }

  /** What {@link #ensure} found for the finalised epochs: tags created, already right, moved, or impossible. */
  public record Repair(int epochs, int created, int present, List<String> moved, List<String> expired) {
    public String describe() {
      return String.format("epoch tags: %d finalised epoch(s), %d tag(s) created, %d already in place%s%s", epochs, created,
          present, moved.isEmpty() ? "" : "; moved (left as they are, 'poa audit' reports them): " + moved,
          expired.isEmpty() ? "" : "; snapshot gone, cannot be tagged: " + expired);
    }
  }

  /**
   * Tags, on each table, the snapshot an epoch read (tables that were empty then, id -1, have
   * nothing to protect). A tag of that name on another snapshot is moved: the epoch's manifest
   * row, which this run writes, is what the tag must follow.
   */
  public static int tag(Lakehouse lh, String epoch, Map<String, Long> snapshots) {
    int changed = 0;
    for (Map.Entry<String, Long> e : new TreeMap<>(snapshots).entrySet()) {
      if (e.getValue() < 0) {
        continue;
      }
      Table t = lh.table(definition(e.getKey()));
      t.refresh();
      SnapshotRef ref = t.refs().get(name(epoch));
      if (ref != null && ref.snapshotId() == e.getValue()) {
        continue;
      }
      if (ref == null) {
        t.manageSnapshots().createTag(name(epoch), e.getValue()).commit();
      } else {
        t.manageSnapshots().replaceTag(name(epoch), e.getValue()).commit();
      }
      changed++;
    }
    return changed;
  }

  /**
   * Creates the missing tags of every finalised epoch from its manifest row's
   * {@code input_snapshots} (lakehouses finalised before tags existed, or a run stopped between
   * its manifest row and its tags). Never moves a tag.
   */
  public static Repair ensure(Lakehouse lh) {
    if (!lh.exists(Tables.MANIFESTS)) {
      return new Repair(0, 0, 0, List.of(), List.of());
    }
    return ensure(lh, lh.spark().table(lh.sparkName(Tables.MANIFESTS)).orderBy("epoch").collectAsList());
  }

  /** {@link #ensure(Lakehouse)} for the given rows of {@code rewards.epoch_manifests} only. */
  public static Repair ensure(Lakehouse lh, List<Row> manifests) {
    int created = 0;
    int present = 0;
    List<String> moved = new ArrayList<>();
    List<String> expired = new ArrayList<>();
    Map<String, Table> tables = new java.util.HashMap<>();
    for (Row m : manifests) {
      String epoch = m.getAs("epoch");
      for (Map.Entry<String, Long> e : Audit.CollectionConvertersHelper.toJava(m.getAs("input_snapshots")).entrySet()) {
        if (e.getValue() < 0) {
          continue;
        }
        Table t = tables.computeIfAbsent(e.getKey(), k -> lh.table(definition(k)));
        String where = e.getKey() + "@" + name(epoch);
        switch (protection(t, epoch, e.getValue())) {
          case TAGGED -> present++;
          case TAG_MOVED -> moved.add(where);
          case EXPIRED -> expired.add(where);
          case UNTAGGED -> {
            t.manageSnapshots().createTag(name(epoch), e.getValue()).commit();
            created++;
          }
        }
      }
    }
    return new Repair(manifests.size(), created, present, List.copyOf(moved), List.copyOf(expired));
  }

  static TableDefinition definition(String qualifiedName) {
    return Tables.ALL.stream().filter(d -> d.qualifiedName().equals(qualifiedName)).findFirst()
        .orElseThrow(() -> new IllegalStateException("input_snapshots names an unknown table: " + qualifiedName));
  }
}
