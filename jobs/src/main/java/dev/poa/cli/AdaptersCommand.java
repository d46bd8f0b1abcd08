package dev.poa.cli;

import dev.poa.jobs.serving.AdapterRegistry;
import dev.poa.schemas.BadInputException;
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
    description = "Register, list and generate sample LoRA adapters.",
    subcommands = {AdaptersCommand.Register.class, AdaptersCommand.ListCmd.class, AdaptersCommand.Sample.class})
final class AdaptersCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa adapters register|list|sample");
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
  static final class Register extends CliCommand implements Callable<Integer> {
    @ParentCommand AdaptersCommand parent;

    @Option(names = "--file", required = true, description = "adapter.json")
    Path file;

    @Override
    public Integer call() throws IOException {
      if (!Files.isRegularFile(file)) {
        throw new BadInputException("Adapter file " + file + " does not exist");
      }
      AdapterRegistry.Registered r =
          AdapterRegistry.register(parent.root.lakehouse(), AdapterSpec.parse(Files.readString(file)));
      out().println("adapter " + r.adapterId() + " registered: " + r.trainingSetSize() + " training contributions"
          + (r.contributionsSnapshotId() == null ? "" : " (datanet.contributions snapshot " + r.contributionsSnapshotId() + ")"));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List registered adapters.")
  static final class ListCmd extends CliCommand implements Callable<Integer> {
    @ParentCommand AdaptersCommand parent;

    @Override
    public Integer call() {
      var lh = parent.root.lakehouse();
      lh.requireCurrent(java.util.List.of(Tables.ADAPTERS));
      SqlCommand.print(lh.spark().sql("SELECT * FROM " + lh.sparkName(Tables.ADAPTERS) + " ORDER BY adapter_id"),
          "table", 10_000, out());
      return 0;
    }
  }

  @Command(
      name = "sample",
      mixinStandardHelpOptions = true,
      description = {
        "Generate and register sample LoRA adapters (for demos, tests, benchmarks).",
        "",
        "PEFT file layout, tensor names and shapes of a Llama-style base model, random",
        "weights in fp32. Bases: tiny-llama (TinyLlama-1.1B shapes: 22 layers, hidden",
        "2048, 4 KV heads), micro-llama (2 layers, hidden 64). Ids sample-<base>-<n>;",
        "trained on every accepted contribution of the DataNets given (default: all).",
      })
  static final class Sample extends CliCommand implements Callable<Integer> {
    @ParentCommand AdaptersCommand parent;

    @Option(names = "--base", defaultValue = "tiny-llama", description = "Base model shapes: tiny-llama | micro-llama (default ${DEFAULT-VALUE}).")
    String base;

    @Option(names = "--count", defaultValue = "1", description = "How many (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--datanet", split = ",", description = "DataNets they are trained on (default: every registered one).")
    java.util.List<String> datanets;

    @Option(names = "--rank", defaultValue = "8", description = "LoRA rank r (default ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--alpha", defaultValue = "16", description = "lora_alpha (default ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--modules", split = ",", defaultValue = "q_proj,v_proj", description = "Target modules (default ${DEFAULT-VALUE}).")
    java.util.List<String> modules;

    @Option(names = "--dir", description = "Where the files go (path or Hadoop URI; default <warehouse>/adapters).")
    String dir;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
      if (count < 1) {
        throw new BadInputException("--count must be at least 1");
      }
      var c = parent.root.config();
      String target = dir == null ? c.warehouse().toAbsolutePath().resolve("adapters").toUri().toString()
          : PoaCli.uri(dir);
      var r = new dev.poa.jobs.serving.SampleAdapterJob(parent.root.lakehouse(), dev.poa.jobs.Progress.to(err(), "adapters"))
          .run(new dev.poa.jobs.serving.SampleAdapterJob.Config(base, count, datanets, rank, alpha, modules, target, seed));
      out().println(r.adapterIds().size() + " sample adapter(s) registered: " + String.join(", ", r.adapterIds()));
      return 0;
    }
  }
}
