package dev.poa.settlement;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local EVM node for the demo and the tests: anvil (npm {@code @foundry-rs/anvil}, installed by
 * {@code npm ci --prefix infra/contracts}) as a process on loopback, with the standard test
 * accounts. Its {@code anvil_*}/{@code evm_*} methods produce real faults (drop a transaction,
 * stop mining, reorg). Never for real funds: the keys below are public.
 */
public final class DevChain implements AutoCloseable {
  /** Private keys of the first accounts of the standard test mnemonic ("test test ... junk"): public knowledge. */
  public static final List<String> DEV_KEYS = List.of(
      "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
      "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
      "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
      "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
      "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a");

  private final int port;
  private final Path log;
  private final Path state;
  private Process process;

  private DevChain(int port, Path log, Path state) {
    this.port = port;
    this.log = log;
    this.state = state;
  }

  /** Where the anvil binary is: {@code POA_ANVIL}, else under POA_HOME (or the working directory's parents), else PATH. */
  public static String binary() {
    String env = System.getenv("POA_ANVIL");
    if (env != null && !env.isBlank()) {
      return env;
    }
    List<Path> roots = new ArrayList<>();
    String home = System.getenv("POA_HOME");
    if (home != null) {
      roots.add(Path.of(home));
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      roots.add(p);
    }
    for (Path r : roots) {
      Path b = r.resolve("infra/contracts/node_modules/.bin/anvil");
      if (Files.isExecutable(b)) {
        return b.toString();
      }
    }
    return "anvil";
  }

  /** Starts a node on a free loopback port; its state is kept in {@code workDir} across {@link #stop}/{@link #restart}. */
  public static DevChain start(Path workDir) {
    int port;
    try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    DevChain c = new DevChain(port, workDir.resolve("anvil-" + port + ".log"), workDir.resolve("anvil-" + port + "-state.json"));
    c.restart();
    return c;
  }

  /** (Re)starts the node on the same port, from the state it saved when stopped. */
  public void restart() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("the node is running");
    }
    try {
      process = new ProcessBuilder(binary(), "--host", "127.0.0.1", "--port", String.valueOf(port), "--chain-id", "31337",
          "--accounts", String.valueOf(DEV_KEYS.size()), "--state", state.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start anvil (" + binary() + "): run 'npm ci --prefix infra/contracts' or set"
          + " POA_ANVIL", e);
    }
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("anvil exited: " + logTail());
      }
      try (Chain chain = new Chain(url(), ContractArtifact.DISTRIBUTOR)) {
        chain.chainId();
        return;
      } catch (Chain.UnavailableException e) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    stop();
    throw new IllegalStateException("anvil did not answer on port " + port + ": " + logTail());
  }

  /** Stops the node (SIGTERM: it saves its state first). Its URL refuses connections until {@link #restart}. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  String logTail() {
    try {
      String s = Files.readString(log);
      return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    stop();
  }
}
