package dev.poa.jobs.serving;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.poa.jobs.IcebergWrites;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.ExitStatus;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.Tables;
import dev.poa.udfs.AdapterSpec;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Registers LoRA adapters ({@code models.adapters}) and their training sets
 * ({@code models.adapter_training_set}). A training set is either the explicit contribution ids
 * of the registration, or every accepted contribution of the adapter's DataNets as of the current
 * snapshot of {@code datanet.contributions}, whose id is recorded.
 */
public final class AdapterRegistry {
  private AdapterRegistry() {}

  /** What a registration stored. */
  public record Registered(String adapterId, long trainingSetSize, Long contributionsSnapshotId) {}

  /** Thrown when the adapter id is taken. */
  public static final class AdapterExistsException extends IllegalStateException implements ExitStatus {
    @Override
    public int exitCode() {
      return ExitStatus.CONFLICT;
    }

    public AdapterExistsException(String m) {
      super(m);
    }
  }

  public static Registered register(Lakehouse lh, AdapterSpec a) {
    try (LakehouseLease lease = lh.lease("adapters register " + a.adapterId(), m -> System.err.println("poa: " + m))) {
      lh.migrate();
      return registerHeld(lh, a);
    }
  }

  private static Registered registerHeld(Lakehouse lh, AdapterSpec a) {
    var spark = lh.spark();
    if (!spark.table(lh.sparkName(Tables.ADAPTERS)).filter(col("adapter_id").equalTo(a.adapterId())).isEmpty()) {
      throw new AdapterExistsException("Adapter " + a.adapterId() + " is already registered: register a new version under a new id");
    }
    Set<String> known = new HashSet<>(spark.table(lh.sparkName(Tables.DATANETS)).select("id").as(Encoders.STRING()).collectAsList());
    for (String d : a.datanets()) {
      if (!known.contains(d)) {
        throw new BadInputException("DataNet " + d + " of adapter " + a.adapterId() + " is not registered");
      }
    }
    long snapshot = lh.currentSnapshotId(Tables.CONTRIBUTIONS);
    Dataset<Row> contributions = snapshot < 0
        ? spark.table(lh.sparkName(Tables.CONTRIBUTIONS))
        : spark.read().option("versionAsOf", snapshot).table(lh.sparkName(Tables.CONTRIBUTIONS));
    Dataset<Row> ofDatanets = contributions.filter(col("datanet").isin(a.datanets().toArray()));
    Dataset<Row> set;
    Long recordedSnapshot;
    if (a.trainingSet() == null) {
      set = ofDatanets.select(col("contribution_id"));
      recordedSnapshot = snapshot < 0 ? null : snapshot;
    } else {
      Dataset<Row> given = spark.createDataset(a.trainingSet(), Encoders.STRING()).toDF("contribution_id");
      List<String> unknown = given.join(ofDatanets, new String[] {"contribution_id"}, "left_anti")
          .as(Encoders.STRING()).limit(5).collectAsList();
      if (!unknown.isEmpty()) {
        throw new BadInputException("training_set has contributions that are not accepted contributions of "
            + a.datanets() + ": " + unknown);
      }
      set = given;
      recordedSnapshot = null;
    }
    set = set.select(lit(a.adapterId()).as("adapter_id"), col("contribution_id")).localCheckpoint();
    // Rows left by an attempt that stopped before its adapter row was written.
    spark.sql("DELETE FROM " + lh.sparkName(Tables.ADAPTER_TRAINING_SET) + " WHERE adapter_id = "
        + IcebergWrites.sqlString(a.adapterId()));
    long size = set.count();
    IcebergWrites.append(set, lh.sparkName(Tables.ADAPTER_TRAINING_SET), Map.of("poa.adapter-id", a.adapterId()));
    Row row = RowFactory.create(a.adapterId(), a.baseModel(), a.owner(),
        CollectionConverters.asScala(a.datanets()).toSeq(), a.rank(), a.alpha(),
        CollectionConverters.asScala(a.targetModules()).toSeq(), a.artifactUri(),
        a.trainingSet() == null ? "datanets" : "explicit", recordedSnapshot, size, Timestamp.from(Instant.now()));
    // Written last: an adapter is registered once this row exists.
    IcebergWrites.append(spark.createDataFrame(List.of(row), spark.table(lh.sparkName(Tables.ADAPTERS)).schema()),
        lh.sparkName(Tables.ADAPTERS), Map.of("poa.adapter-id", a.adapterId()));
    return new Registered(a.adapterId(), size, recordedSnapshot);
  }
}
