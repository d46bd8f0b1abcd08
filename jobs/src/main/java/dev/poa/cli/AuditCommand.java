package dev.poa.cli;

import dev.poa.jobs.Progress;
import dev.poa.jobs.rewards.Audit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "Re-derive a finalised epoch and compare it with what is stored.",
      "",
      "Recomputes the epoch from the snapshot ids its manifest recorded (Iceberg",
      "time travel, so later writes do not matter) and compares every payout row,",
      "the total, the root, the manifest file's hash and content. Prints each",
      "difference (changed amount, added or missing address, different root, file",
      "hash mismatch...). Exit 0 when all match, 5 when anything differs.",
    })
final class AuditCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Option(names = "--epoch", required = true, paramLabel = "E", description = "Epoch id or any timestamp inside it.")
  String epoch;

  @Override
  public Integer call() {
    Audit.Report r = new Audit(root.lakehouse()).run(epoch, Progress.to(err(), "audit"));
    if (r.clean()) {
      out().printf("epoch %s: audit passed (%d payout rows, root %s, manifest file intact)%n", r.epoch(),
          r.rowsChecked(), r.root());
      return 0;
    }
    out().printf("epoch %s: audit FAILED, %d difference(s):%n", r.epoch(), r.differences().size());
    r.differences().forEach(d -> out().printf("  %-22s %s%n", d.kind(), d.detail()));
    return PoaCli.EXIT_AUDIT_MISMATCH;
  }
}
