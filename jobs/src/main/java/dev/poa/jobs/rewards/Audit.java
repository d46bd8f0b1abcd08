package dev.poa.jobs.rewards;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

import dev.poa.jobs.PoaSpark;
import dev.poa.jobs.Progress;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.Epochs;
import dev.poa.udfs.rewards.RewardPolicy;
import dev.poa.udfs.rewards.StandardMerkleTree;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Re-derives a finalised epoch from the snapshot ids its manifest recorded (Iceberg time
 * travel, so it works after the tables moved on), under the validation rules it recorded, and
 * compares every payout row, the total, the root and the manifest file with what is stored. Also
 * answers proof requests from the file. Read-only: it takes no lease and runs no DDL.
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
      throw new BadInputException("Epoch " + epoch + " has no manifest (poa rewards --epoch " + epoch + ")");
    }
    return rows.get(0);
  }

  InputStream open(String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(lh.spark().sparkContext().hadoopConfiguration());
    // the manifest's own sha256 is the check; a local filesystem's .crc would only hide what changed
    fs.setVerifyChecksum(false);
    return fs.open(p);
  }

  /** At most this many differing payout rows are listed; the rest are counted. */
  static final int LISTED = 200;

  public Report run(String epochArg, Progress progress) {
    String epoch = Epochs.resolve(epochArg);
    Row m = manifest(epoch);
    RewardPolicy policy = RewardPolicy.parse(m.getAs("policy_json"));
    Map<String, Long> snapshots = new TreeMap<>(CollectionConvertersHelper.toJava(m.getAs("input_snapshots")));
    List<Difference> diffs = new ArrayList<>();
    Map<String, String> refs = refs(epoch, snapshots, diffs, progress);
    if (!diffs.isEmpty()) {
      return new Report(epoch, m.getAs("root"), 0, List.copyOf(diffs));
    }
    progress.step("re-deriving epoch " + epoch + " at the recorded snapshots " + snapshots + " through " + refs.values()
        .stream().distinct().toList());
    RewardRules rules = RewardRules.of(RewardsJob.settingsOf(m));
    try (RewardsJob.Derivation d = new RewardsJob(lh, progress).readingThrough(refs).derive(epoch, policy, rules,
        snapshots)) {
      // every payout row, compared in Spark: derived and stored side by side, keyed by (address, role)
      Dataset<Row> derived = d.payouts().select(col("address"), col("role"), col("amount_wei").as("d_amount"),
          col("cumulative_wei").as("d_cumulative"));
      Dataset<Row> stored = lh.spark().table(lh.sparkName(Tables.EPOCH_PAYOUTS)).filter(col("epoch").equalTo(epoch))
          .select(col("address"), col("role"), col("amount_wei").as("s_amount"), col("cumulative_wei").as("s_cumulative"));
      Dataset<Row> differing = derived.join(stored, new String[] {"address", "role"}, "full_outer")
          .filter(not(col("d_amount").eqNullSafe(col("s_amount")))
              .or(not(col("d_cumulative").eqNullSafe(col("s_cumulative")))));
      // in the shuffle's own partitions: coalesced to one per core, they were packed unevenly (one task of three
      // joined half the rows while the other core idled)
      diffs.addAll(PoaSpark.withSettings(lh.spark(), Map.of("spark.sql.adaptive.coalescePartitions.enabled", "false"),
          () -> rowDifferences(differing)));
      checkRootTotalAndFile(m, d, policy, diffs);
      return new Report(epoch, d.root(), d.payoutRows(), diffs);
    }
  }

  /**
   * The derived root and total against the recorded ones; the manifest file against its recorded
   * sha256 and, byte for byte, against the manifest the epoch derives to, in one read of the file
   * while the derived manifest streams (its hash and the derived manifest's were two passes, and
   * equal hashes said less than equal bytes: where the file differs).
   */
  private void checkRootTotalAndFile(Row m, RewardsJob.Derivation d, RewardPolicy policy, List<Difference> diffs) {
    if (!d.root().equals(m.getAs("root"))) {
      diffs.add(new Difference("different_root", "stored " + m.getAs("root") + ", derived " + d.root()));
    }
    BigInteger total = ((BigDecimal) m.getAs("total_wei")).toBigIntegerExact();
    if (!total.equals(d.totalWei())) {
      diffs.add(new Difference("different_total", "stored " + total + " wei, derived " + d.totalWei()));
    }
    String path = m.getAs("manifest_path");
    try {
      MessageDigest digest = dev.poa.udfs.SubmissionValidator.sha256Digest();
      long differsAt;
      try (InputStream file = new DigestInputStream(open(path), digest)) {
        ComparingOutputStream derived = new ComparingOutputStream(file);
        d.writeManifest(derived, policy);
        differsAt = derived.finish();
      }
      String sha = HexFormat.of().formatHex(digest.digest());
      if (!sha.equals(m.getAs("manifest_sha256"))) {
        diffs.add(new Difference("file_hash_mismatch", path + ": sha256 " + sha + ", recorded " + m.getAs("manifest_sha256")));
      }
      if (differsAt >= 0) {
        String fileRoot;
        try (InputStream in = open(path)) {
          fileRoot = ManifestFile.topLevelString(in, "root");
        }
        diffs.add(new Difference("file_content_differs", path + " is not the manifest the epoch derives to (first"
            + " difference at byte " + differsAt + ")" + (d.root().equals(fileRoot) ? "" : "; its root field is " + fileRoot)));
      }
    } catch (IOException e) {
      diffs.add(new Difference("file_unreadable", path + ": " + e.getMessage()));
    }
  }

  /**
   * Compares the bytes written to it with those of {@code expected}, read as they are written:
   * {@link #finish} gives the offset of the first byte that differs (or where one stream ends before
   * the other), -1 when they are equal, and reads the rest of {@code expected} (for its digest).
   */
  static final class ComparingOutputStream extends OutputStream {
    private final InputStream expected;
    private final byte[] buffer = new byte[1 << 16];
    private long position;
    private long differsAt = -1;

    ComparingOutputStream(InputStream expected) {
      this.expected = expected;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      while (len > 0 && differsAt < 0) {
        int n = expected.readNBytes(buffer, 0, Math.min(len, buffer.length));
        int mismatch = java.util.Arrays.mismatch(b, off, off + n, buffer, 0, n);
        if (mismatch >= 0) {
          differsAt = position + mismatch;
        } else if (n == 0) {
          differsAt = position; // expected ended first
        }
        position += n;
        off += n;
        len -= n;
      }
      position += len;
    }

    /** The first differing offset or -1; the rest of {@code expected} is read. */
    long finish() throws IOException {
      if (differsAt < 0 && expected.read() >= 0) {
        differsAt = position; // expected goes on after what was written
      }
      expected.transferTo(OutputStream.nullOutputStream());
      return differsAt;
    }
  }

  /** The differing payout rows, the first {@link #LISTED} listed and the rest counted. */
  private static List<Difference> rowDifferences(Dataset<Row> differing) {
    List<Difference> diffs = new ArrayList<>();
    long count = 0;
    for (Row r : differing.orderBy("address", "role").limit(LISTED + 1).collectAsList()) {
      count++;
      if (count > LISTED) {
        break;
      }
      String key = r.getString(0) + " " + r.getString(1);
      if (r.isNullAt(4)) {
        diffs.add(new Difference("missing_address", key + ": derived " + r.get(2) + " wei, no stored row"));
      } else if (r.isNullAt(2)) {
        diffs.add(new Difference("added_address", key + ": stored " + r.get(4) + " wei, not derived"));
      } else {
        if (!r.get(2).equals(r.get(4))) {
          diffs.add(new Difference("changed_amount", key + ": stored " + r.get(4) + " wei, derived " + r.get(2)));
        }
        if (!r.get(3).equals(r.get(5))) {
          diffs.add(new Difference("changed_cumulative", key + ": stored " + r.get(5) + " wei, derived " + r.get(3)));
        }
      }
    }
    if (count > LISTED) {
      diffs.add(new Difference("more_rows_differ", (differing.count() - LISTED) + " more payout rows differ (first "
          + LISTED + " listed)"));
    }
    return diffs;
  }

  /** The proof of an address from the epoch's manifest file, checked against the recorded root. */
  public Proof proof(String epochArg, String address) throws IOException {
    String epoch = Epochs.resolve(epochArg);
    Row m = manifest(epoch);
    String path = m.getAs("manifest_path");
    String a = address.toLowerCase(java.util.Locale.ROOT);
    // two streaming passes over the file: find the address's value, then the proof's nodes
    ManifestFile.Entry entry;
    try (InputStream in = open(path)) {
      entry = ManifestFile.find(in, a);
    }
    if (entry == null) {
      throw new BadInputException("Address " + address + " has no leaf in the manifest of epoch " + epoch);
    }
    List<Integer> siblings = StandardMerkleTree.proofIndexes(entry.treeIndex());
    Map<Integer, String> nodes;
    try (InputStream in = open(path)) {
      nodes = ManifestFile.nodes(in, new java.util.HashSet<>(siblings));
    }
    List<String> proof = new ArrayList<>();
    for (int i : siblings) {
      proof.add(nodes.get(i));
    }
    StandardMerkleTree.Leaf leaf = new StandardMerkleTree.Leaf(a, entry.cumulative());
    if (proof.contains(null) || !StandardMerkleTree.processProof(leaf, proof).equals(m.getAs("root"))) {
      throw new IllegalStateException("The manifest file of epoch " + epoch + " does not prove " + a
          + " under the recorded root " + m.getAs("root") + ": run poa audit --epoch " + epoch);
    }
    return new Proof(a, entry.epochAmount(), entry.cumulative(), proof, m.getAs("root"));
  }

  /**
   * How each recorded snapshot is read: through the epoch's tag when it points at that snapshot
   * (the tag is what keeps it from expiry), by id when the epoch was finalised before tags and the
   * snapshot is still there. A tag on another snapshot, or a snapshot gone with no tag, is a
   * difference: the epoch can no longer be re-derived as it was finalised.
   */
  private Map<String, String> refs(String epoch, Map<String, Long> snapshots, List<Difference> diffs, Progress progress) {
    Map<String, String> refs = new TreeMap<>();
    String tag = EpochTags.name(epoch);
    for (Map.Entry<String, Long> e : snapshots.entrySet()) {
      if (e.getValue() < 0) {
        continue;
      }
      org.apache.iceberg.Table t = lh.table(EpochTags.definition(e.getKey()));
      t.refresh();
      switch (EpochTags.protection(t, epoch, e.getValue())) {
        case TAGGED -> refs.put(e.getKey(), tag);
        case TAG_MOVED -> diffs.add(new Difference("tag_moved", e.getKey() + ": tag " + tag + " points at snapshot "
            + t.refs().get(tag).snapshotId() + ", the epoch read " + e.getValue()));
        case UNTAGGED -> {
          progress.step(e.getKey() + ": no tag " + tag + ", reading snapshot " + e.getValue() + " by id ('poa migrate'"
              + " tags it, so that snapshot expiry keeps it)");
          refs.put(e.getKey(), Long.toString(e.getValue()));
        }
        case EXPIRED -> diffs.add(new Difference("snapshot_expired", e.getKey() + ": snapshot " + e.getValue()
            + " that the epoch read was expired and no tag " + tag + " kept it; the epoch cannot be re-derived"));
      }
    }
    return refs;
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
