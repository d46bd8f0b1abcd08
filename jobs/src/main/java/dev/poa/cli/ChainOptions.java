package dev.poa.cli;

import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.settlement.ChainDeployment;
import dev.poa.schemas.BadInputException;
import dev.poa.settlement.Deployment;
import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;
import picocli.CommandLine.Option;

/**
 * The node, the contract and the signing key of the chain commands. Keys come from the
 * environment or an encrypted JSON keystore, never from arguments, and are never printed.
 */
final class ChainOptions {
  @Option(names = "--rpc", paramLabel = "URL", description = "JSON-RPC URL of the node (env POA_RPC_URL, or poa.chain.rpc-url).")
  String rpc;

  @Option(names = "--contract", paramLabel = "ADDRESS",
      description = "Distributor address (default: poa.chain.distributor, else the one 'poa chain deploy' recorded).")
  String contract;

  @Option(names = "--keystore", paramLabel = "FILE",
      description = "Encrypted JSON keystore of the signing key (password from env POA_KEYSTORE_PASSWORD, else asked).")
  Path keystore;

  String rpc(PoaConfig c, Map<String, String> env) {
    String url = rpc != null ? rpc : env.get("POA_RPC_URL") != null ? env.get("POA_RPC_URL")
        : c.get("poa.chain.rpc-url", null);
    if (url == null || url.isBlank()) {
      throw new BadInputException("No node given: pass --rpc URL or set POA_RPC_URL");
    }
    return url;
  }

  Deployment deployment(PoaConfig c) {
    try {
      return ChainDeployment.load(c.warehouse());
    } catch (IOException e) {
      throw new BadInputException("Cannot read " + ChainDeployment.file(c.warehouse()) + ": " + e.getMessage());
    }
  }

  String contract(PoaConfig c) {
    if (contract != null) {
      return contract;
    }
    String conf = c.get("poa.chain.distributor", null);
    if (conf != null) {
      return conf;
    }
    Deployment d = deployment(c);
    if (d == null) {
      throw new BadInputException("No distributor given: pass --contract ADDRESS, set poa.chain.distributor, or run"
          + " 'poa chain deploy' on a development chain");
    }
    return d.distributor();
  }

  /** The key from {@code --keystore}, else from the environment variable {@code name}. */
  Credentials key(Map<String, String> env, String name) {
    if (keystore != null) {
      if (!Files.isRegularFile(keystore)) {
        throw new BadInputException("Keystore " + keystore + " does not exist");
      }
      String password = env.get("POA_KEYSTORE_PASSWORD");
      if (password == null) {
        Console console = System.console();
        if (console == null) {
          throw new BadInputException("The keystore needs a password: set POA_KEYSTORE_PASSWORD");
        }
        password = new String(console.readPassword("password of %s: ", keystore));
      }
      try {
        return WalletUtils.loadCredentials(password, keystore.toFile());
      } catch (Exception e) {
        // the message of a wrong password names no secret
        throw new BadInputException("Cannot open keystore " + keystore + ": " + e.getMessage());
      }
    }
    String hex = env.get(name);
    if (hex == null || hex.isBlank()) {
      throw new BadInputException("No signing key: set " + name + " (0x hex private key) or pass --keystore FILE");
    }
    try {
      return Credentials.create(hex.strip());
    } catch (RuntimeException e) {
      throw new BadInputException(name + " is not a private key (expected 64 hex digits)");
    }
  }
}
