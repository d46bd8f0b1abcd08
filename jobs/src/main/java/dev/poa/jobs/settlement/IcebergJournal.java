package dev.poa.jobs.settlement;

import static org.apache.spark.sql.functions.col;

import dev.poa.jobs.IcebergWrites;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.settlement.Settler;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The settlement journal as the Iceberg table rewards.settlements: each entry is one append,
 * committed (durable) before {@link Settler} broadcasts what it records. Entries are ordered by
 * {@code recorded_at}, kept strictly increasing within a process.
 */
public final class IcebergJournal implements Settler.Journal {
  private final Lakehouse lh;
  private Instant last = Instant.EPOCH;

  public IcebergJournal(Lakehouse lh) {
    this.lh = lh;
  }

  @Override
  public List<Settler.Attempt> attempts(String epoch, long chainId, String contract) {
    List<Settler.Attempt> out = new ArrayList<>();
    for (Row r : lh.spark().table(lh.sparkName(Tables.SETTLEMENTS))
        .filter(col("epoch").equalTo(epoch).and(col("chain_id").equalTo(chainId))
            .and(col("contract").equalTo(contract.toLowerCase(java.util.Locale.ROOT))))
        .orderBy("recorded_at").collectAsList()) {
      out.add(new Settler.Attempt(r.getAs("epoch"), r.<Long>getAs("chain_epoch"), r.<Long>getAs("chain_id"),
          r.getAs("contract"), r.getAs("root"), r.getAs("nonce"), r.getAs("tx_hash"), r.getAs("raw_tx"),
          wei(r.getAs("max_fee_per_gas")), wei(r.getAs("max_priority_fee_per_gas")), r.getAs("status"),
          r.getAs("block_number"), r.getAs("block_hash"), r.getAs("detail")));
    }
    return out;
  }

  private static BigInteger wei(BigDecimal d) {
    return d == null ? null : d.toBigIntegerExact();
  }

  @Override
  public synchronized void record(Settler.Attempt a) {
    Instant now = Instant.now();
    if (!now.isAfter(last)) {
      now = last.plusNanos(1000);
    }
    last = now;
    Row row = RowFactory.create(a.epoch(), a.chainEpoch(), a.chainId(), a.contract().toLowerCase(java.util.Locale.ROOT),
        a.root(), a.nonce(), a.txHash(), a.rawTx(), a.maxFeePerGas() == null ? null : new BigDecimal(a.maxFeePerGas()),
        a.maxPriorityFeePerGas() == null ? null : new BigDecimal(a.maxPriorityFeePerGas()), a.status(), a.blockNumber(),
        a.blockHash(), a.detail(), Timestamp.from(now));
    IcebergWrites.append(lh.spark().createDataFrame(List.of(row), lh.spark().table(lh.sparkName(Tables.SETTLEMENTS)).schema()),
        lh.sparkName(Tables.SETTLEMENTS), Map.of("poa.epoch", a.epoch(), "poa.settlement-status", a.status()));
  }
}
