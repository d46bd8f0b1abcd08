package dev.poa.jobs.ingest;

import static org.apache.spark.sql.functions.col;

import dev.poa.jobs.IcebergWrites;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.Tables;
import dev.poa.udfs.DatanetPolicy;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/** Reads and writes {@code datanet.datanets}. */
public final class DatanetRegistry {
  private DatanetRegistry() {}

  /** A DataNet to register. */
  public record Datanet(
      String id, String name, String domain, List<String> licensePolicy, boolean signaturesRequired) {}

  public static Map<String, DatanetPolicy> policies(Lakehouse lh) {
    Map<String, DatanetPolicy> out = new HashMap<>();
    for (Row r : lh.spark().table(lh.sparkName(Tables.DATANETS)).collectAsList()) {
      List<String> licenses =
          r.isNullAt(r.fieldIndex("license_policy")) ? List.of() : r.getList(r.fieldIndex("license_policy"));
      out.put(r.getAs("id"), new DatanetPolicy(new HashSet<>(licenses), r.<Boolean>getAs("signatures_required")));
    }
    return out;
  }

  /** Registers DataNets first seen by an ingest, with the default policy. */
  static void registerDefaults(Lakehouse lh, List<String> ids, Instant at, String batchId) {
    List<Datanet> nets = new ArrayList<>();
    for (String id : ids) {
      nets.add(new Datanet(id, id, null, List.of(), DatanetPolicy.DEFAULT.signaturesRequired()));
    }
    append(lh, nets, at, "ingest:" + batchId);
  }

  /**
   * Registers a DataNet with an explicit policy ({@code poa datanets create}).
   *
   * @throws IllegalArgumentException if the id is not a slug or the DataNet exists
   */
  public static void create(Lakehouse lh, Datanet d) {
    if (!DatanetPolicy.SLUG.matcher(d.id()).matches()) {
      throw new BadInputException("DataNet id '" + d.id() + "' is not a slug ([a-z0-9][a-z0-9-]{1,62})");
    }
    for (String l : d.licensePolicy()) {
      if (!dev.poa.udfs.Spdx.isValidExpression(l)) {
        throw new BadInputException("License '" + l + "' is not an SPDX license id");
      }
    }
    try (LakehouseLease lease = lh.lease("datanets create --id " + d.id(), m -> System.err.println("poa: " + m))) {
      lh.migrate();
      Set<String> existing = policies(lh).keySet();
      if (existing.contains(d.id())) {
        throw new BadInputException("DataNet " + d.id() + " already exists; its policy is fixed once created");
      }
      append(lh, List.of(d), Instant.now(), "cli");
    }
  }

  private static void append(Lakehouse lh, List<Datanet> nets, Instant at, String by) {
    List<Row> rows = new ArrayList<>();
    for (Datanet d : nets) {
      rows.add(
          RowFactory.create(
              d.id(),
              d.name(),
              d.domain(),
              CollectionConverters.asScala(d.licensePolicy()).toSeq(),
              d.signaturesRequired(),
              Timestamp.from(at),
              by));
    }
    String table = lh.sparkName(Tables.DATANETS);
    Dataset<Row> df = lh.spark().createDataFrame(rows, lh.spark().table(table).schema());
    // Only ids not yet present: registering is idempotent under reruns.
    Dataset<Row> fresh = df.join(lh.spark().table(table).select(col("id")), new String[] {"id"}, "left_anti");
    IcebergWrites.append(fresh.select(df.columns()[0], java.util.Arrays.copyOfRange(df.columns(), 1, df.columns().length)), table, Map.of());
  }
}
