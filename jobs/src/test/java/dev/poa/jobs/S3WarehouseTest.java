package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.fixtures.S3Fixture;
import dev.poa.jobs.ingest.IngestJob;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input and warehouse on a real S3-compatible server through S3A, by configuration only. */
@Tag("slow")
class S3WarehouseTest {
  @Test
  void ingestReadsS3InputsAndWritesAnS3Warehouse(@TempDir Path dir) throws Exception {
    try (S3Fixture s3 = S3Fixture.start(dir)) {
      s3.createBucket("lake");
      s3.createBucket("submissions");
      Configuration hadoop = SharedSpark.spark().sparkContext().hadoopConfiguration();
      s3.hadoopSettings().forEach(hadoop::set);

      org.apache.hadoop.fs.Path input = new org.apache.hadoop.fs.Path("s3a://submissions/2026/batch.jsonl");
      FileSystem fs = input.getFileSystem(hadoop);
      try (FSDataOutputStream out = fs.create(input)) {
        out.write((IngestValidationTest.rec("s3-net", "stored on s3", "") + "\n"
            + IngestValidationTest.rec("s3-net", "STORED   on S3", "") + "\n{bad\n").getBytes(StandardCharsets.UTF_8));
      }

      PoaConfig local = new PoaConfig(dir.resolve("lakehouse"), "s3cat", Map.of());
      String p = "spark.sql.catalog.s3cat";
      PoaConfig onS3 = local.with(p + ".warehouse", "s3a://lake/warehouse");
      TestLakehouse t = SharedSpark.lakehouse(onS3);
      IngestJob.Config config =
          new IngestJob.Config(List.of("s3a://submissions/2026/"), null, "s3", false, 4L << 20, IngestFixtures.dedup());
      IngestJob.Result r = IngestFixtures.ingest(t, config);
      assertEquals(3, r.read());
      assertEquals(1, r.accepted());
      assertEquals(1, r.duplicate());
      assertEquals(1, r.rejected());
      String source = t.spark().table(t.table("datanet.submissions")).first().getAs("source_file");
      assertTrue(source.startsWith("s3a://submissions/2026/batch.jsonl"), source);

      long parquetOnS3 = 0;
      RemoteIterator<LocatedFileStatus> it = new org.apache.hadoop.fs.Path("s3a://lake/warehouse").getFileSystem(hadoop)
          .listFiles(new org.apache.hadoop.fs.Path("s3a://lake/warehouse"), true);
      while (it.hasNext()) {
        parquetOnS3 += it.next().getPath().getName().endsWith(".parquet") ? 1 : 0;
      }
      assertTrue(parquetOnS3 >= 4, "data files of every table are on S3: " + parquetOnS3);
      assertEquals(IngestJob.Outcome.ALREADY_INGESTED, IngestFixtures.ingest(t, config).outcome());
    }
  }
}
