package dev.poa.cli;

import dev.poa.jobs.ingest.DatanetRegistry;
import dev.poa.schemas.Tables;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "datanets",
    mixinStandardHelpOptions = true,
    description = "Register and list DataNets.",
    subcommands = {DatanetsCommand.Create.class, DatanetsCommand.ListCmd.class})
final class DatanetsCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa datanets create|list");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Register a DataNet with its policy before its first ingest.",
        "",
        "A DataNet that ingest meets first is registered with the default policy:",
        "any SPDX license, signatures not required.",
      })
  static final class Create extends CliCommand implements Callable<Integer> {
    @ParentCommand DatanetsCommand parent;

    @Option(names = "--id", required = true, description = "Slug: [a-z0-9][a-z0-9-]{1,62}.")
    String id;

    @Option(names = "--name", description = "Display name (default: the id).")
    String name;

    @Option(names = "--domain", description = "Topic, e.g. medical, legal, code.")
    String domain;

    @Option(names = "--licenses", split = ",", paramLabel = "SPDX", description = "Accepted SPDX ids, comma-separated (default: any).")
    List<String> licenses = List.of();

    @Option(names = "--require-signatures", description = "Reject records without a valid contributor signature.")
    boolean requireSignatures;

    @Override
    public Integer call() {
      DatanetRegistry.create(
          parent.root.lakehouse(),
          new DatanetRegistry.Datanet(id, name == null ? id : name, domain, licenses, requireSignatures));
      out().println("datanet " + id + " created" + (requireSignatures ? " (signatures required)" : ""));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List DataNets and their policies.")
  static final class ListCmd extends CliCommand implements Callable<Integer> {
    @ParentCommand DatanetsCommand parent;

    @Override
    public Integer call() {
      var lh = parent.root.lakehouse();
      lh.requireCurrent(List.of(Tables.DATANETS));
      SqlCommand.print(
          lh.spark().sql("SELECT * FROM " + lh.sparkName(Tables.DATANETS) + " ORDER BY id"), "table", 10_000, out());
      return 0;
    }
  }
}
