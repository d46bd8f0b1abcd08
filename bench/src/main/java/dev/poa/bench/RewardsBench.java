package dev.poa.bench;

import dev.poa.jobs.IcebergWrites;
import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.PoaSpark;
import dev.poa.jobs.Progress;
import dev.poa.jobs.rewards.Audit;
import dev.poa.jobs.rewards.RewardsJob;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import dev.poa.udfs.rewards.RewardPolicy;
import dev.poa.udfs.rewards.StandardMerkleTree;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Manifest build for a large epoch, in local[2]: {@code poa rewards} (pinned reads, exact
 * splits, payout rows, leaf hashes on the executors, the tree on the driver, the manifest file
 * streamed, the Iceberg commits) for R recipients, with its wall time and the JVM's peak heap
 * (driver and executors share it in local mode). Baselines in the same run: the bare tree (the
 * same number of leaves hashed and built in memory, one thread) and a Spark floor (the score rows
 * summed per contributor and written as Parquet; once more as the first query of a JVM of its own,
 * {@link #coldFloor}). Then {@code poa audit} and
 * {@code poa manifest proof} on the result, and {@code poa rewards} once more in the same JVM, on a
 * second lakehouse seeded with the same rows: the command with its code already compiled.
 */
public final class RewardsBench {
  static final String EPOCH = "2026-07-01";
  static final Timestamp NOW = Timestamp.from(Instant.parse("2026-07-01T12:00:00Z"));
  static final int PARTITIONS = 8;

  public static void main(String[] args) throws Exception {
    int recipients = 1_000_000;
    int adapters = 100;
    if (args.length == 4 && args[0].equals(COLD_FLOOR)) {
      coldFloorChild(Path.of(args[1]), args[2], Path.of(args[3]));
      return;
    }
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--recipients" -> recipients = Integer.parseInt(args[++i]);
        case "--adapters" -> adapters = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path out = Files.createTempDirectory("poa-bench-rewards-");
    PoaSpark.localSession("poa-bench", "local[2]", PARTITIONS)
        .getOrCreate().sparkContext().setLogLevel("WARN");
    PoaConfig config = new PoaConfig(out.resolve("lakehouse"), "bench", Map.of());
    Lakehouse lh = Lakehouse.of(PoaSpark.session(config), config.catalogName());
    lh.migrate();
    // every request credits 4 contributors; contributor c appears in two requests
    int requests = recipients / 2;
    System.err.printf("[bench] rewards: writing %,d inferences, %,d score rows, %d adapters%n", requests, requests * 4L,
        adapters);
    BigInteger fees = seed(lh, requests, recipients, adapters);
    String treasury = address(Long.MAX_VALUE);
    RewardPolicy policy = RewardPolicy.defaults(treasury);

    List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).toList();
    System.gc();
    heap.forEach(MemoryPoolMXBean::resetPeakUsage);
    HeapSampler sampler = new HeapSampler();
    sampler.start();
    ProcessCost before = ProcessCost.now();
    long t0 = System.nanoTime();
    RewardsJob.Result r = new RewardsJob(lh, Progress.to(System.err, "rewards"))
        .run(new RewardsJob.Config(EPOCH, policy, out.resolve("manifests").toUri().toString()));
    double jobSecs = (System.nanoTime() - t0) / 1e9;
    ProcessCost.log("rewards", "poa rewards", jobSecs, before);
    sampler.interrupt();
    sampler.join();
    long poolPeaks = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    if (!r.totalWei().equals(fees)) {
      throw new IllegalStateException("total " + r.totalWei() + " != fees " + fees);
    }
    long fileBytes = Files.size(Path.of(java.net.URI.create(r.manifestPath())));

    double treeSecs = bareTree((int) r.recipients());
    double floorSecs = sparkFloor(lh, out);
    double coldFloorSecs = coldFloor(out.resolve("lakehouse"), config.catalogName(), out);
    double[] keccak = keccakSeconds(2 * (int) r.recipients());

    ProcessCost beforeAudit = ProcessCost.now();
    long t1 = System.nanoTime();
    Audit.Report report = new Audit(lh).run(EPOCH, Progress.to(System.err, "audit"));
    double auditSecs = (System.nanoTime() - t1) / 1e9;
    ProcessCost.log("audit", "poa audit", auditSecs, beforeAudit);
    if (!report.clean()) {
      throw new IllegalStateException("audit not clean: " + report.differences());
    }
    long t2 = System.nanoTime();
    Audit.Proof proof = new Audit(lh).proof(EPOCH, address(1));
    double proofSecs = (System.nanoTime() - t2) / 1e9;
    if (!StandardMerkleTree.processProof(new StandardMerkleTree.Leaf(proof.address(), proof.cumulative()), proof.proof())
        .equals(r.root())) {
      throw new IllegalStateException("proof does not verify");
    }

    // The same command again in this JVM, on a lakehouse of its own seeded with the same rows: its code was
    // compiled by the first run (the JIT's share of the first run is the difference); the same root is required.
    PoaConfig againConfig = new PoaConfig(out.resolve("lakehouse-2"), "bench2", Map.of());
    Lakehouse againLh = Lakehouse.of(PoaSpark.session(againConfig), againConfig.catalogName());
    againLh.migrate();
    seed(againLh, requests, recipients, adapters);
    System.gc();
    ProcessCost beforeAgain = ProcessCost.now();
    long t3 = System.nanoTime();
    RewardsJob.Result again = new RewardsJob(againLh, Progress.to(System.err, "rewards, second run"))
        .run(new RewardsJob.Config(EPOCH, policy, out.resolve("manifests-2").toUri().toString()));
    double againSecs = (System.nanoTime() - t3) / 1e9;
    ProcessCost.log("rewards, second run", "poa rewards", againSecs, beforeAgain);
    if (!again.root().equals(r.root()) || !again.totalWei().equals(fees)) {
      throw new IllegalStateException("the second run of poa rewards gave root " + again.root() + " and total "
          + again.totalWei() + ", not " + r.root() + " and " + fees);
    }

    long maxHeap = Runtime.getRuntime().maxMemory();
    System.out.println("| what | size | seconds | peak heap | baseline in the same run | ratio |");
    System.out.println("|---|---|---:|---:|---:|---:|");
    System.out.printf("| poa rewards: derive, payouts, tree, manifest file, commits | %,d recipients, %,d payout rows, %,d inferences; manifest %,d MB | %.1f | %,d MB sampled (pool peaks %,d MB; -Xmx %,d MB) | bare tree in memory: %.1f s | %.1f |%n",
        r.recipients(), report.rowsChecked(), requests, fileBytes >> 20, jobSecs, sampler.max.get() >> 20, poolPeaks >> 20,
        maxHeap >> 20, treeSecs, jobSecs / treeSecs);
    System.out.printf("| same | same | same | same | Spark floor (sum score rows per contributor, write Parquet): %.1f s | %.1f |%n",
        floorSecs, jobSecs / floorSecs);
    System.out.printf("| same | same | same | same | Spark floor run first in a JVM of its own (its code not yet compiled): %.1f s | %.1f |%n",
        coldFloorSecs, jobSecs / coldFloorSecs);
    System.out.printf("| poa audit: re-derive at the pinned snapshots, compare every row, hash and re-stream the manifest | same | %.1f | | | |%n",
        auditSecs);
    System.out.printf("| poa manifest proof (two streaming passes over the file) | one address | %.1f | | | |%n", proofSecs);
    System.out.printf("| poa rewards again, same JVM, a second lakehouse with the same rows (its code compiled by the first) | same | %.1f | | Spark floor: %.1f s | %.1f |%n",
        againSecs, floorSecs, againSecs / floorSecs);
    System.out.printf("| keccak256 of 64-byte inputs (a leaf's first hash, a node), one thread: Keccak256 | %,d hashes | %.2f | | BouncyCastle (web3j Hash.sha3): %.2f s | %.2f |%n",
        2 * r.recipients(), keccak[0], keccak[1], keccak[0] / keccak[1]);
    System.out.printf("%npeak heap: %,d MB sampled, sum of pool peaks %,d MB, -Xmx %,d MB%n%n", sampler.max.get() >> 20,
        poolPeaks >> 20, maxHeap >> 20);
    long n = r.recipients();
    Figures.print("rewards", "poa rewards, against the Spark floor", n, "recipients", jobSecs, jobSecs, "s", floorSecs,
        jobSecs / floorSecs, 5.0);
    Figures.print("rewards", "poa rewards, against the Spark floor run first in a JVM of its own", n, "recipients",
        jobSecs, jobSecs, "s", coldFloorSecs, jobSecs / coldFloorSecs, null);
    Figures.print("rewards", "poa rewards, against the bare tree", n, "recipients", jobSecs, jobSecs, "s", treeSecs,
        jobSecs / treeSecs, null);
    Figures.print("rewards", "poa rewards, peak heap", n, "recipients", jobSecs, sampler.max.get() / 1048576.0, "MB",
        maxHeap / 1048576.0, sampler.max.get() / (double) maxHeap, 1.0);
    Figures.print("rewards", "poa audit, against the Spark floor", n, "recipients", auditSecs, auditSecs, "s", floorSecs,
        auditSecs / floorSecs, 5.0);
    Figures.print("rewards", "poa rewards, second run in the same JVM", n, "recipients", againSecs, againSecs, "s",
        floorSecs, againSecs / floorSecs, null);
    Figures.print("rewards", "poa manifest proof", n, "recipients", proofSecs, proofSecs, "s", null, null, null);
    Figures.print("rewards", "Spark floor", n, "recipients", floorSecs, floorSecs, "s", null, null, null);
    Figures.print("rewards", "Spark floor, run first in a JVM of its own", n, "recipients", coldFloorSecs, coldFloorSecs,
        "s", null, null, null);
    Figures.print("rewards", "keccak256 of 64 bytes, against BouncyCastle", 2 * n, "hashes", keccak[0], keccak[0], "s",
        keccak[1], keccak[0] / keccak[1], null);
    ExportBench.deleteTree(out); // two lakehouses and two manifests, ~1 GB at 1M recipients (a failed run keeps them)
  }

  /**
   * Seconds to hash {@code n} random 64-byte inputs on one thread with {@link dev.poa.udfs.rewards.Keccak256} and
   * with web3j's {@code Hash.sha3} (BouncyCastle), each after a first pass that lets the JIT compile it; the
   * digests must agree.
   */
  static double[] keccakSeconds(int n) {
    byte[][] inputs = new byte[n][64];
    java.util.Random random = new java.util.Random(5);
    for (byte[] in : inputs) {
      random.nextBytes(in);
    }
    double[] seconds = new double[2];
    long[] check = new long[2];
    for (int pass = 0; pass < 2; pass++) {
      for (int which = 0; which < 2; which++) {
        long t0 = System.nanoTime();
        long x = 0;
        for (byte[] in : inputs) {
          byte[] h = which == 0 ? dev.poa.udfs.rewards.Keccak256.hash(in) : org.web3j.crypto.Hash.sha3(in);
          x = x * 31 + h[0] + h[31];
        }
        seconds[which] = (System.nanoTime() - t0) / 1e9;
        check[which] = x;
      }
    }
    if (check[0] != check[1]) {
      throw new IllegalStateException("Keccak256 and Hash.sha3 disagree");
    }
    return seconds;
  }

  static String address(long i) {
    // spread the addresses over the key space, so that sort order is not generation order
    return String.format("0x%040x", (i * 0x9E3779B97F4A7C15L) & Long.MAX_VALUE);
  }

  /** Writes the epoch's adapters, logs, summaries and scores; returns the fees. */
  static BigInteger seed(Lakehouse lh, int requests, int recipients, int adapters) {
    SparkSession spark = lh.spark();
    List<Row> adapterRows = new ArrayList<>();
    for (int a = 0; a < adapters; a++) {
      adapterRows.add(RowFactory.create("ad" + a, "bench", address(-1L - a), seq(List.of("bench")), 8, 16.0,
          seq(List.of("q_proj")), "file:///bench", "explicit", null, 0L, NOW));
    }
    append(lh, Tables.ADAPTERS, spark.createDataFrame(adapterRows, spark.table(lh.sparkName(Tables.ADAPTERS)).schema()));
    append(lh, Tables.INFERENCE_LOGS, rows(lh, Tables.INFERENCE_LOGS, requests, i -> List.of(RowFactory.create(
        "r" + i, "ad" + (i % adapters), NOW, EPOCH, null, "x", fee(i), null, null, null, "bench", "bench", (long) i, NOW))));
    append(lh, Tables.INFERENCE_SUMMARY, rows(lh, Tables.INFERENCE_SUMMARY, requests, i -> List.of(RowFactory.create(
        EPOCH, "r" + i, "ad" + (i % adapters), "span", true, null, "c" + i, address(i), 0.4, 4, fee(i), null))));
    append(lh, Tables.SCORES, rows(lh, Tables.SCORES, requests, i -> {
      Random r = new Random(i);
      double[] w = {r.nextDouble() + 0.01, r.nextDouble() + 0.01, r.nextDouble() + 0.01, r.nextDouble() + 0.01};
      double s = w[0] + w[1] + w[2] + w[3];
      List<Row> out = new ArrayList<>();
      for (int j = 0; j < 4; j++) {
        long c = ((long) i * 4 + j) % recipients;
        out.add(RowFactory.create(EPOCH, "r" + i, "ad" + (i % adapters), "c" + c, address(c), "bench", "span", w[j],
            w[j] / s, j + 1, null));
      }
      return out;
    }));
    BigInteger total = BigInteger.ZERO;
    for (int i = 0; i < requests; i++) {
      total = total.add(fee(i).toBigIntegerExact());
    }
    return total;
  }

  /** Fees between 1e15 and ~1.8e19 wei: beyond a long for some. */
  static BigDecimal fee(int i) {
    return new BigDecimal(BigInteger.valueOf(new Random(~i).nextLong() & Long.MAX_VALUE).multiply(BigInteger.TWO)
        .add(BigInteger.TEN.pow(15)));
  }

  static scala.collection.immutable.Seq<String> seq(List<String> l) {
    return CollectionConverters.asScala(l).toSeq();
  }

  /** Makes the rows of one index: serializable, as it runs on the executors. */
  interface RowMaker extends IntFunction<List<Row>>, java.io.Serializable {}

  static org.apache.spark.sql.Dataset<Row> rows(Lakehouse lh, TableDefinition t, int n, RowMaker make) {
    JavaRDD<Row> rdd = new JavaSparkContext(lh.spark().sparkContext())
        .parallelize(AttributionBench.range(PARTITIONS), PARTITIONS).flatMap(p -> {
          List<Row> out = new ArrayList<>();
          for (int i = p; i < n; i += PARTITIONS) {
            out.addAll(make.apply(i));
          }
          return out.iterator();
        });
    return lh.spark().createDataFrame(rdd, lh.spark().table(lh.sparkName(t)).schema());
  }

  static void append(Lakehouse lh, TableDefinition t, org.apache.spark.sql.Dataset<Row> rows) {
    IcebergWrites.append(rows, lh.sparkName(t), Map.of());
  }

  /** The same number of leaves hashed and built into a tree on one thread, in memory. */
  static double bareTree(int n) {
    List<StandardMerkleTree.Leaf> leaves = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      leaves.add(new StandardMerkleTree.Leaf(address(i), BigInteger.valueOf(i).shiftLeft(60)));
    }
    long t0 = System.nanoTime();
    StandardMerkleTree.of(leaves).root();
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The argument that makes {@link #main} the child of {@link #coldFloor}. */
  static final String COLD_FLOOR = "--cold-floor-child";

  /**
   * The Spark floor as the first query of a JVM of its own, started with this JVM's flags and class path: what
   * the same query costs before the JIT has compiled Spark's, Iceberg's and Parquet's code for it. A first
   * {@code poa rewards} runs in such a JVM; {@link #sparkFloor} in this one runs after it, compiled. The child
   * starts its Spark session before the clock starts, as this JVM's session was started before the rewards'.
   */
  static double coldFloor(Path lakehouse, String catalog, Path dir) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RewardsBench.class.getName(), COLD_FLOOR,
        lakehouse.toString(), catalog, dir.resolve("cold").toString()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    int rc = p.waitFor();
    String line = out.lines().filter(l -> l.startsWith(COLD_FLOOR + " ")).findFirst().orElse(null);
    if (rc != 0 || line == null) {
      throw new IllegalStateException("the cold Spark floor's JVM exited with " + rc + " and printed: " + out);
    }
    return Double.parseDouble(line.substring(COLD_FLOOR.length() + 1));
  }

  /** In the child JVM of {@link #coldFloor}: a session on the bench's lakehouse, then the floor, timed. */
  static void coldFloorChild(Path lakehouse, String catalog, Path dir) {
    PoaSpark.localSession("poa-bench-cold-floor", "local[2]", PARTITIONS).getOrCreate().sparkContext().setLogLevel("WARN");
    PoaConfig config = new PoaConfig(lakehouse, catalog, Map.of());
    Lakehouse lh = Lakehouse.of(PoaSpark.session(config), config.catalogName());
    ProcessCost before = ProcessCost.now();
    double seconds = sparkFloor(lh, dir);
    ProcessCost.log("cold floor", "Spark floor, first query of its JVM", seconds, before);
    System.out.println(COLD_FLOOR + " " + seconds);
    lh.spark().stop();
  }

  /** Score rows summed per contributor and written as Parquet: a floor for any Spark job on this data. */
  static double sparkFloor(Lakehouse lh, Path dir) {
    long t0 = System.nanoTime();
    lh.spark().table(lh.sparkName(Tables.SCORES)).groupBy("contributor").agg(org.apache.spark.sql.functions.sum("share"))
        .write().parquet(dir.resolve("floor").toString());
    return (System.nanoTime() - t0) / 1e9;
  }

  /** Samples the used heap every 20 ms; keeps the largest. */
  static final class HeapSampler extends Thread {
    final AtomicLong max = new AtomicLong();

    HeapSampler() {
      setDaemon(true);
    }

    @Override
    public void run() {
      Runtime rt = Runtime.getRuntime();
      while (!isInterrupted()) {
        max.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
