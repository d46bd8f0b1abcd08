package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several sessions (each with its own catalog instance, as separate processes have) load one new
 * lakehouse's catalog at the same moment: Iceberg's JDBC catalog creates its tables and adds its
 * view column when missing, so all but one may find them created under their feet.
 */
class CatalogInitializationTest {
  static final int SESSIONS = 6;

  /** Loads the catalog of a new lakehouse from SESSIONS sessions at once; returns the loads that failed. */
  static List<Throwable> race(Path warehouse, boolean withRetry) throws Exception {
    PoaConfig config = new PoaConfig(warehouse, "race", Map.of());
    SparkSession base = SharedSpark.spark();
    List<SparkSession> sessions = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      SparkSession s = base.newSession();
      PoaSpark.setCatalog(s, config);
      sessions.add(s);
    }
    java.nio.file.Files.createDirectories(warehouse);
    CyclicBarrier start = new CyclicBarrier(SESSIONS);
    ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
    try {
      List<Future<Throwable>> loads = new ArrayList<>();
      for (SparkSession s : sessions) {
        loads.add(pool.submit(() -> {
          SparkSession.setActiveSession(s); // catalogs are loaded with the thread's active session's settings
          start.await();
          try {
            if (withRetry) {
              PoaSpark.initializeCatalog(s, "race");
            } else {
              s.sessionState().catalogManager().catalog("race");
            }
            return null;
          } catch (RuntimeException e) {
            return e;
          }
        }));
      }
      List<Throwable> failed = new ArrayList<>();
      for (Future<Throwable> f : loads) {
        Throwable t = f.get();
        if (t != null) {
          failed.add(t);
        }
      }
      return failed;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sessionsLoadingANewCatalogTogetherAllSucceed(@TempDir Path dir) throws Exception {
    int raced = 0;
    for (int round = 0; round < 4; round++) {
      List<Throwable> failed = race(dir.resolve("plain-" + round), false);
      for (Throwable t : failed) {
        assertTrue(PoaSpark.lostInitializationRace(t), () -> "an unexpected failure: " + t);
      }
      raced += failed.size();
      List<Throwable> retried = race(dir.resolve("retried-" + round), true);
      assertEquals(List.of(), retried, "every load succeeds when a lost race is loaded again");
    }
    // Without loading again, loads lost the race on the development machine (and in one CI run, between two
    // processes). Whether they interleave depends on the machine's timing (a warm JVM's loads may not), so it
    // is reported, not required: when none lost, this run checked only that nothing else failed.
    System.out.println("CatalogInitializationTest: " + raced + " load(s) lost the race without a second load");
  }
}
