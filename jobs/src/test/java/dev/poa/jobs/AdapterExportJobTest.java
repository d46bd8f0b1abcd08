package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.export.AdapterExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.sql.Encoders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** poa adapters sample + poa export-adapters from the lakehouse, as a user runs them. */
class AdapterExportJobTest {
  @Test
  void samplesExportWithProvenanceAndBadOnesAreReportedWhileTheOthersExport(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    IngestFixtures.notesWithAdapter(t, dir, 3, 12, 30); // also registers "ad", whose artifact URI holds no files
    String cat = t.config().catalogName();
    CliTest.Run sample = CliTest.poa(t.warehouse(), cat, "adapters", "sample", "--base", "micro-llama", "--count", "3",
        "--datanet", "notes", "--rank", "4", "--dir", dir.resolve("artifacts").toString());
    assertEquals(0, sample.code(), sample.err());
    assertTrue(sample.out().contains("sample-micro-llama-1, sample-micro-llama-2, sample-micro-llama-3"), sample.out());
    Path weights2 = dir.resolve("artifacts/sample-micro-llama-2").resolve(AdapterExport.WEIGHTS);
    byte[] w = Files.readAllBytes(weights2);
    Files.write(weights2, java.util.Arrays.copyOf(w, w.length / 2));

    Path fleet = dir.resolve("fleet");
    CliTest.Run export = CliTest.poa(t.warehouse(), cat, "export-adapters", "--all", "--out", fleet.toString(), "--dtype", "bf16");
    assertEquals(6, export.code(), export.out() + export.err());
    assertTrue(export.out().lines().anyMatch(l -> l.startsWith("sample-micro-llama-1 ") && l.contains(" exported ")
        && l.contains("BF16: max abs error")), export.out());
    assertTrue(export.out().lines().anyMatch(l -> l.startsWith("sample-micro-llama-2 ") && l.contains("FAILED")
        && l.contains("truncated_file")), export.out());
    assertTrue(export.out().lines().anyMatch(l -> l.startsWith("ad ") && l.contains("fetch_failed")), export.out());
    assertTrue(export.out().contains("2 exported, 0 unchanged, 2 failed"), export.out());

    // provenance from the lakehouse: training set's root, size, snapshot and licenses
    JsonNode m = new ObjectMapper().readTree(fleet.resolve("sample-micro-llama-1").resolve(AdapterExport.MANIFEST).toFile());
    List<String> ids = t.spark().sql("SELECT contribution_id FROM " + t.table("models.adapter_training_set")
        + " WHERE adapter_id = 'sample-micro-llama-1'").as(Encoders.STRING()).collectAsList();
    assertEquals(12, ids.size());
    JsonNode p = m.path("provenance");
    assertEquals(dev.poa.udfs.rewards.StandardMerkleTree.ofLeafHashes(new TreeSet<>(ids).stream()
        .map(dev.poa.udfs.rewards.StandardMerkleTree::stringLeafHash).toArray(byte[][]::new)).root(),
        p.path("training_set_root").asText());
    assertEquals(12, p.path("training_set_size").asInt());
    Long snapshot = t.spark().sql("SELECT training_set_snapshot_id FROM " + t.table("models.adapters")
        + " WHERE adapter_id = 'sample-micro-llama-1'").as(Encoders.LONG()).first();
    assertEquals(snapshot.longValue(), p.path("training_set_snapshot_id").asLong());
    List<String> licenses = t.spark().sql("SELECT DISTINCT license FROM " + t.table("datanet.contributions")
        + " ORDER BY license").as(Encoders.STRING()).collectAsList();
    assertEquals(licenses, new ObjectMapper().convertValue(p.path("licenses"), List.class));
    assertEquals(List.of("notes"), new ObjectMapper().convertValue(p.path("datanets"), List.class));
    assertEquals("BF16", m.path("dtype").asText());
    JsonNode index = new ObjectMapper().readTree(fleet.resolve(AdapterExport.INDEX).toFile());
    assertEquals(2, index.path("base_models").path("poa/micro-llama").size());

    // the rerun skips what is unchanged; an unknown id is a usage error with the id named
    CliTest.Run again = CliTest.poa(t.warehouse(), cat, "export-adapters", "--adapters",
        "sample-micro-llama-1,sample-micro-llama-3", "--out", fleet.toString(), "--dtype", "bf16");
    assertEquals(0, again.code(), again.out() + again.err());
    assertTrue(again.out().contains("0 exported, 2 unchanged, 0 failed"), again.out());
    CliTest.Run unknown = CliTest.poa(t.warehouse(), cat, "export-adapters", "--adapters", "nope", "--out", fleet.toString());
    assertEquals(3, unknown.code());
    assertTrue(unknown.err().contains("nope"), unknown.err());
  }
}
