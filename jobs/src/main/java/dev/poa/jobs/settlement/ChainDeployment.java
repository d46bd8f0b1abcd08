package dev.poa.jobs.settlement;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.settlement.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where {@code poa chain deploy} records the contracts it deployed: {@code <warehouse>/chain/deployment.json}. */
public final class ChainDeployment {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ChainDeployment() {}

  public static Path file(Path warehouse) {
    return warehouse.toAbsolutePath().resolve("chain").resolve("deployment.json");
  }

  public static void save(Path warehouse, Deployment d) throws IOException {
    Path f = file(warehouse);
    Files.createDirectories(f.getParent());
    Path tmp = f.resolveSibling("deployment.json.tmp");
    Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(d) + "\n");
    Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** The recorded deployment, or null. */
  public static Deployment load(Path warehouse) throws IOException {
    Path f = file(warehouse);
    return Files.exists(f) ? JSON.readValue(f.toFile(), Deployment.class) : null;
  }
}
