package dev.poa.jobs.rewards;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A dataset's rows on the driver, in its partitions' order ({@link Dataset#toLocalIterator}), read
 * ahead by a thread of their own: while the caller works through rows, the reader decodes the next
 * ones and, at the end of a partition, starts the job that fetches the next partition. A local
 * iterator alone runs one job per partition only when the caller asks for its first row, so the
 * executors waited while the driver wrote each partition into a manifest, and the driver waited for
 * each job.
 *
 * <p>At most {@code batches} × {@value #BATCH} decoded rows wait for the caller. An error of the
 * reader (a failed job) is thrown to the caller as it was thrown, when the caller reaches the rows
 * it stopped at. Close it when done, or when leaving early: the reader stops at its next batch.
 */
final class ReadAheadRows implements Iterator<Row>, AutoCloseable {
  static final int BATCH = 4096;
  private static final Object END = new Object();

  private final BlockingQueue<Object> queue;
  private final java.util.concurrent.FutureTask<Void> reader;
  private volatile boolean closed;
  private List<Row> batch = List.of();
  private int next;
  private boolean ended;

  ReadAheadRows(Dataset<Row> rows, int batches) {
    this.queue = new ArrayBlockingQueue<>(batches);
    this.reader = new java.util.concurrent.FutureTask<>(() -> read(rows), null);
    Thread t = new Thread(reader, "poa-read-ahead"); // Spark's local properties and active session are inherited
    t.setDaemon(true);
    t.start();
  }

  private void read(Dataset<Row> rows) {
    try {
      Iterator<Row> it = rows.toLocalIterator();
      List<Row> b = new ArrayList<>(BATCH);
      while (!closed && it.hasNext()) {
        b.add(it.next());
        if (b.size() == BATCH) {
          hand(b);
          b = new ArrayList<>(BATCH);
        }
      }
      if (!b.isEmpty()) {
        hand(b);
      }
      hand(END);
    } catch (Throwable t) {
      hand(t);
    }
  }

  /** Puts an item for the caller, waiting while the queue is full, unless the caller has closed. */
  private void hand(Object item) {
    try {
      while (!closed && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
        // the caller is working through earlier rows
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean hasNext() {
    while (next == batch.size() && !ended) {
      Object item;
      try {
        item = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while reading rows", e);
      }
      if (item == END) {
        ended = true;
      } else if (item instanceof Throwable t) {
        ended = true;
        throw dev.poa.jobs.Unchecked.<RuntimeException>rethrow(t);
      } else {
        @SuppressWarnings("unchecked")
        List<Row> rows = (List<Row>) item;
        batch = rows;
        next = 0;
      }
    }
    return next < batch.size();
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return batch.get(next++);
  }

  @Override
  public void close() {
    closed = true;
    queue.clear(); // a reader waiting to hand a batch sees the room, or the flag within 100 ms
  }

  /** Batches read and waiting for the caller (tests). */
  int waiting() {
    return queue.size();
  }

  /** The reader's work, done when it has stopped (tests). */
  java.util.concurrent.Future<Void> reader() {
    return reader;
  }
}
