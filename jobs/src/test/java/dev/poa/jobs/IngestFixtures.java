package dev.poa.jobs;

import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.ingest.Deduplication;
import dev.poa.jobs.ingest.IngestJob;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/** Helpers shared by the ingest tests. */
public final class IngestFixtures {
  private IngestFixtures() {}

  public static Deduplication.Settings dedup() {
    return Deduplication.Settings.defaults();
  }

  public static IngestJob.Config config(String batchId, Path... inputs) {
    return new IngestJob.Config(
        java.util.Arrays.stream(inputs).map(Path::toString).toList(), null, batchId, false, 4L << 20, dedup());
  }

  public static IngestJob.Result ingest(TestLakehouse t, IngestJob.Config config) {
    return new IngestJob(t.lakehouse(), Progress.SILENT).run(config);
  }

  /** submissions of a batch, keyed by metadata['key'] (set by the test data). */
  public static Map<String, Row> byKey(TestLakehouse t, String batchId) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : t.spark().table(t.table("datanet.submissions")).filter("batch_id = '" + batchId + "'").collectAsList()) {
      scala.collection.Map<String, String> md = r.getAs("metadata");
      String key = md == null || md.get("key").isEmpty() ? String.valueOf(r.<Object>getAs("source_line")) : md.get("key").get();
      out.put(key, r);
    }
    return out;
  }

  /**
   * Ingests {@code docs} generated prose contributions of about {@code words} words into the
   * DataNet "notes" (4 contributors) and registers adapter "ad" over it; returns the
   * contributions (contribution_id, content, contributor) by id.
   */
  public static List<Row> notesWithAdapter(TestLakehouse t, java.nio.file.Path dir, long seed, int docs, int words) {
    dev.poa.jobs.demo.Corpus corpus = new dev.poa.jobs.demo.Corpus(seed, 4, false);
    List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < docs; i++) {
      lines.add(corpus.toJsonLine(corpus.doc("c" + i, "original", "notes", i % 4, "text", corpus.prose(words),
          java.time.Instant.parse("2026-03-01T00:00:00Z").plusSeconds(i))));
    }
    ingest(t, config("b1", dev.poa.SharedSpark.write(dir.resolve("b1.jsonl"), String.join("\n", lines) + "\n")));
    notesWithAdapterOn(t);
    return t.spark().sql("SELECT contribution_id, content, contributor FROM " + t.table("datanet.contributions")
        + " ORDER BY contribution_id").collectAsList();
  }

  /** Registers adapter "ad" over the contributions of DataNet "notes" already ingested. */
  public static void notesWithAdapterOn(TestLakehouse t) {
    notesAdapterOn(t, "ad");
  }

  /** Registers an adapter over DataNet "notes". */
  public static void notesAdapterOn(TestLakehouse t, String adapterId) {
    dev.poa.jobs.serving.AdapterRegistry.register(t.lakehouse(), dev.poa.udfs.AdapterSpec.parse(
        InferenceLogsTest.adapter(adapterId, "").replace("\"news\"", "\"notes\"")));
  }

  /** The current snapshot of every data table (not the lease, which every writer commits to). */
  public static List<Long> snapshotIds(TestLakehouse t) {
    return dev.poa.schemas.Tables.ALL.stream().filter(d -> d != dev.poa.schemas.Tables.LAKEHOUSE_LEASE)
        .map(d -> t.lakehouse().currentSnapshotId(d)).toList();
  }

  /** Registers a validator for DataNets from a time, open-ended. */
  public static void validator(TestLakehouse t, String address, String from, String... datanets) {
    dev.poa.jobs.rewards.ValidatorRegistry.add(t.lakehouse(), new dev.poa.jobs.rewards.ValidatorRegistry.Registration(
        address, List.of(datanets), java.time.Instant.parse(from), null, "test"), dev.poa.jobs.Progress.SILENT);
  }

  /** An attestation record signed (EIP-712, the test chain id) by {@code key}, naming {@code validator}. */
  public static String attestation(org.web3j.crypto.ECKeyPair key, String validator, String contribution, String verdict,
      String at) {
    return "{\"validator\":\"" + validator + "\",\"contribution_id\":\"" + contribution + "\",\"verdict\":\"" + verdict
        + "\",\"attested_at\":\"" + at + "\",\"signature\":\"" + dev.poa.udfs.AttestationTypedData.sign(
            dev.poa.jobs.rewards.ValidationIngestJob.DEFAULT_CHAIN_ID, validator, contribution, verdict,
            java.time.Instant.parse(at), key) + "\"}";
  }

  /** Ingests attestation lines as one batch. */
  public static dev.poa.jobs.rewards.ValidationIngestJob.Result attestations(TestLakehouse t, java.nio.file.Path dir,
      String batch, List<String> lines) {
    return new dev.poa.jobs.rewards.ValidationIngestJob(t.lakehouse(), dev.poa.jobs.Progress.SILENT).run(
        dev.poa.jobs.rewards.ValidationIngestJob.Config.of(List.of(dev.poa.SharedSpark.write(dir.resolve(batch + ".jsonl"),
            String.join("\n", lines) + "\n").toString()), null, batch));
  }

  /** One 4-wide sketch per contribution of {@code training} (contribution_id first), for adapter "ad". */
  public static List<String> gradientLines(List<Row> training) {
    List<String> grads = new java.util.ArrayList<>();
    for (Row r : training) {
      grads.add("{\"contribution_id\":\"" + r.getString(0) + "\",\"sketch\":[1,0,0,1],\"sketch_spec\":\"rp1:k=4:seed=42\"}");
    }
    return grads;
  }
}
