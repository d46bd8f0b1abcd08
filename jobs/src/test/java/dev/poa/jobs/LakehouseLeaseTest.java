package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.NotReadyException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lakehouse lease, in one JVM: threads are writers of their own (the lease is re-entrant per
 * thread only), and every acquisition is a real commit to the Iceberg table. Separate processes,
 * a killed holder and a paused one are in {@code LakehouseRaceIT}.
 */
class LakehouseLeaseTest {
  static Throwable inOtherThread(Lakehouse lh, String command) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      try (LakehouseLease l = lh.lease(command, m -> {})) {
        return (Throwable) null;
      } catch (Throwable e) {
        return e;
      }
    }).get(60, TimeUnit.SECONDS);
  }

  @Test
  void oneWriterAtATimeAndTheOtherIsToldWhoHoldsIt(@TempDir Path dir) throws Exception {
    Lakehouse lh = SharedSpark.lakehouse(dir).lakehouse()
        .withLease(new LakehouseLease.Settings(Duration.ofSeconds(1), Duration.ofSeconds(3)));
    try (LakehouseLease a = lh.lease("rewards --epoch 2026-01-02", m -> {})) {
      // re-entrant in the holding thread: a stage called by a command joins its lease
      try (LakehouseLease nested = lh.lease("attribute --epoch 2026-01-02", m -> {})) {
        assertSame(a, nested);
      }
      Throwable refused = inOtherThread(lh, "ingest --batch-id b2");
      assertTrue(refused instanceof NotReadyException, String.valueOf(refused));
      assertTrue(refused.getMessage().contains("in use by 'poa rewards --epoch 2026-01-02'"), refused.getMessage());
      assertTrue(refused.getMessage().contains(" since "), refused.getMessage());
      assertEquals("rewards --epoch 2026-01-02", LakehouseLease.current(lh).command());
      // held for longer than its time-to-live: the holder's renewals keep it
      Thread.sleep(4500);
      a.assertHeld();
      assertTrue(inOtherThread(lh, "ingest --batch-id b2") instanceof NotReadyException);
    }
    assertTrue(LakehouseLease.current(lh).released());
    assertNull(inOtherThread(lh, "ingest --batch-id b2"), "released: the next writer takes it at once");
  }

  @Test
  void writersRacingForAFreeLeaseHoldItOneAtATime(@TempDir Path dir) throws Exception {
    Lakehouse lh = SharedSpark.lakehouse(dir).lakehouse()
        .withLease(new LakehouseLease.Settings(Duration.ofSeconds(60), Duration.ofSeconds(10)));
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
    for (int i = 0; i < 4; i++) {
      String name = "writer-" + i;
      writers.add(CompletableFuture.runAsync(() -> {
        for (int round = 0; round < 3; round++) {
          try (LakehouseLease l = lh.lease(name, m -> {})) {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            Thread.sleep(20);
            l.assertHeld();
            inside.decrementAndGet();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        }
      }, threads));
    }
    try {
      for (CompletableFuture<Void> w : writers) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertEquals(1, most.get(), "never two holders at once");
  }
}
