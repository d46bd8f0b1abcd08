package dev.poa.cli;

import dev.poa.jobs.Progress;
import dev.poa.jobs.rewards.ValidatorRegistry;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Tables;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "validators",
    mixinStandardHelpOptions = true,
    description = {
      "The validator registry: who may attest contributions of which DataNets.",
      "",
      "Only attestations of a validator registered for the contribution's DataNet",
      "at attested_at are accepted (else unknown_validator), count towards the",
      "quorum that slashes a contribution, and earn from the validators' pool.",
    },
    subcommands = {ValidatorsCommand.Add.class, ValidatorsCommand.Remove.class, ValidatorsCommand.ListCmd.class})
final class ValidatorsCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa validators add|remove|list");
  }

  static Instant time(String option, String value) {
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      throw new BadInputException(option + " '" + value + "' is not ISO-8601 with an offset, e.g. 2026-11-25T00:00:00Z");
    }
  }

  @Command(name = "add", mixinStandardHelpOptions = true, description = {
      "Register a validator for DataNets, from a time (default now) until a time",
      "(default open). Registrations are never deleted; see remove."})
  static final class Add extends CliCommand implements Callable<Integer> {
    @ParentCommand ValidatorsCommand parent;

    @Option(names = "--address", required = true, paramLabel = "0x…", description = "The validator's address (EIP-55 checked).")
    String address;

    @Option(names = "--datanets", required = true, split = ",", paramLabel = "D", description = "DataNets it may attest, comma-separated.")
    List<String> datanets;

    @Option(names = "--from", paramLabel = "TIME", description = "Attestations dated from this time count (default now).")
    String from;

    @Option(names = "--until", paramLabel = "TIME", description = "Attestations dated from this time on do not (default: open).")
    String until;

    @Option(names = "--note", description = "Free text kept with the registration (who, why).")
    String note;

    @Override
    public Integer call() {
      Instant f = from == null ? Instant.now() : time("--from", from);
      Instant u = until == null ? null : time("--until", until);
      String id = ValidatorRegistry.add(parent.root.lakehouse(),
          new ValidatorRegistry.Registration(address, datanets, f, u, note), Progress.to(err(), "validators"));
      out().printf("validator %s registered for %s from %s%s (%s)%n", address.toLowerCase(java.util.Locale.ROOT),
          String.join(", ", datanets), f, u == null ? "" : " until " + u, id);
      return 0;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = {
      "Close a validator's open registrations at a time (default now): attestations",
      "it dates from then on are rejected and do not count. Earlier ones still do,",
      "so audits of earlier epochs re-derive the same payouts."})
  static final class Remove extends CliCommand implements Callable<Integer> {
    @ParentCommand ValidatorsCommand parent;

    @Option(names = "--address", required = true, paramLabel = "0x…", description = "The validator's address.")
    String address;

    @Option(names = "--at", paramLabel = "TIME", description = "When the registration ends (default now).")
    String at;

    @Override
    public Integer call() {
      Instant t = at == null ? Instant.now() : time("--at", at);
      int n = ValidatorRegistry.remove(parent.root.lakehouse(), address, t, Progress.to(err(), "validators"));
      out().printf("validator %s: %d registration(s) closed at %s%n", address.toLowerCase(java.util.Locale.ROOT), n, t);
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List every registration.")
  static final class ListCmd extends CliCommand implements Callable<Integer> {
    @ParentCommand ValidatorsCommand parent;

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json.")
    String format;

    @Override
    public Integer call() {
      var lh = parent.root.lakehouse();
      lh.requireCurrent(List.of(Tables.VALIDATORS));
      SqlCommand.print(lh.spark().sql("SELECT address, datanets, valid_from, valid_until, added_at, removed_at, note,"
          + " registration_id FROM " + lh.sparkName(Tables.VALIDATORS) + " ORDER BY address, valid_from"), format, 100_000,
          out());
      return 0;
    }
  }
}
