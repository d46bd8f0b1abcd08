package dev.poa.jobs;

import dev.poa.SharedSpark.TestLakehouse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.concurrent.Callable;
import org.apache.iceberg.events.CreateSnapshotEvent;
import org.apache.iceberg.events.Listeners;

/**
 * A real commit failure in the middle of a job: right after the job's next commit to one table,
 * another connection takes the SQLite catalog's write lock (as another process would), so the
 * job's following commit fails after it has written its data files. The lock is given back when
 * the job has failed.
 */
final class CatalogLock {
  private CatalogLock() {}

  private record Target(String table, String catalogDb) {}

  private static volatile Target target;
  private static volatile Connection held;

  static {
    Listeners.register((CreateSnapshotEvent e) -> {
      Target t = target;
      if (t != null && e.tableName().equals(t.table())) {
        target = null;
        try {
          held = DriverManager.getConnection("jdbc:sqlite:" + t.catalogDb());
          held.createStatement().execute("BEGIN IMMEDIATE");
        } catch (Exception ex) {
          throw new IllegalStateException(ex);
        }
      }
    }, CreateSnapshotEvent.class);
  }

  /**
   * Runs {@code job} with the catalog taken right after its next commit to {@code table}
   * ({@code namespace.name}); returns what the job threw (it must throw), the lock released.
   */
  static Throwable afterNextCommitTo(TestLakehouse t, String table, Callable<?> job) throws Exception {
    target = new Target(t.config().catalogName() + "." + table, t.catalogDb().toString());
    try {
      job.call();
    } catch (Exception e) {
      return e;
    } finally {
      target = null;
      if (held != null) {
        held.createStatement().execute("ROLLBACK");
        held.close();
        held = null;
      }
    }
    throw new AssertionError("the job did not fail although the catalog was taken after its commit to " + table);
  }
}
