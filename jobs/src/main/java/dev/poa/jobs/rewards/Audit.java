package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.jobs.Progress;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.Epochs;
import dev.poa.udfs.SubmissionValidator;
import dev.poa.udfs.rewards.RewardPolicy;
import dev.poa.udfs.rewards.StandardMerkleTree;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;

/**
 * Re-derives a finalised epoch from the snapshot ids its manifest recorded (Iceberg time
 * travel, so it works after the tables moved on) and compares every payout row, the total, the
 * root and the manifest file with what is stored. Also answers proof requests from the file.
 */
public final class Audit {
  /** One discrepancy: kind (changed_amount, added_address, missing_address, different_root, ...) and detail. */
  public record Difference(String kind, String detail) {}

  public record Report(String epoch, String root, long rowsChecked, List<Difference> differences) {
    public boolean clean() {
      return differences.isEmpty();
    }
  }

  public record Proof(String address, BigInteger epochAmount, BigInteger cumulative, List<String> proof, String root) {}

  private final Lakehouse lh;

  public Audit(Lakehouse lh) {
    this.lh = lh;
  }

  Row manifest(String epoch) {
    List<Row> rows = lh.spark().table(lh.sparkName(Tables.MANIFESTS)).filter(col("epoch").equalTo(epoch)).collectAsList();
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("Epoch " + epoch + " has no manifest (poa rewards --epoch " + epoch + ")");
    }
    return rows.get(0);
  }

  byte[] read(String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(lh.spark().sparkContext().hadoopConfiguration());
    // the manifest's own sha256 is the check; a local filesystem's .crc would only hide what changed
    fs.setVerifyChecksum(false);
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  public Report run(String epochArg, Progress progress) {
    lh.migrate();
    String epoch = Epochs.resolve(epochArg);
    Row m = manifest(epoch);
    RewardPolicy policy = RewardPolicy.parse(m.getAs("policy_json"));
    Map<String, Long> snapshots = new TreeMap<>(CollectionConvertersHelper.toJava(m.getAs("input_snapshots")));
    progress.step("re-deriving epoch " + epoch + " at the recorded snapshots " + snapshots);
    RewardsJob.Derived d = new RewardsJob(lh, progress).derive(epoch, policy, snapshots);
    List<Difference> diffs = new ArrayList<>();
    Map<String, Row> stored = new TreeMap<>();
    for (Row r : lh.spark().table(lh.sparkName(Tables.EPOCH_PAYOUTS)).filter(col("epoch").equalTo(epoch)).collectAsList()) {
      stored.put(r.getString(1) + " " + r.getString(2), r);
    }
    for (RewardsJob.Payout p : d.payouts()) {
      String key = p.address() + " " + p.role();
      Row s = stored.remove(key);
      if (s == null) {
        diffs.add(new Difference("missing_address", key + ": derived " + p.amount() + " wei, no stored row"));
        continue;
      }
      BigInteger amount = ((BigDecimal) s.getAs("amount_wei")).toBigIntegerExact();
      BigInteger cumulative = ((BigDecimal) s.getAs("cumulative_wei")).toBigIntegerExact();
      if (!amount.equals(p.amount())) {
        diffs.add(new Difference("changed_amount", key + ": stored " + amount + " wei, derived " + p.amount()));
      }
      if (!cumulative.equals(p.cumulative())) {
        diffs.add(new Difference("changed_cumulative", key + ": stored " + cumulative + " wei, derived " + p.cumulative()));
      }
    }
    stored.forEach((k, r) -> diffs.add(new Difference("added_address", k + ": stored " + r.getAs("amount_wei")
        + " wei, not derived")));
    if (!d.tree().root().equals(m.getAs("root"))) {
      diffs.add(new Difference("different_root", "stored " + m.getAs("root") + ", derived " + d.tree().root()));
    }
    BigInteger total = ((BigDecimal) m.getAs("total_wei")).toBigIntegerExact();
    if (!total.equals(d.totalWei())) {
      diffs.add(new Difference("different_total", "stored " + total + " wei, derived " + d.totalWei()));
    }
    String path = m.getAs("manifest_path");
    try {
      byte[] bytes = read(path);
      String sha = HexFormat.of().formatHex(SubmissionValidator.sha256(bytes));
      if (!sha.equals(m.getAs("manifest_sha256"))) {
        diffs.add(new Difference("file_hash_mismatch", path + ": sha256 " + sha + ", recorded " + m.getAs("manifest_sha256")));
      }
      String expected = RewardsJob.manifestJson(d, policy);
      if (!expected.equals(new String(bytes, StandardCharsets.UTF_8))) {
        JsonNode file = new ObjectMapper().readTree(bytes);
        String fileRoot = file.path("root").asText();
        diffs.add(new Difference("file_content_differs", path + " is not the manifest the epoch derives to"
            + (fileRoot.equals(d.tree().root()) ? "" : " (its root field is " + fileRoot + ")")));
      }
    } catch (IOException e) {
      diffs.add(new Difference("file_unreadable", path + ": " + e.getMessage()));
    }
    return new Report(epoch, d.tree().root(), d.payouts().size(), diffs);
  }

  /** The proof of an address from the epoch's manifest file, checked against the recorded root. */
  public Proof proof(String epochArg, String address) throws IOException {
    lh.migrate();
    String epoch = Epochs.resolve(epochArg);
    Row m = manifest(epoch);
    JsonNode file = new ObjectMapper().readTree(read(m.getAs("manifest_path")));
    List<StandardMerkleTree.Leaf> leaves = new ArrayList<>();
    int index = -1;
    String a = address.toLowerCase(java.util.Locale.ROOT);
    for (JsonNode v : file.path("values")) {
      StandardMerkleTree.Leaf leaf = new StandardMerkleTree.Leaf(v.path("value").get(0).asText(),
          new BigInteger(v.path("value").get(1).asText()));
      if (leaf.address().equals(a)) {
        index = leaves.size();
      }
      leaves.add(leaf);
    }
    if (index < 0) {
      throw new IllegalArgumentException("Address " + address + " has no leaf in the manifest of epoch " + epoch);
    }
    StandardMerkleTree tree = StandardMerkleTree.of(leaves);
    if (!tree.root().equals(m.getAs("root"))) {
      throw new IllegalStateException("The manifest file of epoch " + epoch + " gives root " + tree.root()
          + ", not the recorded " + m.getAs("root") + ": run poa audit --epoch " + epoch);
    }
    BigInteger epochAmount = BigInteger.ZERO;
    for (JsonNode p : file.path("payouts")) {
      if (p.path("address").asText().equals(a)) {
        epochAmount = epochAmount.add(new BigInteger(p.path("amount_wei").asText()));
      }
    }
    return new Proof(a, epochAmount, leaves.get(index).amount(), tree.proof(index), tree.root());
  }

  /** Scala map of the Iceberg row → Java map. */
  static final class CollectionConvertersHelper {
    static Map<String, Long> toJava(scala.collection.Map<String, Object> m) {
      Map<String, Long> out = new TreeMap<>();
      scala.jdk.javaapi.CollectionConverters.asJava(m).forEach((k, v) -> out.put(k, ((Number) v).longValue()));
      return out;
    }
  }
}
