package dev.poa.cli;

import dev.poa.jobs.serving.AdapterRegistry;
import dev.poa.schemas.Tables;
import dev.poa.udfs.AdapterSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "adapters",
    mixinStandardHelpOptions = true,
    description = "Register and list LoRA adapters.",
    subcommands = {AdaptersCommand.Register.class, AdaptersCommand.ListCmd.class})
final class AdaptersCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw new IllegalArgumentException("Missing subcommand: poa adapters register|list");
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description = {
        "Register a LoRA adapter and its training set.",
        "",
        "The file is a JSON object: adapter_id, base_model, owner (address), datanets,",
        "rank, alpha, target_modules, artifact_uri, and optionally training_set",
        "(contribution ids; absent = every accepted contribution of its DataNets as of",
        "the current snapshot of datanet.contributions, whose id is recorded).",
      })
  static final class Register implements Callable<Integer> {
    @ParentCommand AdaptersCommand parent;

    @Option(names = "--file", required = true, description = "adapter.json")
    Path file;

    @Override
    public Integer call() throws IOException {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("Adapter file " + file + " does not exist");
      }
      AdapterRegistry.Registered r =
          AdapterRegistry.register(parent.root.lakehouse(), AdapterSpec.parse(Files.readString(file)));
      System.out.println("adapter " + r.adapterId() + " registered: " + r.trainingSetSize() + " training contributions"
          + (r.contributionsSnapshotId() == null ? "" : " (datanet.contributions snapshot " + r.contributionsSnapshotId() + ")"));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List registered adapters.")
  static final class ListCmd implements Callable<Integer> {
    @ParentCommand AdaptersCommand parent;

    @Override
    public Integer call() {
      var lh = parent.root.lakehouse();
      lh.migrate();
      SqlCommand.print(lh.spark().sql("SELECT * FROM " + lh.sparkName(Tables.ADAPTERS) + " ORDER BY adapter_id"),
          "table", 10_000, System.out);
      return 0;
    }
  }
}
