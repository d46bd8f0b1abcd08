package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.fixtures.RestCatalogProcess;
import dev.poa.jobs.ingest.IngestJob;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same ingest through an Iceberg REST catalog, by configuration only. */
@Tag("slow")
class RestCatalogTest {
  @Test
  void ingestCommitsThroughARestCatalog(@TempDir Path dir) throws Exception {
    String flags = System.getProperty("poa.jvm.flags", "");
    try (RestCatalogProcess rest = RestCatalogProcess.start(dir, flags)) {
      String p = "spark.sql.catalog.restcat";
      PoaConfig config = new PoaConfig(dir.resolve("lakehouse"), "restcat", Map.of(
          p + ".type", "rest",
          p + ".uri", rest.uri()));
      TestLakehouse t = SharedSpark.lakehouse(config);
      Path in = SharedSpark.write(dir.resolve("in.jsonl"),
          IngestValidationTest.rec("rest-net", "catalog behind a REST API", "") + "\n"
              + IngestValidationTest.rec("rest-net", "Catalog  behind a REST API", "") + "\n");
      IngestJob.Result r = IngestFixtures.ingest(t, IngestFixtures.config("rest", in));
      assertEquals(1, r.accepted());
      assertEquals(1, r.duplicate());
      assertEquals(IngestJob.Outcome.ALREADY_INGESTED, IngestFixtures.ingest(t, IngestFixtures.config("rest", in)).outcome());
      HttpResponse<String> tables = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(rest.uri() + "/v1/namespaces/datanet/tables")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, tables.statusCode());
      assertTrue(tables.body().contains("\"submissions\"") && tables.body().contains("\"ingest_runs\""), tables.body());
      assertEquals(2L, t.spark().table(t.table("datanet.submissions")).count());
    }
  }
}
