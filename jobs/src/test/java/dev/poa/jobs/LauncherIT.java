package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./poa} launcher itself, run after {@code package} (so it finds its jar and does not
 * build): the collector it picks, and that a collector named in {@code POA_JAVA_OPTS} replaces it
 * instead of making the JVM refuse to start with two.
 */
class LauncherIT {
  record Run(int exit, String out) {}

  static Run poa(String javaOpts, String... args) throws IOException, InterruptedException {
    Path launcher = Path.of("..", "poa").toAbsolutePath().normalize();
    Path jar;
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      jar = s.filter(p -> p.getFileName().toString().matches("poa-jobs-.*-spark\\.jar")).findFirst().orElseThrow();
    }
    // the launcher rebuilds when a source is newer than the jar: that would run Maven inside this build
    try (Stream<Path> sources = Files.walk(Path.of("src", "main"))) {
      long jarTime = Files.getLastModifiedTime(jar).toMillis();
      assertTrue(sources.filter(Files::isRegularFile).noneMatch(p -> p.toFile().lastModified() > jarTime),
          "a source under jobs/src/main is newer than " + jar + ": package again before this test");
    }
    List<String> cmd = new java.util.ArrayList<>(List.of(launcher.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("POA_JAVA_OPTS", javaOpts);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("poa did not finish:\n" + out);
    }
    return new Run(p.exitValue(), out);
  }

  @Test
  void runsWithTheParallelCollectorUnlessTheOptionsNameAnother() throws Exception {
    Run dflt = poa("-Xlog:gc:stderr", "--help");
    assertEquals(0, dflt.exit(), dflt.out());
    assertTrue(dflt.out().contains("Using Parallel"), dflt.out());

    Run g1 = poa("-XX:+UseG1GC -Xlog:gc:stderr", "--help");
    assertEquals(0, g1.exit(), g1.out()); // not "Multiple garbage collectors selected"
    assertTrue(g1.out().contains("Using G1"), g1.out());

    Run serial = poa("-Xlog:gc:stderr -XX:+UseSerialGC", "--help");
    assertEquals(0, serial.exit(), serial.out());
    assertTrue(serial.out().contains("Using Serial"), serial.out());
  }
}
