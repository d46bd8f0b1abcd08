package dev.poa.jobs;

import static dev.poa.jobs.IngestFixtures.ingest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.ingest.DatanetRegistry;
import dev.poa.jobs.ingest.IngestJob;
import dev.poa.udfs.Signatures;
import dev.poa.udfs.SubmissionValidator;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

class IngestValidationTest {
  static final ECKeyPair KEY = ECKeyPair.create(BigInteger.valueOf(777));
  static final String ADDR = Keys.toChecksumAddress(Keys.getAddress(KEY));

  static String rec(String datanet, String content, String extra) {
    return "{\"datanet\":\"" + datanet + "\",\"contributor\":\"" + ADDR + "\",\"content\":\"" + content
        + "\",\"content_type\":\"text\",\"license\":\"MIT\",\"submitted_at\":\"2026-02-01T00:00:00Z\"" + extra + "}";
  }

  /** Lines (as bytes) and the reason each must get; null = accepted. */
  static List<Map.Entry<byte[], String>> mixedLines() {
    List<Map.Entry<byte[], String>> lines = new ArrayList<>();
    for (Map.Entry<String, String> bad : Corpus.badLines(ADDR)) {
      lines.add(Map.entry(bad.getKey().getBytes(StandardCharsets.UTF_8), bad.getValue()));
    }
    lines.add(Map.entry(rec("open", "valid one", "").getBytes(StandardCharsets.UTF_8), "accepted"));
    lines.add(Map.entry(rec("open", "x".repeat(2000), "").getBytes(StandardCharsets.UTF_8), "content_too_large"));
    lines.add(Map.entry(rec("signed", "unsigned text", "").getBytes(StandardCharsets.UTF_8), "missing_signature"));
    byte[] sha = SubmissionValidator.sha256("signed text".getBytes(StandardCharsets.UTF_8));
    String good = Signatures.sign(sha, KEY);
    String forged = Signatures.sign(sha, ECKeyPair.create(BigInteger.valueOf(778)));
    lines.add(Map.entry(rec("signed", "signed text", ",\"signature\":\"" + good + "\"").getBytes(StandardCharsets.UTF_8), "accepted"));
    lines.add(Map.entry(rec("signed", "signed text 2", ",\"signature\":\"" + forged + "\"").getBytes(StandardCharsets.UTF_8), "signature_mismatch"));
    ByteArrayOutputStream bad = new ByteArrayOutputStream();
    byte[] r = rec("open", "caf\u00e9", "").getBytes(StandardCharsets.UTF_8);
    for (byte b : r) {
      bad.write(b == (byte) 0xA9 ? 0xFF : b); // corrupt the UTF-8 of é
    }
    lines.add(Map.entry(bad.toByteArray(), "invalid_utf8"));
    lines.add(Map.entry(rec("open", "valid two", "").getBytes(StandardCharsets.UTF_8), "accepted"));
    return lines;
  }

  @Test
  void everyJsonlLineEndsInOneStateWithItsReason(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    DatanetRegistry.create(t.lakehouse(), new DatanetRegistry.Datanet("signed", "Signed", "test", List.of(), true));
    List<Map.Entry<byte[], String>> lines = mixedLines();
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}); // a BOM before line 1
    for (int i = 0; i < lines.size(); i++) {
      file.write(lines.get(i).getKey());
      file.write(i % 2 == 0 ? "\r\n".getBytes(StandardCharsets.US_ASCII) : "\n".getBytes(StandardCharsets.US_ASCII));
    }
    Path in = dir.resolve("mixed.jsonl");
    Files.write(in, file.toByteArray());

    IngestJob.Config c = IngestFixtures.config("mixed", in);
    IngestJob.Result r = ingest(t, new IngestJob.Config(c.inputs(), null, "mixed", false, 1000, c.dedup()));
    assertEquals(lines.size(), r.read());
    assertTrue(r.reconciles());
    assertEquals(3, r.accepted());

    Map<Long, Row> byLine = new TreeMap<>();
    for (Row row : t.spark().table(t.table("datanet.submissions")).collectAsList()) {
      byLine.put(row.getAs("source_line"), row);
    }
    assertEquals(lines.size(), byLine.size(), "one row per line, lines numbered 1..n");
    for (int i = 0; i < lines.size(); i++) {
      Row row = byLine.get(i + 1L);
      String expected = lines.get(i).getValue();
      if (expected.equals("accepted")) {
        assertEquals("accepted", row.getAs("status"), "line " + (i + 1) + ": " + row.getAs("message"));
        assertNotNull(row.getAs("contribution_id"));
        assertNull(row.getAs("raw_record"));
      } else {
        assertEquals("rejected", row.getAs("status"), "line " + (i + 1));
        assertEquals(expected, row.getAs("reason"), "line " + (i + 1) + ": " + row.getAs("message"));
        assertNotNull(row.getAs("message"));
        assertNull(row.getAs("contribution_id"));
        byte[] original = lines.get(i).getKey();
        if (expected.equals("invalid_utf8")) {
          assertTrue(java.util.Arrays.equals(original, (byte[]) row.getAs("raw_bytes")), "exact bytes kept");
        } else {
          assertEquals(new String(original, StandardCharsets.UTF_8), row.getAs("raw_record"), "line " + (i + 1));
        }
      }
    }
    assertEquals(Long.valueOf(1), r.rejectedByReason().get("signature_mismatch"));
    Row run = t.spark().table(t.table("datanet.ingest_runs")).first();
    assertEquals(run.<Long>getAs("rows_read"),
        run.<Long>getAs("accepted") + run.<Long>getAs("duplicate") + run.<Long>getAs("near_duplicate") + run.<Long>getAs("rejected"));
  }

  @Test
  void knownDatanetsOnlyRejectsUnregisteredOnes(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    DatanetRegistry.create(t.lakehouse(), new DatanetRegistry.Datanet("legal", "Legal", "legal", List.of("MIT"), false));
    Path in = SharedSpark.write(dir.resolve("k.jsonl"), rec("legal", "a contract", "") + "\n" + rec("other", "b", "") + "\n");
    IngestJob.Config c = IngestFixtures.config("k", in);
    IngestJob.Result r = ingest(t, new IngestJob.Config(c.inputs(), null, "k", true, c.maxContentBytes(), c.dedup()));
    assertEquals(1, r.accepted());
    assertEquals(Map.of("unknown_datanet", 1L), r.rejectedByReason());
    assertEquals(1L, t.spark().table(t.table("datanet.datanets")).count(), "nothing auto-registered");
  }

  @Test
  void unknownDatanetsAreRegisteredWithTheDefaultPolicy(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    Path in = SharedSpark.write(dir.resolve("d.jsonl"), rec("fresh-net", "text", "") + "\n");
    ingest(t, IngestFixtures.config("d", in));
    Row d = t.spark().table(t.table("datanet.datanets")).first();
    assertEquals("fresh-net", d.getAs("id"));
    assertEquals(false, d.getAs("signatures_required"));
    assertEquals("ingest:d", d.getAs("created_by"));
  }

  @Test
  void csvRecordsKeepLinesAndQuotedNewlines(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    String header = "datanet,contributor,content,content_type,license,submitted_at,metadata\n";
    String ok = "open," + ADDR + ",\"line one\nline \"\"two\"\", with comma\",text,MIT,2026-02-01T00:00:00Z,\"{\"\"k\"\":\"\"v\"\"}\"\n";
    String fewer = "open," + ADDR + ",only three\n";
    String stray = "open," + ADDR + ",bad\"quote,text,MIT,2026-02-01T00:00:00Z,\n";
    String noMeta = "open," + ADDR + ",second record,text,MIT,2026-02-01T00:00:00+01:00,\n";
    String badMeta = "open," + ADDR + ",third record,text,MIT,2026-02-01T00:00:00Z,not json\n";
    Path in = SharedSpark.write(dir.resolve("s.csv"), header + ok + fewer + stray + "\n" + noMeta + badMeta);
    IngestJob.Result r = ingest(t, IngestFixtures.config("csv", in));
    assertEquals(6, r.read());
    assertEquals(2, r.accepted());
    assertEquals(Map.of("malformed_csv", 2L, "empty_line", 1L, "wrong_type", 1L), r.rejectedByReason());
    Map<Long, Row> byLine = new TreeMap<>();
    t.spark().table(t.table("datanet.submissions")).collectAsList().forEach(row -> byLine.put(row.getAs("source_line"), row));
    assertEquals(List.of(2L, 4L, 5L, 6L, 7L, 8L), new ArrayList<>(byLine.keySet()), "records numbered by their first line");
    Row first = byLine.get(2L);
    assertEquals("accepted", first.getAs("status"));
    Row content = t.spark().table(t.table("datanet.contributions")).filter("first_submission_id = '" + first.getAs("submission_id") + "'").first();
    assertEquals("line one\nline \"two\", with comma", content.getAs("content"));
    assertEquals("v", content.<scala.collection.Map<String, String>>getAs("metadata").get("k").get());
    assertEquals(fewer.strip(), byLine.get(4L).getAs("raw_record"));
  }

  @Test
  void parquetRowsAreValidatedWithTheirTypes(@TempDir Path dir) {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    StructType good = new StructType().add("datanet", DataTypes.StringType).add("contributor", DataTypes.StringType)
        .add("content", DataTypes.StringType).add("content_type", DataTypes.StringType).add("license", DataTypes.StringType)
        .add("submitted_at", DataTypes.TimestampType)
        .add("metadata", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
    List<Row> rows = List.of(
        RowFactory.create("open", ADDR, "parquet doc one", "text", "MIT", java.sql.Timestamp.valueOf("2026-02-01 10:00:00"),
            scala.collection.immutable.Map$.MODULE$.<String, String>empty()),
        RowFactory.create("open", ADDR, null, "text", "MIT", java.sql.Timestamp.valueOf("2026-02-01 10:00:00"), null));
    t.spark().createDataFrame(rows, good).coalesce(1).write().parquet(dir.resolve("in/a.parquet").toString());
    StructType wrong = new StructType().add("datanet", DataTypes.StringType).add("contributor", DataTypes.StringType)
        .add("content", DataTypes.IntegerType).add("content_type", DataTypes.StringType).add("license", DataTypes.StringType)
        .add("submitted_at", DataTypes.StringType);
    t.spark().createDataFrame(List.of(RowFactory.create("open", ADDR, 5, "text", "MIT", "2026-02-01T00:00:00Z")), wrong)
        .coalesce(1).write().parquet(dir.resolve("in/b.parquet").toString());
    IngestJob.Result r = ingest(t, IngestFixtures.config("pq", dir.resolve("in")));
    assertEquals(3, r.read());
    assertEquals(1, r.accepted());
    assertEquals(Map.of("missing_field", 1L, "wrong_type", 1L), r.rejectedByReason());
    assertEquals("parquet", t.spark().table(t.table("datanet.submissions")).first().getAs("source_format"));
  }
}
