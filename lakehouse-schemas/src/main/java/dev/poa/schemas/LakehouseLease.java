package dev.poa.schemas;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;

/**
 * One writer per lakehouse: a lease held in the Iceberg table {@code ops.lakehouse_lease}, so it
 * works wherever the catalog is shared (processes on different machines of a cluster, any catalog
 * that commits atomically: JDBC, REST, ...), not only on one host.
 *
 * <p>Algorithm. The state (holder, command, host, pid, acquired, renewed, expires, released) is
 * the table's one row and is also written into each snapshot's summary, so reading it costs a
 * metadata refresh. A writer reads the current snapshot; if the lease is free (never taken,
 * released, or expired by the reader's clock) it commits a new state with an overwrite that
 * validates that no data was committed since the snapshot it read ({@code validateFromSnapshot} +
 * {@code validateNoConflictingData}): of two writers that read the same free state, exactly one
 * commit succeeds, on any catalog, because each commit adds a data file that the other's
 * validation sees. The holder renews every third of the time-to-live with the same validated
 * commit from its own last snapshot; a renewal that fails validation means another writer took the
 * lease (this one was paused past its expiry), and {@link #assertHeld} then refuses further
 * commits. Release commits {@code released = true}. A killed holder's lease expires after the
 * time-to-live. Clocks of the machines must agree to well within the time-to-live (NTP).
 *
 * <p>Within one process the lease is re-entrant per thread: a job run by a command that holds it
 * (the demo, a stage calling another) joins the acquisition; another thread waits like another
 * process. After acquiring, every table of the lakehouse is refreshed, so the holder reads what
 * earlier holders committed even through a catalog cache.
 */
public final class LakehouseLease implements AutoCloseable {
  /** How long a writer waits for the lease, and how long a lease lives without renewal. */
  public record Settings(Duration waitFor, Duration ttl) {
    public Settings {
      Objects.requireNonNull(waitFor, "waitFor");
      Objects.requireNonNull(ttl, "ttl");
      if (waitFor.isNegative()) {
        throw new BadInputException("poa.lease.wait must not be negative");
      }
      if (ttl.compareTo(Duration.ofSeconds(3)) < 0) {
        throw new BadInputException("poa.lease.ttl must be at least 3s (it is renewed every third of it)");
      }
    }

    public static Settings defaults() {
      return new Settings(Duration.ofMinutes(5), Duration.ofSeconds(60));
    }
  }

  /** One recorded state of the lease. */
  public record State(String holder, String command, String host, long pid, Instant acquiredAt, Instant renewedAt,
      Instant expiresAt, boolean released) {
    boolean freeAt(Instant now) {
      return released || !expiresAt.isAfter(now);
    }

    /** Who holds it since when, for a person. */
    public String describe() {
      return "'poa " + command + "' (host " + host + ", pid " + pid + ") since " + acquiredAt + ", last renewed "
          + renewedAt + ", expiring " + expiresAt + " unless renewed";
    }

    Map<String, String> summary() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put(PREFIX + "holder", holder);
      m.put(PREFIX + "command", command);
      m.put(PREFIX + "host", host);
      m.put(PREFIX + "pid", Long.toString(pid));
      m.put(PREFIX + "acquired-at", acquiredAt.toString());
      m.put(PREFIX + "renewed-at", renewedAt.toString());
      m.put(PREFIX + "expires-at", expiresAt.toString());
      m.put(PREFIX + "released", Boolean.toString(released));
      return m;
    }

    static State of(Snapshot s) {
      if (s == null || s.summary().get(PREFIX + "holder") == null) {
        return null;
      }
      Map<String, String> m = s.summary();
      return new State(m.get(PREFIX + "holder"), m.get(PREFIX + "command"), m.get(PREFIX + "host"),
          Long.parseLong(m.get(PREFIX + "pid")), Instant.parse(m.get(PREFIX + "acquired-at")),
          Instant.parse(m.get(PREFIX + "renewed-at")), Instant.parse(m.get(PREFIX + "expires-at")),
          Boolean.parseBoolean(m.get(PREFIX + "released")));
    }
  }

  /** The lease was taken over by another writer (this one was not renewed in time): nothing more may be committed. */
  public static final class LostException extends IllegalStateException {
    LostException(String m) {
      super(m);
    }
  }

  static final String PREFIX = "poa.lease.";
  /**
   * This JVM's id, the prefix of its holder ids: a lease recorded with it that this process no
   * longer holds (its release failed, e.g. the catalog was unreachable) is taken back at once
   * instead of waiting for it to expire.
   */
  private static final String PROCESS = UUID.randomUUID().toString();
  /** Consecutive unexpected commit errors tolerated while acquiring (a busy catalog), before giving up. */
  private static final int MAX_ERRORS = 5;
  private static final Map<String, LakehouseLease> HELD = new ConcurrentHashMap<>();
  private static final Object COMMITS = new Object();

  private final Lakehouse lh;
  private final String key;
  private final Thread owner;
  private final Duration ttl;
  private ScheduledExecutorService renewer;
  private State state;
  private long snapshotId;
  private int depth = 1;
  private volatile boolean lost;
  private volatile String lostBecause;

  private LakehouseLease(Lakehouse lh, String key, State state, long snapshotId, Duration ttl) {
    this.lh = lh;
    this.key = key;
    this.owner = Thread.currentThread();
    this.state = state;
    this.snapshotId = snapshotId;
    this.ttl = ttl;
  }

  /**
   * Takes the lakehouse's lease for {@code command}, waiting up to the lakehouse's
   * {@link Settings#waitFor}; {@code progress} hears once that it waits, and for whom.
   *
   * @throws NotReadyException when another writer still holds it after the wait
   */
  public static LakehouseLease acquire(Lakehouse lh, String command, Consumer<String> progress) {
    lh.migrate(Tables.LAKEHOUSE_LEASE);
    Table table = leaseTable(lh);
    String key = table.location();
    LakehouseLease mine = HELD.get(key);
    if (mine != null && mine.owner == Thread.currentThread() && !mine.lost) {
      mine.depth++;
      return mine;
    }
    Settings settings = lh.leaseSettings();
    Instant deadline = Instant.now().plus(settings.waitFor());
    String holder = PROCESS + "/" + UUID.randomUUID();
    boolean announced = false;
    int errors = 0;
    RuntimeException lastError = null;
    State seen = null;
    while (true) {
      table.refresh();
      Snapshot current = table.currentSnapshot();
      seen = State.of(current);
      Instant now = Instant.now();
      if (seen == null || seen.freeAt(now) || leftByThisProcess(seen, key)) {
        State next = new State(holder, command, host(), ProcessHandle.current().pid(), now, now, now.plus(settings.ttl()),
            false);
        try {
          long id = commit(table, current, next);
          LakehouseLease lease = new LakehouseLease(lh, key, next, id, settings.ttl());
          HELD.put(key, lease);
          lease.startRenewals();
          lh.refreshTables();
          return lease;
        } catch (ValidationException | CommitFailedException raced) {
          errors = 0; // another writer committed first: look again
        } catch (CommitStateUnknownException unknown) {
          table.refresh();
          State after = State.of(table.currentSnapshot());
          if (after != null && holder.equals(after.holder())) {
            LakehouseLease lease = new LakehouseLease(lh, key, after, table.currentSnapshot().snapshotId(), settings.ttl());
            HELD.put(key, lease);
            lease.startRenewals();
            lh.refreshTables();
            return lease;
          }
        } catch (RuntimeException e) {
          // e.g. a catalog database busy with another process's commit; give up only if it persists
          lastError = e;
          if (++errors >= MAX_ERRORS) {
            throw new IllegalStateException("Cannot take the lakehouse lease: the catalog keeps failing ("
                + e.getMessage() + ")", e);
          }
        }
      } else if (!announced) {
        progress.accept("waiting up to " + Durations.format(settings.waitFor()) + " for the lakehouse, in use by "
            + seen.describe());
        announced = true;
      }
      if (!Instant.now().isBefore(deadline)) {
        if (seen != null && !seen.freeAt(Instant.now())) {
          throw new NotReadyException("The lakehouse is in use by " + seen.describe() + "; waited "
              + Durations.format(settings.waitFor()) + ": nothing was written; rerun when it has finished, or wait longer"
              + " with --wait-lock (a lease left by a killed process expires at " + seen.expiresAt() + ")");
        }
        throw new NotReadyException("Could not take the lakehouse lease within " + Durations.format(settings.waitFor())
            + (lastError == null ? " (other writers kept taking it)" : ": " + lastError.getMessage())
            + ": nothing was written; rerun later");
      }
      long pause = Math.min(1000, Math.max(50, settings.ttl().toMillis() / 20));
      sleep(pause + ThreadLocalRandom.current().nextLong(pause / 2 + 1));
    }
  }

  /** A state recorded by this JVM for an acquisition it no longer holds. */
  private static boolean leftByThisProcess(State s, String key) {
    return s.holder().startsWith(PROCESS + "/") && !HELD.containsKey(key);
  }

  /** The current state of a lakehouse's lease, or null when it was never taken. */
  public static State current(Lakehouse lh) {
    if (!lh.exists(Tables.LAKEHOUSE_LEASE)) {
      return null;
    }
    Table t = leaseTable(lh);
    return State.of(t.currentSnapshot());
  }

  public State state() {
    return state;
  }

  /**
   * Throws unless the lease is still this writer's: call before each commit that must not race
   * another writer.
   */
  public void assertHeld() {
    if (!lost && !Instant.now().isBefore(state.expiresAt())) {
      lost = true;
      lostBecause = "not renewed before it expired at " + state.expiresAt();
    }
    if (lost) {
      throw new LostException("The lakehouse lease of 'poa " + state.command() + "' was lost (" + lostBecause
          + "): another writer may hold it now, so nothing more is committed; rerun the command");
    }
  }

  @Override
  public synchronized void close() {
    if (--depth > 0) {
      return;
    }
    HELD.remove(key, this);
    if (renewer != null) {
      renewer.shutdownNow();
    }
    if (lost) {
      return;
    }
    try {
      Table t = leaseTable(lh);
      Snapshot current = t.currentSnapshot();
      if (current != null && current.snapshotId() == snapshotId) {
        Instant now = Instant.now();
        commit(t, current, new State(state.holder(), state.command(), state.host(), state.pid(), state.acquiredAt(), now,
            now, true));
        expireOldStates(t);
      }
    } catch (RuntimeException e) {
      // not released: it expires by itself at state.expiresAt()
    }
  }

  private void startRenewals() {
    long every = Math.max(1000, ttl.toMillis() / 3);
    renewer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread th = new Thread(r, "poa-lease-renewal");
      th.setDaemon(true);
      return th;
    });
    renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
  }

  private synchronized void renew() {
    if (lost || depth <= 0) {
      return;
    }
    Instant now = Instant.now();
    try {
      Table t = leaseTable(lh);
      Snapshot current = t.currentSnapshot();
      if (current == null || current.snapshotId() != snapshotId) {
        lost = true;
        lostBecause = "another writer committed to the lease after " + state.expiresAt();
        return;
      }
      State next = new State(state.holder(), state.command(), state.host(), state.pid(), state.acquiredAt(), now,
          now.plus(ttl), false);
      snapshotId = commit(t, current, next);
      state = next;
    } catch (ValidationException | CommitFailedException e) {
      lost = true;
      lostBecause = "another writer took it";
    } catch (RuntimeException e) {
      if (!now.isBefore(state.expiresAt())) {
        lost = true;
        lostBecause = "not renewed before it expired at " + state.expiresAt() + ": " + e.getMessage();
      }
      // else: the catalog may be back for the next renewal
    }
  }

  private static Table leaseTable(Lakehouse lh) {
    Table t = lh.table(Tables.LAKEHOUSE_LEASE);
    t.refresh();
    return t;
  }

  /**
   * Commits {@code state} as the lease's one row, only if nothing was committed since {@code base}
   * (validated by Iceberg against the table's history); returns the new snapshot id.
   */
  private static long commit(Table t, Snapshot base, State state) {
    // threads of one process share the catalog's table object: their commits go one at a time
    synchronized (COMMITS) {
      return commitOnce(t, base, state);
    }
  }

  private static long commitOnce(Table t, Snapshot base, State state) {
    Record row = GenericRecord.create(t.schema());
    row.setField("holder", state.holder());
    row.setField("command", state.command());
    row.setField("host", state.host());
    row.setField("pid", state.pid());
    row.setField("acquired_at", utc(state.acquiredAt()));
    row.setField("renewed_at", utc(state.renewedAt()));
    row.setField("expires_at", utc(state.expiresAt()));
    row.setField("released", state.released());
    String path = t.locationProvider().newDataLocation("lease-" + UUID.randomUUID() + ".parquet");
    OutputFile out = t.io().newOutputFile(path);
    FileAppender<Record> appender = new GenericAppenderFactory(t.schema()).newAppender(out, FileFormat.PARQUET);
    try {
      try (appender) {
        appender.add(row);
      }
      DataFile file = DataFiles.builder(t.spec()).withPath(path).withFormat(FileFormat.PARQUET)
          .withFileSizeInBytes(appender.length()).withMetrics(appender.metrics()).build();
      OverwriteFiles op = t.newOverwrite().overwriteByRowFilter(Expressions.alwaysTrue()).addFile(file)
          .validateNoConflictingData().validateNoConflictingDeletes();
      if (base != null) {
        op.validateFromSnapshot(base.snapshotId());
      }
      state.summary().forEach(op::set);
      op.commit();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (ValidationException | CommitFailedException e) {
      try {
        t.io().deleteFile(path);
      } catch (RuntimeException ignored) {
        // an orphan of a few hundred bytes; maintenance removes it
      }
      throw e;
    }
    return t.currentSnapshot().snapshotId();
  }

  /** Each commit leaves a snapshot and a small file: keep the lease table's history short. */
  private static void expireOldStates(Table t) {
    int n = 0;
    for (Snapshot ignored : t.snapshots()) {
      n++;
    }
    if (n > 50) {
      t.expireSnapshots().expireOlderThan(System.currentTimeMillis() - Duration.ofHours(1).toMillis()).retainLast(10)
          .commit();
    }
  }

  private static OffsetDateTime utc(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }

  private static String host() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the lakehouse lease", e);
    }
  }
}
