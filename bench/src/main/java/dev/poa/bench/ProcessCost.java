package dev.poa.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the JVM spent while a timed part ran, beside its wall time: the process's CPU time in user and in system
 * mode (Linux's /proc/self/stat; system time is the kernel's: pages written for the first time, files, threads),
 * the JIT's compilation time (elapsed, summed over the compiler threads: on busy cores it includes waiting for
 * one, so it bounds their CPU from above) and the collectors' time. Compared with a second run of the same work
 * in the same JVM, they say what a cold run's extra is made of (bench/RESULTS.md).
 */
record ProcessCost(double userSeconds, double systemSeconds, double jitSeconds, double gcSeconds) {
  /** Clock ticks per second of /proc/self/stat's times: USER_HZ, 100 on Linux. */
  private static final double TICKS_PER_SECOND = 100.0;

  /** The JVM's totals so far; CPU times are NaN where /proc/self/stat cannot be read (not Linux). */
  static ProcessCost now() {
    double user = Double.NaN;
    double system = Double.NaN;
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // the command name, in parentheses, may hold spaces: the fields are counted after its closing one
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
      user = Long.parseLong(f[11]) / TICKS_PER_SECOND; // field 14 of proc(5), utime
      system = Long.parseLong(f[12]) / TICKS_PER_SECOND; // field 15, stime
    } catch (IOException | RuntimeException e) {
      // not Linux, or another layout: the CPU times stay unknown
    }
    long gcMillis = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcMillis += Math.max(0, gc.getCollectionTime());
    }
    var jit = ManagementFactory.getCompilationMXBean();
    double jitSeconds = jit != null && jit.isCompilationTimeMonitoringSupported()
        ? jit.getTotalCompilationTime() / 1000.0 : Double.NaN;
    return new ProcessCost(user, system, jitSeconds, gcMillis / 1000.0);
  }

  /** What was spent from {@code before} until this snapshot. */
  ProcessCost since(ProcessCost before) {
    return new ProcessCost(userSeconds - before.userSeconds, systemSeconds - before.systemSeconds,
        jitSeconds - before.jitSeconds, gcSeconds - before.gcSeconds);
  }

  /**
   * Logs, on stderr, what a timed part spent since {@code before}, e.g. "[audit] poa audit: 13.67 s; CPU user
   * 24.6 s, system 0.8 s; JIT compiling 6.5 s; GC 0.41 s".
   */
  static void log(String label, String what, double seconds, ProcessCost before) {
    System.err.printf(Locale.ROOT, "[%s] %s: %.2f s; %s%n", label, what, seconds, now().since(before).describe());
  }

  /** One line for the bench's log, e.g. "CPU user 18.2 s, system 3.1 s; JIT compiling 7.9 s; GC 1.20 s". */
  String describe() {
    return String.format(Locale.ROOT, "CPU user %.1f s, system %.1f s; JIT compiling %.1f s; GC %.2f s", userSeconds,
        systemSeconds, jitSeconds, gcSeconds);
  }
}
