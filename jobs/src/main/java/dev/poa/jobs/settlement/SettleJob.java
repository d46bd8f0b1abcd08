package dev.poa.jobs.settlement;

import static org.apache.spark.sql.functions.col;

import dev.poa.jobs.Progress;
import dev.poa.jobs.rewards.Audit;
import dev.poa.schemas.ExitStatus;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.NotReadyException;
import dev.poa.schemas.Tables;
import dev.poa.settlement.Chain;
import dev.poa.settlement.ContractArtifact;
import dev.poa.settlement.Settler;
import dev.poa.udfs.Epochs;
import java.math.BigDecimal;
import java.util.List;
import org.apache.spark.sql.Row;
import org.web3j.crypto.Credentials;

/**
 * {@code poa settle --epoch E}: commits a finalised epoch's root to the distributor, exactly once
 * ({@link Settler}, journalled in rewards.settlements), under the lakehouse lease. Refuses an
 * epoch that is not finalised ({@link NotReadyException}) or whose audit fails. The epoch's number
 * on chain is the one stored in its manifest row when it was finalised (for epochs finalised
 * before it was stored: its position among finalised epochs), so chain epochs follow each other
 * as the contract requires; the committed total is the manifest's cumulative total (the sum of
 * its leaves) and the manifest hash its file's sha256.
 */
public final class SettleJob {
  public record Config(String epoch, String rpcUrl, String contract, Credentials key, Settler.Settings settings) {}

  /** The epoch's audit found differences: nothing is sent. */
  public static final class AuditFailedException extends IllegalStateException implements ExitStatus {
    @Override
    public int exitCode() {
      return ExitStatus.AUDIT_MISMATCH;
    }

    public AuditFailedException(String m) {
      super(m);
    }
  }

  private final Lakehouse lh;
  private final Progress progress;

  public SettleJob(Lakehouse lh, Progress progress) {
    this.lh = lh;
    this.progress = progress;
  }

  /** What is committed for an epoch. */
  public Settler.Request request(String epochArg, String contract) {
    String epoch = Epochs.resolve(epochArg);
    List<Row> rows = lh.spark().table(lh.sparkName(Tables.MANIFESTS)).filter(col("epoch").equalTo(epoch)).collectAsList();
    if (rows.isEmpty()) {
      throw new NotReadyException("Epoch " + epoch + " is not finalised: run 'poa rewards --epoch " + epoch + "' first");
    }
    Row m = rows.get(0);
    boolean stored = List.of(m.schema().fieldNames()).contains("chain_epoch") && !m.isNullAt(m.fieldIndex("chain_epoch"));
    long chainEpoch = stored ? m.<Long>getAs("chain_epoch")
        : lh.spark().table(lh.sparkName(Tables.MANIFESTS)).filter(col("epoch").leq(epoch)).count();
    return new Settler.Request(epoch, chainEpoch, contract.toLowerCase(java.util.Locale.ROOT), m.getAs("root"),
        ((BigDecimal) m.getAs("cumulative_total_wei")).toBigIntegerExact(), "0x" + m.<String>getAs("manifest_sha256"));
  }

  public Settler.Result run(Config c) {
    String epoch = Epochs.resolve(c.epoch());
    try (LakehouseLease lease = lh.lease("settle --epoch " + epoch, progress::step)) {
      lh.migrate();
      return settle(c);
    }
  }

  private Settler.Result settle(Config c) {
    Settler.Request request = request(c.epoch(), c.contract());
    Audit.Report audit = new Audit(lh).run(request.epoch(), progress);
    if (!audit.clean()) {
      throw new AuditFailedException("Epoch " + request.epoch() + " fails its audit (" + audit.differences().size()
          + " difference(s), e.g. " + audit.differences().get(0).kind() + "): nothing sent; run 'poa audit --epoch "
          + request.epoch() + "'");
    }
    progress.step("epoch " + request.epoch() + " is #" + request.chainEpoch() + " on chain; root " + request.root()
        + ", cumulative total " + request.total() + " wei; settler " + c.key().getAddress());
    try (Chain chain = new Chain(c.rpcUrl(), ContractArtifact.DISTRIBUTOR)) {
      return new Settler(chain, c.key(), new IcebergJournal(lh), c.settings(), progress::step).settle(request);
    }
  }
}
