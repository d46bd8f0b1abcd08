package dev.poa.jobs;

import java.io.PrintStream;

/** Reports the steps of a long job, with elapsed time, to a person watching (stderr). */
public interface Progress {
  void step(String message);

  Progress SILENT = m -> {};

  static Progress to(PrintStream out, String job) {
    long start = System.nanoTime();
    return m -> out.printf("[%s %6.1fs] %s%n", job, (System.nanoTime() - start) / 1e9, m);
  }

  static Progress to(java.io.PrintWriter out, String job) {
    long start = System.nanoTime();
    return m -> {
      out.printf("[%s %6.1fs] %s%n", job, (System.nanoTime() - start) / 1e9, m);
      out.flush();
    };
  }
}
