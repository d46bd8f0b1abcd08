package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.fixtures.PostgresFixture;
import dev.poa.jobs.ingest.IngestJob;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same ingest on an Iceberg JDBC catalog in a real PostgreSQL, by configuration only. */
@Tag("slow")
class PostgresCatalogTest {
  @Test
  void ingestCommitsThroughAPostgresCatalog(@TempDir Path dir) throws Exception {
    try (PostgresFixture pg = PostgresFixture.start(dir)) {
      String p = "spark.sql.catalog.pgcat";
      PoaConfig config = new PoaConfig(dir.resolve("lakehouse"), "pgcat", Map.of(
          p + ".uri", pg.jdbcUrl(),
          p + ".jdbc.user", pg.user(),
          p + ".jdbc.password", pg.password()));
      TestLakehouse t = SharedSpark.lakehouse(config);
      Path in = SharedSpark.write(dir.resolve("in.jsonl"),
          IngestValidationTest.rec("pg-net", "catalog in postgres", "") + "\n[]\n");
      IngestJob.Result r = IngestFixtures.ingest(t, IngestFixtures.config("pg", in));
      assertEquals(1, r.accepted());
      assertEquals(1, r.rejected());
      assertEquals(IngestJob.Outcome.ALREADY_INGESTED, IngestFixtures.ingest(t, IngestFixtures.config("pg", in)).outcome());
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
          ResultSet rs = c.createStatement().executeQuery(
              "SELECT count(*) FROM iceberg_tables WHERE catalog_name = 'pgcat' AND table_namespace = 'datanet'")) {
        rs.next();
        long datanetTables = dev.poa.schemas.Tables.ALL.stream().filter(d -> d.namespace().equals("datanet")).count();
        assertEquals(datanetTables, rs.getInt(1), "every datanet table is registered in PostgreSQL");
      }
      assertEquals(2L, t.spark().table(t.table("datanet.submissions")).count());
    }
  }
}
