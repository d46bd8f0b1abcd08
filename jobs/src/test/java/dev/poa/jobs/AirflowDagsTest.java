package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The DAG tests (pytest, orchestration/tests) as part of the test command: {@code orchestration/airflow
 * test} makes the pinned Airflow venv the first time, then checks that every DAG imports, the epoch DAG
 * is the pipeline definition, and each exit code becomes what Airflow does.
 */
@Tag("slow")
class AirflowDagsTest {
  @Test
  void theDagTestsPass() throws Exception {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    Process p = new ProcessBuilder(repo.resolve("orchestration/airflow").toString(), "test").redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.MINUTES), "orchestration/airflow test did not finish:\n" + out);
    assertEquals(0, p.exitValue(), "orchestration/airflow test:\n" + out);
    assertTrue(out.contains(" passed"), out);
  }
}
