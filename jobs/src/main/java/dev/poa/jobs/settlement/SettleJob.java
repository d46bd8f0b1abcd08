package dev.poa.jobs.settlement;

import static org.apache.spark.sql.functions.col;

import dev.poa.jobs.Progress;
import dev.poa.jobs.rewards.Audit;
import dev.poa.schemas.Lakehouse;
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
 * ({@link Settler}, journalled in rewards.settlements). Refuses an epoch whose audit fails. The
 * epoch's number on chain is its position among finalised epochs (1 for the first), so chain
 * epochs follow each other as the contract requires; the committed total is the manifest's
 * cumulative total (the sum of its leaves) and the manifest hash its file's sha256.
 */
public final class SettleJob {
  public record Config(String epoch, String rpcUrl, String contract, Credentials key, Settler.Settings settings) {}

  /** The epoch's audit found differences: nothing is sent. */
  public static final class AuditFailedException extends IllegalStateException {
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
    lh.migrate();
    String epoch = Epochs.resolve(epochArg);
    List<Row> rows = lh.spark().table(lh.sparkName(Tables.MANIFESTS)).filter(col("epoch").equalTo(epoch)).collectAsList();
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("Epoch " + epoch + " is not finalised: run 'poa rewards --epoch " + epoch + "' first");
    }
    Row m = rows.get(0);
    long position = lh.spark().table(lh.sparkName(Tables.MANIFESTS)).filter(col("epoch").leq(epoch)).count();
    return new Settler.Request(epoch, position, contract.toLowerCase(java.util.Locale.ROOT), m.getAs("root"),
        ((BigDecimal) m.getAs("cumulative_total_wei")).toBigIntegerExact(), "0x" + m.<String>getAs("manifest_sha256"));
  }

  public Settler.Result run(Config c) {
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
