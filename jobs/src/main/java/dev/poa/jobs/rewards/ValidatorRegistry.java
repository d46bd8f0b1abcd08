package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.col;

import dev.poa.jobs.IcebergWrites;
import dev.poa.jobs.Progress;
import dev.poa.jobs.ingest.DatanetRegistry;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.Tables;
import dev.poa.udfs.Addresses;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The validator registry, {@code datanet.validators}: which addresses may attest contributions of
 * which DataNets, from when until when. A registration is never deleted: removing a validator
 * closes its open registrations at a time ({@code valid_until}), so attestations made while it was
 * registered keep counting and an audit of an earlier epoch re-derives the same result.
 */
public final class ValidatorRegistry {
  private ValidatorRegistry() {}

  /** A registration to add. */
  public record Registration(String address, List<String> datanets, Instant validFrom, Instant validUntil, String note) {
    public Registration {
      String problem = Addresses.problem(address);
      if (problem != null) {
        throw new BadInputException("Validator address " + address + ": " + problem);
      }
      address = Addresses.canonical(address);
      datanets = List.copyOf(new TreeSet<>(datanets));
      if (datanets.isEmpty()) {
        throw new BadInputException("Give the DataNets the validator may attest (--datanets D1,D2)");
      }
      if (validUntil != null && !validUntil.isAfter(validFrom)) {
        throw new BadInputException("--until must be after --from");
      }
    }
  }

  /** Adds a registration; the DataNets must exist. Returns its id. */
  public static String add(Lakehouse lh, Registration r, Progress progress) {
    try (LakehouseLease lease = lh.lease("validators add " + r.address(), progress::step)) {
      lh.migrate();
      Set<String> known = DatanetRegistry.policies(lh).keySet();
      List<String> unknown = r.datanets().stream().filter(d -> !known.contains(d)).toList();
      if (!unknown.isEmpty()) {
        throw new BadInputException("Unknown DataNet(s) " + unknown + ": create them first (poa datanets create)");
      }
      String id = "vr-" + UUID.randomUUID().toString().substring(0, 12);
      Row row = RowFactory.create(id, r.address(), CollectionConverters.asScala(r.datanets()).toSeq(),
          Timestamp.from(r.validFrom()), r.validUntil() == null ? null : Timestamp.from(r.validUntil()),
          Timestamp.from(Instant.now()), null, r.note());
      lease.assertHeld();
      IcebergWrites.append(lh.spark().createDataFrame(List.of(row), lh.spark().table(lh.sparkName(Tables.VALIDATORS)).schema()),
          lh.sparkName(Tables.VALIDATORS), Map.of("poa.validator", r.address()));
      return id;
    }
  }

  /**
   * Closes the address's registrations that are open at {@code at} ({@code valid_until = at}):
   * attestations it dates from {@code at} on no longer count. Returns how many were closed.
   */
  public static int remove(Lakehouse lh, String address, Instant at, Progress progress) {
    String problem = Addresses.problem(address);
    if (problem != null) {
      throw new BadInputException("Validator address " + address + ": " + problem);
    }
    String a = Addresses.canonical(address);
    try (LakehouseLease lease = lh.lease("validators remove " + a, progress::step)) {
      lh.migrate();
      String table = lh.sparkName(Tables.VALIDATORS);
      List<Row> all = lh.spark().table(table).collectAsList();
      Timestamp until = Timestamp.from(at);
      Timestamp now = Timestamp.from(Instant.now());
      List<Row> next = new ArrayList<>();
      int closed = 0;
      for (Row r : all) {
        Timestamp validUntil = r.getAs("valid_until");
        boolean open = r.getAs("address").equals(a) && (validUntil == null || validUntil.after(until));
        if (open) {
          closed++;
          Timestamp from = r.getAs("valid_from");
          next.add(RowFactory.create(r.getAs("registration_id"), r.getAs("address"), r.getAs("datanets"), from,
              from.after(until) ? from : until, r.getAs("added_at"), now, r.getAs("note")));
        } else {
          next.add(r);
        }
      }
      if (closed == 0) {
        throw new BadInputException("Validator " + a + " has no registration open at " + at + " (poa validators list)");
      }
      lease.assertHeld();
      // the registry is small: rewritten whole, atomically
      var w = lh.spark().createDataFrame(next, lh.spark().table(table).schema()).writeTo(table)
          .option("snapshot-property.poa.validator", a);
      try {
        w.overwrite(org.apache.spark.sql.functions.lit(true));
      } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
        throw new IllegalStateException(e);
      }
      return closed;
    }
  }

  /** Every registration, by address and start. */
  public static List<Row> list(Lakehouse lh) {
    return lh.spark().table(lh.sparkName(Tables.VALIDATORS)).orderBy(col("address"), col("valid_from")).collectAsList();
  }
}
