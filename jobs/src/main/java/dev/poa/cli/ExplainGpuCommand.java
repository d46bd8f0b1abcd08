package dev.poa.cli;

import dev.poa.jobs.gpu.ExplainGpu;
import dev.poa.schemas.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "explain-gpu",
    mixinStandardHelpOptions = true,
    description = {
      "Report which operators of a stage would not run on a GPU, and why.",
      "",
      "Runs the stage on a small sample lakehouse under the RAPIDS Accelerator in",
      "explain-only mode (no GPU needed; ANSI and AQE off), in a JVM of its own,",
      "and prints every operator off the GPU ('!') or on the CPU bridge ('^')",
      "with RAPIDS' reason and poa's justification. Exit 0 when every one is",
      "justified, 1 otherwise.",
      "",
      "Stages: span-index, span-match, span-score, gradient-score, gradient-combine, all.",
      "Needs the RAPIDS jar: infra/spark/install-rapids.sh puts it in ~/.m2",
      "(or --rapids-jar / POA_RAPIDS_JAR). The GPU twins of poa's functions are",
      "used when their jar is found (./poa builds it; or --gpu-udfs-jar).",
    })
final class ExplainGpuCommand extends CliCommand implements Callable<Integer> {
  static final String RAPIDS_JAR = ".m2/repository/com/nvidia/rapids-4-spark_2.13/26.08.1/rapids-4-spark_2.13-26.08.1-cuda13.jar";

  @Parameters(index = "0", paramLabel = "STAGE", description = "span-index, span-match, span-score, gradient-score, gradient-combine or all.")
  String stage;

  @Option(names = "--rapids-jar", paramLabel = "JAR", description = "RAPIDS Accelerator jar (default: POA_RAPIDS_JAR, else ~/" + RAPIDS_JAR + ").")
  Path rapidsJar;

  @Option(names = "--gpu-udfs-jar", paramLabel = "JAR", description = "Jar of poa's RapidsUDF twins (default: POA_GPU_UDFS_JAR, else attribution-udfs/target/*-gpu.jar).")
  Path gpuUdfsJar;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (!stage.equals("all") && !ExplainGpu.stages().containsKey(stage)) {
      throw new BadInputException("Unknown stage '" + stage + "': one of " + ExplainGpu.stages().keySet() + " or all");
    }
    Path rapids = rapidsJar != null ? rapidsJar
        : System.getenv("POA_RAPIDS_JAR") != null ? Path.of(System.getenv("POA_RAPIDS_JAR"))
        : Path.of(System.getProperty("user.home")).resolve(RAPIDS_JAR);
    if (!Files.isRegularFile(rapids)) {
      throw new BadInputException("The RAPIDS jar is not at " + rapids
          + ": run infra/spark/install-rapids.sh (downloads 575 MB once), or pass --rapids-jar");
    }
    List<String> classpath = new ArrayList<>(Arrays.asList(System.getProperty("java.class.path").split(java.io.File.pathSeparator)));
    classpath.add(rapids.toString());
    Path twins = gpuUdfsJar != null ? gpuUdfsJar : findTwins();
    if (twins != null) {
      classpath.add(twins.toString());
    } else {
      err().println("[explain-gpu] no GPU twins jar found: poa's functions show on the CPU bridge");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Arrays.asList(jvmFlags().split("\\s+")));
    cmd.add("-Xmx3g");
    String log4j = System.getProperty("log4j2.configurationFile");
    if (log4j != null) {
      cmd.add("-Dlog4j2.configurationFile=" + log4j);
    }
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, classpath));
    cmd.add(ExplainGpu.class.getName());
    cmd.add(stage);
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    return p.waitFor();
  }

  static Path findTwins() throws IOException {
    String env = System.getenv("POA_GPU_UDFS_JAR");
    if (env != null) {
      return Path.of(env);
    }
    String home = System.getenv().getOrDefault("POA_HOME", ".");
    Path dir = Path.of(home, "attribution-udfs", "target");
    if (!Files.isDirectory(dir)) {
      return null;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().endsWith("-gpu.jar")).findFirst().orElse(null);
    }
  }

  static String jvmFlags() throws IOException {
    try (InputStream in = ExplainGpuCommand.class.getResourceAsStream("/poa/jvm-flags.txt")) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
  }
}
