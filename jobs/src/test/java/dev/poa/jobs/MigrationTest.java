package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.schemas.Column;
import dev.poa.schemas.MigrationResult;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import java.nio.file.Path;
import java.util.List;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {
  static TableDefinition.Builder base() {
    return TableDefinition.builder("test", "evolving")
        .version(1, "initial",
            Column.required("id", Types.LongType.get(), "id"),
            Column.optional("name", Types.StringType.get(), "name"))
        .partitionedBy(s -> PartitionSpec.builderFor(s).bucket("id", 4).build())
        .sortedBy("id");
  }

  static final TableDefinition V1 = base().build();
  static final TableDefinition V2 =
      base().version(2, "add score and tags",
              Column.optional("score", Types.DoubleType.get(), "score"),
              Column.optional("tags", Types.MapType.ofOptional(900, 901, Types.StringType.get(), Types.StringType.get()), "tags"))
          .build();

  @Test
  void addingColumnsEvolvesTheTableInPlaceWithoutRewritingData(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    MigrationResult created = t.lakehouse().migrate(List.of(V1));
    assertEquals(0, created.steps().get(0).fromVersion());
    String name = t.table("test.evolving");
    t.spark().sql("INSERT INTO " + name + " VALUES (1, 'a'), (2, 'b')");
    List<Row> filesBefore = t.spark().sql("SELECT file_path FROM " + name + ".files ORDER BY file_path").collectAsList();
    long snapshotBefore = t.lakehouse().table(V1).currentSnapshot().snapshotId();

    MigrationResult migrated = t.lakehouse().migrate(List.of(V2));
    assertEquals(1, migrated.steps().get(0).fromVersion());
    assertEquals(2, migrated.steps().get(0).toVersion());
    Table table = t.lakehouse().table(V2);
    assertEquals("2", table.properties().get(TableDefinition.SCHEMA_VERSION_PROPERTY));
    assertEquals(snapshotBefore, table.currentSnapshot().snapshotId(), "no data rewritten: same snapshot");
    assertEquals(filesBefore, t.spark().sql("SELECT file_path FROM " + name + ".files ORDER BY file_path").collectAsList());
    Row old = t.spark().sql("SELECT * FROM " + name + " WHERE id = 1").first();
    assertNull(old.getAs("score"));
    t.spark().sql("INSERT INTO " + name + " VALUES (3, 'c', 0.5, map('k', 'v'))");
    assertEquals(0.5, t.spark().sql("SELECT score FROM " + name + " WHERE id = 3").first().getDouble(0));
    assertTrue(table.spec().isPartitioned());

    MigrationResult again = t.lakehouse().migrate(List.of(V2));
    assertEquals(0, again.changedCount(), "idempotent");
  }

  @Test
  void aLakehouseNewerThanTheCodeIsRefused(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    t.lakehouse().migrate(List.of(V2));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.lakehouse().migrate(List.of(V1)));
    assertTrue(e.getMessage().contains("upgrade poa"), e.getMessage());
  }

  @Test
  void everyTableIsCreatedWithItsLayout(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    t.lakehouse().migrate();
    Table submissions = t.lakehouse().table(Tables.SUBMISSIONS);
    assertEquals(List.of("datanet", "ingested_at_day"),
        submissions.spec().fields().stream().map(f -> f.name()).toList());
    assertEquals(3, submissions.sortOrder().fields().size());
    assertEquals("zstd", submissions.properties().get("write.parquet.compression-codec"));
    for (TableDefinition d : Tables.ALL) {
      assertEquals(d.currentSchema().asStruct().fields().size(), t.lakehouse().table(d).schema().columns().size(), d.qualifiedName());
    }
    assertEquals(0, t.lakehouse().migrate().changedCount());
  }
}
