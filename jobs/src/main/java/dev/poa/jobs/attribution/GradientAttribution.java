package dev.poa.jobs.attribution;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;

import dev.poa.jobs.Progress;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.influence.FloatScan;
import dev.poa.udfs.influence.SketchSpec;
import dev.poa.udfs.influence.Trak;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * TRAK-style gradient attribution, per adapter: the k×k Gram matrix ΦᵀΦ of the training sketches
 * by partial sums on the executors (merged on the driver in partition order, so reruns give the
 * same bits), Cholesky of ΦᵀΦ + λI on the driver, whitened query sketches ψ = (ΦᵀΦ + λI)⁻¹φ_q,
 * then blockwise scoring: each partition of training sketches multiplies blocks of them with a
 * broadcast chunk of whitened queries (BLAS sgemm) and keeps, per query, its local top-k and the
 * clipped (negative → 0) score sum of each contributor. The global top-k contributions get a row
 * each; the rest of each contributor's clipped total gets one row with a null contribution_id, so
 * contributor totals are exact over all contributions, not only the top k.
 */
public final class GradientAttribution {
  /**
   * @param damping λ, relative to the mean eigenvalue trace(ΦᵀΦ)/k when {@code relativeDamping}
   * @param topK contributions with their own row per inference
   * @param queryChunk whitened queries per block product (a task scores a chunk against all its blocks, then the next)
   * @param blockRows training sketches per block product
   * @param partitions partitions of the training sketches (fixed, so sums are reproducible)
   */
  public record Settings(double damping, boolean relativeDamping, int topK, int queryChunk, int blockRows, int partitions) {
    public Settings {
      if (!(damping >= 0) || Double.isInfinite(damping)) {
        throw new dev.poa.schemas.BadInputException("poa.attribution.gradient.damping must be a number ≥ 0, got "
            + damping);
      }
      // in the order of the fields, so that the first bad one is named, whichever it is
      atLeastOne("top-k", topK);
      atLeastOne("query-chunk", queryChunk);
      atLeastOne("block-rows", blockRows);
      atLeastOne("partitions", partitions);
    }

    private static void atLeastOne(String key, int value) {
      if (value < 1) {
        throw new dev.poa.schemas.BadInputException("poa.attribution.gradient." + key + " must be at least 1, got "
            + value);
      }
    }

    public static Settings defaults() {
      return new Settings(Trak.DEFAULT_DAMPING, true, 10, 1024, 512, 8);
    }
  }

  /** Scores (request_id, adapter_id, contribution_id, contributor, datanet, score, share, rank) and reasons. */
  public record Output(Dataset<Row> scores, Dataset<Row> unattributed, long pairs, long scoringNanos) {}

  /**
   * One partition's result for one query: its local top-k contributions (score scaled by
   * 2^−scaleExp, and its fixed-point amount) and the clipped fixed-point sum of each
   * (contributor, datanet) of the partition with a positive sum. Each (contributor, datanet) is its
   * number in the adapter's {@link Keys}: the names crossed the shuffle once per query and
   * partition, three quarters of the partials' bytes at 50 contributors.
   */
  record Partial(String requestId, int part, int scaleExp, String[] topIds, int[] topKeys, double[] topValues,
      long[] topFixed, int[] sumKeys, long[] sumTotals) implements Serializable {
    /**
     * As bytes, for the shuffle: big-endian numbers, each string as its length and its UTF-16 code
     * units (so any Java string comes back as it was), written into one buffer of the exact size.
     * (Through Data streams, whose every number is four or eight calls of a synchronized
     * {@code read}, decoding was the larger part of the merge's samples.)
     */
    byte[] encode() {
      int size = 4 + 2 * requestId.length() + 12 + 4;
      for (String id : topIds) {
        size += 4 + 2 * id.length() + 4 + 8 + 8;
      }
      size += 12 * sumTotals.length;
      java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(size);
      putString(out, requestId);
      out.putInt(part).putInt(scaleExp).putInt(topIds.length);
      for (int i = 0; i < topIds.length; i++) {
        putString(out, topIds[i]);
        out.putInt(topKeys[i]).putDouble(topValues[i]).putLong(topFixed[i]);
      }
      out.putInt(sumTotals.length);
      for (int i = 0; i < sumTotals.length; i++) {
        out.putInt(sumKeys[i]).putLong(sumTotals[i]);
      }
      return out.array();
    }

    static Partial decode(byte[] b) {
      java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(b);
      String requestId = getString(in);
      int part = in.getInt();
      int scaleExp = in.getInt();
      int n = in.getInt();
      String[] ids = new String[n];
      int[] keys = new int[n];
      double[] values = new double[n];
      long[] fixed = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = getString(in);
        keys[i] = in.getInt();
        values[i] = in.getDouble();
        fixed[i] = in.getLong();
      }
      int m = in.getInt();
      int[] sumKeys = new int[m];
      long[] totals = new long[m];
      for (int i = 0; i < m; i++) {
        sumKeys[i] = in.getInt();
        totals[i] = in.getLong();
      }
      if (in.hasRemaining()) {
        throw new IllegalStateException("a partial of request " + requestId + " has " + in.remaining()
            + " bytes after its last sum");
      }
      return new Partial(requestId, part, scaleExp, ids, keys, values, fixed, sumKeys, totals);
    }

    private static void putString(java.nio.ByteBuffer out, String s) {
      out.putInt(s.length());
      for (int i = 0; i < s.length(); i++) {
        out.putChar(s.charAt(i));
      }
    }

    private static String getString(java.nio.ByteBuffer in) {
      char[] chars = new char[in.getInt()];
      for (int i = 0; i < chars.length; i++) {
        chars[i] = in.getChar();
      }
      return new String(chars);
    }

    /** As {@link #PARTIAL} rows, the keys by name. */
    List<Row> rows(Keys keys) {
      List<Row> out = new ArrayList<>(topIds.length + sumTotals.length);
      for (int i = 0; i < topIds.length; i++) {
        out.add(RowFactory.create(requestId, "top", part, topIds[i], keys.contributor(topKeys[i]),
            keys.datanet(topKeys[i]), topValues[i], scaleExp, topFixed[i]));
      }
      for (int i = 0; i < sumTotals.length; i++) {
        out.add(RowFactory.create(requestId, "sum", part, null, keys.contributor(sumKeys[i]), keys.datanet(sumKeys[i]),
            Math.scalb((double) sumTotals[i], -FIXED_BITS), scaleExp, sumTotals[i]));
      }
      return out;
    }
  }

  /**
   * The (contributor, datanet) pairs of an adapter's training sketches, numbered in the order the merge
   * writes a query's rest rows (Java's order of contributor, NUL, datanet), and for each partition of
   * the scoring, the number of each of its pairs in the order the partition first meets them.
   */
  record Keys(String[] contributors, String[] datanets, int[][] partitionKeys) implements Serializable {
    /** @param partitions each partition's pairs in first-seen order ({@link PartitionScorer#keys}) */
    static Keys of(List<List<String[]>> partitions) {
      java.util.TreeMap<String, String[]> sorted = new java.util.TreeMap<>();
      for (List<String[]> pairs : partitions) {
        for (String[] pair : pairs) {
          sorted.putIfAbsent(name(pair[0], pair[1]), pair);
        }
      }
      String[] contributors = new String[sorted.size()];
      String[] datanets = new String[sorted.size()];
      Map<String, Integer> number = new HashMap<>();
      for (Map.Entry<String, String[]> e : sorted.entrySet()) {
        contributors[number.size()] = e.getValue()[0];
        datanets[number.size()] = e.getValue()[1];
        number.put(e.getKey(), number.size());
      }
      int[][] partitionKeys = new int[partitions.size()][];
      for (int p = 0; p < partitions.size(); p++) {
        partitionKeys[p] = partitions.get(p).stream().mapToInt(pair -> number.get(name(pair[0], pair[1]))).toArray();
      }
      return new Keys(contributors, datanets, partitionKeys);
    }

    private static String name(String contributor, String datanet) {
      return contributor + "\u0000" + datanet;
    }

    String contributor(int key) {
      return contributors[key];
    }

    String datanet(int key) {
      return datanets[key];
    }

    /**
     * Partition {@code part}'s numbers, for its pairs as its scoring task meets them: the same pairs
     * in the same order as its Gram task met them (one cached RDD, sorted), which this checks rather
     * than trusts, since a number taken for another pair would credit another contributor.
     */
    int[] numbers(int part, List<String[]> pairs) {
      int[] numbers = part < partitionKeys.length ? partitionKeys[part] : new int[0];
      boolean same = numbers.length == pairs.size();
      for (int i = 0; same && i < numbers.length; i++) {
        same = contributors[numbers[i]].equals(pairs.get(i)[0]) && datanets[numbers[i]].equals(pairs.get(i)[1]);
      }
      if (!same) {
        throw new IllegalStateException("partition " + part + " of the training sketches holds other contributors "
            + "than when its Gram matrix was summed: the cached sketches changed between two jobs");
      }
      return numbers;
    }
  }

  /** {@link Partial}s as rows, one per top contribution (kind top) and per sum (kind sum), for the SQL merge. */
  public static final StructType PARTIAL = new StructType()
      .add("request_id", DataTypes.StringType, false)
      .add("kind", DataTypes.StringType, false)
      .add("part", DataTypes.IntegerType, false)
      .add("contribution_id", DataTypes.StringType, true)
      .add("contributor", DataTypes.StringType, false)
      .add("datanet", DataTypes.StringType, false)
      .add("value", DataTypes.DoubleType, false)
      .add("scale_exp", DataTypes.IntegerType, false)
      .add("fixed", DataTypes.LongType, false);

  /** The score rows. */
  public static final StructType SCORES = new StructType()
      .add("request_id", DataTypes.StringType, false)
      .add("contribution_id", DataTypes.StringType, true)
      .add("contributor", DataTypes.StringType, false)
      .add("datanet", DataTypes.StringType, false)
      .add("score", DataTypes.DoubleType, true)
      .add("share", DataTypes.DoubleType, true)
      .add("rank", DataTypes.IntegerType, true);

  static final StructType REASONS = new StructType()
      .add("request_id", DataTypes.StringType, false)
      .add("reason", DataTypes.StringType, false);

  private final Lakehouse lh;
  private final SparkSession spark;
  private final Settings settings;

  public GradientAttribution(Lakehouse lh, Settings settings) {
    this.lh = lh;
    this.spark = lh.spark();
    this.settings = settings;
  }

  /** @param inferences request_id, adapter_id, gradient_sketch, sketch_spec (sketch non-null) */
  public Output scores(Dataset<Row> inferences, Progress progress) {
    // sorted here, in Spark's order of strings (an ORDER BY after the DISTINCT was one more job)
    List<String> adapters = new ArrayList<>(inferences.select("adapter_id").distinct()
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    adapters.sort(java.util.Comparator.nullsFirst(GradientAttribution::compareUtf8));
    List<Scored> partials = new ArrayList<>();
    List<Broadcast<Keys>> broadcastKeys = new ArrayList<>();
    Dataset<Row> reasons = spark.createDataFrame(List.of(), REASONS);
    List<JavaRDD<Block>> cachedBlocks = new ArrayList<>();
    long pairs = 0;
    long scoringNanos = 0;
    for (String adapter : adapters) {
      Dataset<Row> queries = inferences.filter(col("adapter_id").equalTo(adapter));
      int blockRows = settings.blockRows();
      // Fixed partitions, sorted: every partial sum below is over the same rows in the same order.
      Dataset<Row> partitioned = partitionedTrainingSketches(adapter);
      // Spark's own rows: each sketch is copied out of its array as floats (read through a bean, each of
      // the k numbers was boxed on the way to its float[], a seventh of the Gram job's time). Each block
      // keeps its sketch spec, so the adapter's spec comes with the Gram below rather than from a job
      // of its own (a distinct over the same join, three Spark jobs, 0.4 s).
      JavaRDD<Block> blocks = partitioned.select("contribution_id", "contributor", "datanet", "sketch", "sketch_spec")
          .queryExecution().toRdd().toJavaRDD()
          .mapPartitions((Iterator<InternalRow> it) -> Block.pack(it, blockRows).iterator())
          .persist(StorageLevel.MEMORY_AND_DISK());
      cachedBlocks.add(blocks);
      // each partition's partial Gram, its (contributor, datanet) pairs for the adapter's Keys and its
      // sketch spec (collect returns them in partition order)
      List<GramPart> parts = blocks.mapPartitions((Iterator<Block> it) -> {
        Trak.Gram g = null;
        List<Block> seen = new ArrayList<>();
        while (it.hasNext()) {
          Block blk = it.next();
          if (g == null) {
            g = new Trak.Gram(blk.k());
          }
          g.addBlock(blk.sketches(), blk.size());
          seen.add(blk);
        }
        return List.of(new GramPart(g, PartitionScorer.keys(seen), seen.isEmpty() ? null : seen.get(0).spec()))
            .iterator();
      }).collect();
      String spec = GramPart.spec(adapter, parts);
      if (spec == null) {
        progress.step("gradient: adapter " + adapter + " has no training gradients (poa gradients ingest)");
        reasons = reasons.union(queries.select(col("request_id"), lit("no_training_gradients").as("reason")));
        continue;
      }
      reasons = reasons.union(queries.filter(col("sketch_spec").notEqual(lit(spec)))
          .select(col("request_id"), lit("sketch_spec_mismatch").as("reason")));
      int k = SketchSpec.parse(spec).k();
      // The queries are collected while the driver merges the Gram, factors it and inverts it: that job
      // runs in one task, the driver's work in its own thread, so each has a core of its own.
      // Collected as Spark's rows, each sketch copied out as floats (as Rows, the queries were k boxed
      // floats each, 4 M objects at 4,000 queries and k = 1024, held on the driver through the whitening).
      org.apache.spark.api.java.JavaFutureAction<List<Query>> queryRows = queries
          .filter(col("sketch_spec").equalTo(lit(spec)))
          .select("request_id", "gradient_sketch").queryExecution().toRdd().toJavaRDD().map(r -> {
            String id = r.getUTF8String(0).toString();
            return new Query(id, floats(r.getArray(1), "the gradient sketch of inference " + id));
          }).collectAsync();
      Trak.Gram gram = new Trak.Gram(k);
      List<List<String[]>> partitionPairs = new ArrayList<>();
      Trak.Preconditioner pre;
      Broadcast<Keys> keys;
      try {
        for (GramPart part : parts) {
          // a partition without sketches adds a Gram of zeros, as it always has
          gram.merge(part.gram() == null ? new Trak.Gram(k) : part.gram());
          partitionPairs.add(part.pairs());
        }
        keys = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).broadcast(Keys.of(partitionPairs));
        broadcastKeys.add(keys);
        // and its inverse, which the whitening multiplies by
        pre = Trak.Preconditioner.of(gram.matrix(), k, settings.damping(), settings.relativeDamping()).withInverse();
      } catch (RuntimeException e) {
        queryRows.cancel(true);
        throw e;
      }
      // sorted here, in Spark's order of strings, rather than by an ORDER BY (a sampling job, a shuffle
      // and a sort for 4,000 rows took 1.2 s more): the chunks, and so the bits, are as before
      List<Query> q = new ArrayList<>(collected(queryRows));
      q.sort((x, y) -> compareUtf8(x.requestId(), y.requestId()));
      progress.step(String.format("gradient: adapter %s, %d training sketches (k = %d, λ = %.4g), %d queries", adapter,
          gram.count(), k, pre.lambda(), q.size()));
      long scoringStart = System.nanoTime();
      pairs += (long) q.size() * gram.count();
      // Every chunk is whitened first, then one job scores them all: each task multiplies its
      // blocks with one chunk after the other, so the executors never wait for the driver between
      // chunks (a job per chunk left both cores idle while the next chunk was whitened, broadcast
      // and scheduled). Each sgemm call is the same as with a job per chunk, so the same bits.
      List<QueryChunk> chunks = whiten(q, pre, k, gram.maxNorm());
      progress.step(String.format("gradient: adapter %s, %d queries whitened (%d chunks), scoring", adapter, q.size(),
          chunks.size()));
      Broadcast<List<QueryChunk>> b = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
          .broadcast(chunks);
      int topK = settings.topK();
      // Each partial is kept as the row that crosses the merge's shuffle, (request_id, the adapter's
      // position in the list of partials, its bytes): kept as objects, Spark's estimate of their size
      // walked every array of every partial, 4 % of the scoring's samples.
      int adapterPosition = partials.size();
      JavaRDD<Row> scored = blocks.mapPartitionsWithIndex((idx, it) -> encodedRows(
          scorePartition(idx, it, b.value(), keys.value(), topK), adapterPosition), false);
      // computed once, here (the merge below reads it; a lost block fails the job, as any local checkpoint)
      scored.rdd().localCheckpoint();
      scored.count();
      partials.add(new Scored(scored, keys));
      b.unpersist();
      progress.step(String.format("gradient: adapter %s, scored %d queries", adapter, q.size()));
      scoringNanos += System.nanoTime() - scoringStart;
    }
    Dataset<Row> scores = combine(partials).localCheckpoint();
    cachedBlocks.forEach(JavaRDD::unpersist);
    broadcastKeys.forEach(Broadcast::unpersist);
    return new Output(scores, reasons, pairs, scoringNanos);
  }

  /**
   * The queries whitened, in chunks of {@code queryChunk}, each chunk one BLAS product with the
   * inverse; the chunks on the driver's cores in parallel (the executors wait for them), each the
   * same product as alone, so the same bits.
   */
  private List<QueryChunk> whiten(List<Query> q, Trak.Preconditioner pre, int k, double maxNorm) {
    int size = settings.queryChunk();
    int n = (q.size() + size - 1) / size;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
        Math.max(1, Math.min(n, Runtime.getRuntime().availableProcessors())), r -> {
          Thread t = new Thread(r, "poa-whiten");
          t.setDaemon(true);
          return t;
        });
    try {
      List<java.util.concurrent.Future<QueryChunk>> futures = new ArrayList<>();
      for (int from = 0; from < q.size(); from += size) {
        List<Query> chunk = q.subList(from, Math.min(q.size(), from + size));
        futures.add(pool.submit(() -> {
          String[] ids = new String[chunk.size()];
          float[] raw = new float[chunk.size() * k];
          for (int i = 0; i < ids.length; i++) {
            ids[i] = chunk.get(i).requestId();
            copySketch(chunk.get(i).sketch(), k, raw, i, "the gradient sketch of inference " + ids[i]);
          }
          float[] whitened = pre.whitenAll(raw, ids.length);
          int[] scaleExp = new int[ids.length];
          for (int i = 0; i < ids.length; i++) {
            scaleExp[i] = scaleExponent(java.util.Arrays.copyOfRange(whitened, i * k, (i + 1) * k), maxNorm);
          }
          return new QueryChunk(ids, whitened, k, scaleExp);
        }));
      }
      List<QueryChunk> chunks = new ArrayList<>();
      for (java.util.concurrent.Future<QueryChunk> f : futures) {
        chunks.add(f.get());
      }
      return chunks;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while whitening the queries", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The training sketches of an adapter, each with its contribution's contributor and DataNet (a
   * sketch whose contribution is not in datanet.contributions is not scored), in the partitions of
   * the scoring: hash partitions of contribution_id
   * ({@code partitions}, fixed, so sums are reproducible), sorted by it. The sketches are partitioned
   * before they meet their contributors, in a sort-merge join, so they cross one shuffle and are never
   * broadcast (joined first, Spark estimated the filtered sketches small enough to broadcast them: all
   * 166 MB of them at 40,000 × k = 1024, collected on the driver, then joined in one task).
   */
  public Dataset<Row> partitionedTrainingSketches(String adapter) {
    Dataset<Row> sketches = spark.table(lh.sparkName(Tables.TRAINING_GRADIENTS)).filter(col("adapter_id").equalTo(adapter))
        .select("contribution_id", "sketch", "sketch_spec")
        .repartition(settings.partitions(), col("contribution_id"));
    return sketches.hint("merge")
        .join(spark.table(lh.sparkName(Tables.CONTRIBUTIONS)).select("contribution_id", "contributor", "datanet"),
            "contribution_id")
        .select("contribution_id", "contributor", "datanet", "sketch", "sketch_spec")
        .sortWithinPartitions("contribution_id");
  }

  /**
   * Every score of query q is at most |ψ_q|·max|φ_i| in magnitude (Cauchy–Schwarz); dividing by
   * the power of two just above that bound (exact in floating point) brings scores into [−1, 1].
   */
  static int scaleExponent(float[] psi, double maxNorm) {
    double n = 0;
    for (float f : psi) {
      n += (double) f * f;
    }
    double bound = Math.sqrt(n) * maxNorm;
    return bound > 0 && Double.isFinite(bound) ? Math.getExponent(bound) + 1 : 0;
  }

  /**
   * Fixed-point unit of the sums: a clipped score scaled into [0, 1] becomes round(x·2^36), a
   * long. Long sums are exact and the same in any order (so reruns give identical rows, and
   * the GPU runs them); they cannot overflow below 2^27 contributions per adapter. Resolution:
   * 2^−36 of the query's Cauchy–Schwarz bound.
   */
  static final int FIXED_BITS = 36;

  static long fixed(double score, int exp) {
    return score > 0 ? Math.round(Math.scalb(score, FIXED_BITS - exp)) : 0L;
  }

  /**
   * 2^(FIXED_BITS − exp), by which a positive score multiplies to the same bits as
   * {@link #fixed}'s {@code scalb} (one exact multiplication by a normal power of two, which is
   * what {@code scalb} does for a factor below 2^512); 0 where that does not hold, and then
   * {@link #fixed} is used.
   */
  static double fixedUnit(int exp) {
    int e = FIXED_BITS - exp;
    return e > -500 && e < 500 ? Math.scalb(1.0, e) : 0;
  }

  /**
   * Merges the partitions' partial results into score rows. On the CPU, the partials of a query are
   * brought together by one shuffle and merged by {@link #merge} (the SQL plan took 3–4 times as
   * long: it reads the partial rows four times, and shuffles and sorts them for two aggregates, a
   * window and three joins). With the RAPIDS Accelerator on, the same merge runs as SQL
   * ({@link #combineSql}), which the GPU runs. Both give the same rows (a test compares them).
   */
  Dataset<Row> combine(List<Scored> partials) {
    if (partials.isEmpty()) {
      return spark.createDataFrame(List.of(), SCORES);
    }
    if (gpuSql(spark)) {
      List<JavaRDD<Row>> rows = new ArrayList<>();
      for (Scored s : partials) {
        Broadcast<Keys> keys = s.keys();
        rows.add(s.encoded().flatMap(r -> Partial.decode((byte[]) r.get(2)).rows(keys.value()).iterator()));
      }
      return combineSql(spark.createDataFrame(union(rows), PARTIAL));
    }
    int topK = settings.topK();
    // Each partial crosses the shuffle as one binary value, sorted by request in Spark's own rows:
    // grouped as Java objects (groupBy), half of the merge's time went to Spark estimating the size
    // of its map of them, object by object. An inference is scored by one adapter, so its partials
    // share one adapter's Keys, which the merge finds by the adapter's position in the list.
    List<JavaRDD<Row>> encoded = new ArrayList<>();
    List<Broadcast<Keys>> keys = new ArrayList<>();
    for (Scored s : partials) {
      keys.add(s.keys());
      encoded.add(s.encoded());
    }
    return spark.createDataFrame(union(encoded), ENCODED_PARTIAL).repartition(settings.partitions(), col("request_id"))
        .sortWithinPartitions("request_id", "adapter")
        .mapPartitions((org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) it -> mergeSorted(it, topK,
            a -> keys.get(a).value()), org.apache.spark.sql.Encoders.row(SCORES));
  }

  /** Partials as {@link #ENCODED_PARTIAL} rows, one by one as they are made. */
  static Iterator<Row> encodedRows(Iterator<Partial> partials, int adapterPosition) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return partials.hasNext();
      }

      @Override
      public Row next() {
        Partial p = partials.next();
        return RowFactory.create(p.requestId(), adapterPosition, p.encode());
      }
    };
  }

  /** The rows of all adapters, as one RDD. */
  private JavaRDD<Row> union(List<JavaRDD<Row>> perAdapter) {
    @SuppressWarnings("unchecked")
    JavaRDD<Row> all = perAdapter.size() == 1 ? perAdapter.get(0)
        : new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).union(perAdapter.toArray(new JavaRDD[0]));
    return all;
  }

  /**
   * An adapter's scored partials as {@link #ENCODED_PARTIAL} rows (the adapter's field is its
   * position in the list of Scored), and the Keys their numbers refer to.
   */
  record Scored(JavaRDD<Row> encoded, Broadcast<Keys> keys) {}

  /**
   * A partition's partial Gram matrix, its (contributor, datanet) pairs in first-seen order and its
   * sketch spec; gram and spec are null for a partition without sketches.
   */
  record GramPart(Trak.Gram gram, List<String[]> pairs, String spec) implements Serializable {
    /**
     * The adapter's sketch spec: the one its partitions share, or null when none has a sketch (the
     * adapter has no training gradients).
     */
    static String spec(String adapter, List<GramPart> parts) {
      String spec = null;
      for (GramPart p : parts) {
        if (p.spec() == null) {
          continue;
        }
        if (spec == null) {
          spec = p.spec();
        } else if (!spec.equals(p.spec())) {
          throw new IllegalStateException("the training gradients of adapter " + adapter + " have two sketch specs, "
              + spec + " and " + p.spec() + ": poa gradients ingest keeps one spec per adapter, so these rows were"
              + " not written by it");
        }
      }
      return spec;
    }
  }

  static final StructType ENCODED_PARTIAL = new StructType()
      .add("request_id", DataTypes.StringType, false)
      .add("adapter", DataTypes.IntegerType, false)
      .add("partial", DataTypes.BinaryType, false);

  /**
   * The score rows of (request_id, adapter, encoded partial) rows sorted by request: each request's
   * rows merged, with the Keys of its adapter.
   */
  static Iterator<Row> mergeSorted(Iterator<Row> sorted, int topK, java.util.function.IntFunction<Keys> keysOf) {
    return new Iterator<>() {
      private Row pending = sorted.hasNext() ? sorted.next() : null;
      private Iterator<Row> out = java.util.Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!out.hasNext() && pending != null) {
          String request = pending.getString(0);
          int adapter = pending.getInt(1);
          Keys keys = keysOf.apply(adapter);
          List<Partial> group = new ArrayList<>();
          while (pending != null && pending.getString(0).equals(request) && pending.getInt(1) == adapter) {
            group.add(Partial.decode(pending.getAs(2)));
            pending = sorted.hasNext() ? sorted.next() : null;
          }
          out = merge(request, group, topK, keys).iterator();
        }
        return out.hasNext();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return out.next();
      }
    };
  }

  /** Whether the RAPIDS Accelerator runs this session's SQL (its plugin loaded and SQL enabled). */
  static boolean gpuSql(SparkSession spark) {
    org.apache.spark.SparkConf c = spark.sparkContext().getConf();
    return c.get("spark.plugins", "").contains("com.nvidia.spark.SQLPlugin")
        && Boolean.parseBoolean(spark.conf().get("spark.rapids.sql.enabled", "true"));
  }

  /**
   * The score rows of one query from its partitions' partials: the global top-k by score (ties by
   * contribution id, as Spark orders strings), a row each when its fixed-point amount is positive;
   * per (contributor, datanet), the rest of its exact fixed-point total beyond those rows as one row
   * with a null contribution id; shares as fixed-point amounts over the query's total (no rows when
   * that total is 0). A score is its scaled value times 2^scaleExp, exactly.
   */
  static List<Row> merge(String requestId, Iterable<Partial> partials, int topK, Keys keys) {
    List<Partial> parts = new ArrayList<>();
    List<int[]> candidates = new ArrayList<>(); // (partial, index in its top)
    int sumExp = Integer.MIN_VALUE;
    long requestTotal = 0;
    int entries = 0;
    for (Partial p : partials) {
      int pi = parts.size();
      parts.add(p);
      entries += p.sumTotals().length;
      for (int i = 0; i < p.sumTotals().length; i++) {
        requestTotal += p.sumTotals()[i];
        sumExp = Math.max(sumExp, p.scaleExp());
      }
      for (int i = 0; i < p.topIds().length; i++) {
        candidates.add(new int[] {pi, i});
      }
    }
    List<Row> out = new ArrayList<>();
    if (requestTotal <= 0) {
      return out;
    }
    // each key's total: the sum entries sorted by key (a key's number is its place in the output order)
    long[] byKey = new long[entries]; // key << 32 | the entry's place in amounts
    long[] amounts = new long[entries];
    int e = 0;
    for (Partial p : parts) {
      for (int i = 0; i < p.sumTotals().length; i++) {
        byKey[e] = (long) p.sumKeys()[i] << 32 | e;
        amounts[e++] = p.sumTotals()[i];
      }
    }
    java.util.Arrays.sort(byKey);
    int[] distinct = new int[entries];
    long[] totals = new long[entries];
    long[] topSums = new long[entries];
    int n = 0;
    for (int i = 0; i < entries; i++) {
      int key = (int) (byKey[i] >>> 32);
      if (n == 0 || distinct[n - 1] != key) {
        distinct[n++] = key;
      }
      totals[n - 1] += amounts[(int) byKey[i]];
    }
    candidates.sort((x, y) -> ranking(parts.get(x[0]).topValues()[x[1]], parts.get(x[0]).topIds()[x[1]],
        parts.get(y[0]).topValues()[y[1]], parts.get(y[0]).topIds()[y[1]]));
    for (int r = 0; r < Math.min(topK, candidates.size()); r++) {
      Partial p = parts.get(candidates.get(r)[0]);
      int i = candidates.get(r)[1];
      long fixed = p.topFixed()[i];
      if (fixed <= 0) {
        continue;
      }
      int key = p.topKeys()[i];
      int at = java.util.Arrays.binarySearch(distinct, 0, n, key);
      if (at >= 0) {
        topSums[at] += fixed;
      }
      out.add(RowFactory.create(requestId, p.topIds()[i], keys.contributor(key), keys.datanet(key),
          p.topValues()[i] * StrictMath.pow(2.0, p.scaleExp()), (double) fixed / (double) requestTotal, r + 1));
    }
    for (int i = 0; i < n; i++) {
      long rest = totals[i] - topSums[i];
      if (rest > 0) {
        out.add(RowFactory.create(requestId, null, keys.contributor(distinct[i]), keys.datanet(distinct[i]),
            (double) rest / Math.scalb(1.0, FIXED_BITS) * StrictMath.pow(2.0, sumExp),
            (double) rest / (double) requestTotal, null));
      }
    }
    return out;
  }

  /**
   * Ranking of top candidates as Spark's {@code ORDER BY value DESC, contribution_id}: NaN first, then
   * higher values (0.0 and −0.0 equal), then ids by their UTF-8 bytes, unsigned.
   */
  static int ranking(double v1, String id1, double v2, String id2) {
    boolean n1 = Double.isNaN(v1);
    boolean n2 = Double.isNaN(v2);
    if (n1 != n2) {
      return n1 ? -1 : 1;
    }
    if (!n1 && v1 != v2) {
      return v1 > v2 ? -1 : 1;
    }
    return compareUtf8(id1, id2);
  }

  /** Strings in Spark's order: by their UTF-8 bytes, unsigned (not Java's UTF-16 order). */
  static int compareUtf8(String a, String b) {
    return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * {@link #merge} as one SQL plan over the partial rows ({@link #PARTIAL}), which the RAPIDS
   * Accelerator runs on the GPU (every aggregate an exact fixed-point sum): the global top-k by
   * score, each contributor's total from exact fixed-point sums, the rest of it (total minus its
   * top-k rows) as one row, shares as fixed-point amounts over the inference's total.
   */
  public Dataset<Row> combineSql(Dataset<Row> partials) {
    Dataset<Row> sums = partials.filter(col("kind").equalTo("sum"))
        .groupBy("request_id", "contributor", "datanet")
        .agg(sum("fixed").as("total"), max("scale_exp").as("scale_exp"));
    Dataset<Row> requestTotals = sums.groupBy("request_id").agg(sum("total").as("request_total"))
        .filter(col("request_total").gt(0));
    Dataset<Row> top = partials.filter(col("kind").equalTo("top"))
        .withColumn("rank", row_number().over(Window.partitionBy("request_id")
            .orderBy(col("value").desc(), col("contribution_id"))))
        .filter(col("rank").leq(settings.topK()).and(col("fixed").gt(0)))
        .join(requestTotals, "request_id");
    Dataset<Row> topRows = top.select(col("request_id"), col("contribution_id"), col("contributor"), col("datanet"),
        unscaled(col("value"), col("scale_exp")).as("score"),
        col("fixed").cast("double").divide(col("request_total").cast("double")).as("share"), col("rank"));
    Dataset<Row> topPerContributor = top.groupBy("request_id", "contributor", "datanet").agg(sum("fixed").as("top_sum"));
    Dataset<Row> rest = sums.join(requestTotals, "request_id")
        .join(topPerContributor, new String[] {"request_id", "contributor", "datanet"}, "left")
        .withColumn("rest", col("total").minus(coalesce(col("top_sum"), lit(0L))))
        .filter(col("rest").gt(0))
        .select(col("request_id"), lit(null).cast("string").as("contribution_id"), col("contributor"), col("datanet"),
            unscaled(col("rest").cast("double").divide(lit(Math.scalb(1.0, FIXED_BITS))), col("scale_exp")).as("score"),
            col("rest").cast("double").divide(col("request_total").cast("double")).as("share"),
            lit(null).cast("int").as("rank"));
    return topRows.unionByName(rest);
  }

  /** value × 2^exp, exactly (a power of two). */
  private static org.apache.spark.sql.Column unscaled(org.apache.spark.sql.Column value, org.apache.spark.sql.Column exp) {
    return value.multiply(org.apache.spark.sql.functions.pow(lit(2.0), exp));
  }

  /**
   * Copies a sketch into row {@code row} of a row-major matrix of k columns, refusing one of another
   * length. Ingest checks every sketch against its spec; a row written past it would otherwise be read
   * as part of its neighbour (shorter) or cut (longer) without a word.
   */
  static void copySketch(float[] sketch, int k, float[] into, int row, String what) {
    if (sketch.length != k) {
      throw wrongLength(what, sketch.length, k);
    }
    System.arraycopy(sketch, 0, into, row * k, k);
  }

  /**
   * The training sketch of {@code contribution}, as Spark holds it, copied into row {@code row} of
   * {@code into}, each number checked as it is copied: {@link #floats} and {@link #copySketch} in one
   * pass, without an array of its own per sketch (262 MB allocated and copied once more at 40,000
   * sketches of k = 1,024, bench/RESULTS.md).
   */
  static void copySketch(ArrayData sketch, int k, float[] into, int row, String contribution) {
    java.util.function.Supplier<String> what = () -> "the training sketch of contribution " + contribution;
    if (sketch.numElements() != k) {
      throw wrongLength(what.get(), sketch.numElements(), k);
    }
    copyNumbers(sketch, into, row * k, what);
  }

  private static IllegalStateException wrongLength(String what, int length, int k) {
    return new IllegalStateException(what + " has " + length + " numbers, but its sketch spec says k = " + k
        + ": it was not written by poa's ingest, which checks the length");
  }

  /**
   * Every number of {@code sketch} into {@code into} from {@code at}. The tables declare a sketch's
   * elements optional; ingest refuses a sketch with a missing number, so one found here is refused too
   * (named by {@code what}, built only then), rather than read as 0.
   */
  private static void copyNumbers(ArrayData sketch, float[] into, int at, java.util.function.Supplier<String> what) {
    int n = sketch.numElements();
    for (int i = 0; i < n; i++) {
      if (sketch.isNullAt(i)) {
        throw new IllegalStateException(what.get() + " has no number at position " + i
            + ": it was not written by poa's ingest, which refuses a sketch with a missing number");
      }
      into[at + i] = sketch.getFloat(i);
    }
  }

  /** A chunk of whitened queries (all chunks of an adapter are broadcast together). */
  record QueryChunk(String[] ids, float[] whitened, int k, int[] scaleExp) implements Serializable {}

  /** A query's sketch, as collected. */
  record Query(String requestId, float[] sketch) implements Serializable {}

  /** The numbers of a sketch as Spark holds it, in an array of their own ({@link #copyNumbers}' checks). */
  static float[] floats(ArrayData sketch, String what) {
    float[] numbers = new float[sketch.numElements()];
    copyNumbers(sketch, numbers, 0, () -> what);
    return numbers;
  }

  /** Training sketches of one partition, packed row-major for BLAS, with their ids and their sketch spec. */
  record Block(String spec, String[] ids, String[] contributors, String[] datanets, float[] sketches, int size)
      implements Serializable {
    /** The sketches' dimension. */
    int k() {
      return sketches.length / ids.length;
    }

    /**
     * @param rows (contribution_id, contributor, datanet, sketch, sketch_spec) of one partition; they
     *     share one sketch spec (ingest keeps one per adapter), whose k every sketch must have
     */
    static List<Block> pack(Iterator<InternalRow> rows, int blockRows) {
      List<Block> out = new ArrayList<>();
      Map<String, String> names = new HashMap<>();
      UTF8String spec = null;
      String specId = null;
      String firstId = null;
      int k = 0;
      while (rows.hasNext()) {
        String[] ids = new String[blockRows];
        String[] contributors = new String[blockRows];
        String[] datanets = new String[blockRows];
        float[] sketches = null;
        int n = 0;
        while (n < blockRows && rows.hasNext()) {
          InternalRow r = rows.next();
          ids[n] = r.getUTF8String(0).toString();
          UTF8String rowSpec = r.getUTF8String(4);
          if (spec == null) {
            // copied: Spark may reuse the row's bytes for the next row
            spec = rowSpec.clone();
            specId = spec.toString();
            firstId = ids[n];
            k = SketchSpec.parse(specId).k();
          } else if (!spec.equals(rowSpec)) {
            throw new IllegalStateException("the training sketch of contribution " + ids[n] + " has sketch spec "
                + rowSpec + ", but contribution " + firstId + " of the same adapter has " + specId
                + ": poa gradients ingest keeps one spec per adapter, so these rows were not written by it");
          }
          if (sketches == null) {
            sketches = new float[blockRows * k];
          }
          // one String per distinct contributor or DataNet in the partition, not two per sketch: the cached blocks
          // hold them, and Spark's size estimate of the cache walks them
          contributors[n] = names.computeIfAbsent(r.getUTF8String(1).toString(), name -> name);
          datanets[n] = names.computeIfAbsent(r.getUTF8String(2).toString(), name -> name);
          copySketch(r.getArray(3), k, sketches, n, ids[n]);
          n++;
        }
        out.add(new Block(specId, ids, contributors, datanets, sketches, n));
      }
      return out;
    }
  }

  /**
   * A job's collected rows; a failed job throws what {@code collect} would have (Spark's exception,
   * naming the task's error), not the future's wrapper.
   */
  static <T> List<T> collected(java.util.concurrent.Future<List<T>> job) {
    try {
      return job.get();
    } catch (InterruptedException e) {
      job.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while collecting the queries", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw dev.poa.jobs.Unchecked.<RuntimeException>rethrow(e.getCause());
    }
  }

  /** Most (query × contributor) accumulators held at once by a partition. */
  static final int MAX_ACCUMULATORS = 8 << 20;

  /**
   * The partial rows of one partition for every chunk of queries, chunk after chunk: the rows of a
   * chunk are made when the previous chunk's have been consumed, so a task holds one chunk's rows.
   */
  static Iterator<Partial> scorePartition(int part, Iterator<Block> blockIterator, List<QueryChunk> chunks, Keys keys,
      int topK) {
    PartitionScorer scorer = new PartitionScorer(part, blockIterator, keys);
    Iterator<QueryChunk> next = chunks.iterator();
    return new Iterator<>() {
      private Iterator<Partial> rows = java.util.Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!rows.hasNext() && next.hasNext()) {
          rows = scorer.score(next.next(), topK).iterator();
        }
        return rows.hasNext();
      }

      @Override
      public Partial next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return rows.next();
      }
    };
  }

  /**
   * The blocks of one partition, with each sketch's (contributor, datanet) numbered in the order the
   * partition first meets them (its sums are kept by that number), and that number's in the adapter's Keys.
   */
  static final class PartitionScorer {
    private final int part;
    private final List<Block> blocks = new ArrayList<>();
    private final int[] keyNumbers;
    private final List<int[]> blockKeys = new ArrayList<>();
    private int maxBlock;

    PartitionScorer(int part, Iterator<Block> blockIterator, Keys adapterKeys) {
      this.part = part;
      blockIterator.forEachRemaining(blocks::add);
      List<String[]> pairs = new ArrayList<>();
      Map<String, Integer> keyIds = new HashMap<>();
      for (Block b : blocks) {
        int[] ks = new int[b.size()];
        for (int c = 0; c < b.size(); c++) {
          ks[c] = number(b, c, keyIds, pairs);
        }
        blockKeys.add(ks);
        maxBlock = Math.max(maxBlock, b.size());
      }
      keyNumbers = adapterKeys.numbers(part, pairs);
    }

    /** The (contributor, datanet) pairs of these blocks, in first-seen order. */
    static List<String[]> keys(List<Block> blocks) {
      List<String[]> pairs = new ArrayList<>();
      Map<String, Integer> keyIds = new HashMap<>();
      for (Block b : blocks) {
        for (int c = 0; c < b.size(); c++) {
          number(b, c, keyIds, pairs);
        }
      }
      return pairs;
    }

    /** Row c's pair's number in first-seen order, numbering it (into pairs) when new. */
    private static int number(Block b, int c, Map<String, Integer> keyIds, List<String[]> pairs) {
      String key = b.contributors()[c] + "\u0000" + b.datanets()[c];
      Integer id = keyIds.get(key);
      if (id == null) {
        id = pairs.size();
        keyIds.put(key, id);
        pairs.add(new String[] {b.contributors()[c], b.datanets()[c]});
      }
      return id;
    }

    /**
     * Per query of the chunk, its local top-k rows and one sum row per (contributor, datanet).
     * The work is split into small methods (a block's scores per query, a candidate's insertion, a
     * query's partial) rather than one method of nested loops: such a method was compiled only by
     * on-stack replacement, recompiled each time a task reached a path it had not taken before (the
     * end of its first chunk, the first positive sum), seven compilations of 0.08–0.21 s on cores the
     * tasks needed, and the first two tasks took 0.7–0.8 s longer than the others.
     */
    List<Partial> score(QueryChunk q, int topK) {
      int k = q.k();
      int nq = q.ids().length;
      int nk = Math.max(1, keyNumbers.length);
      int span = Math.max(1, Math.min(nq, MAX_ACCUMULATORS / nk));
      List<Partial> result = new ArrayList<>();
      float[] out = new float[maxBlock * span];
      for (int q0 = 0; q0 < nq; q0 += span) {
        int m = Math.min(span, nq - q0);
        float[] psi = java.util.Arrays.copyOfRange(q.whitened(), q0 * k, (q0 + m) * k);
        long[] sums = new long[m * nk];
        TopLists top = new TopLists(m, topK);
        for (int bi = 0; bi < blocks.size(); bi++) {
          Block b = blocks.get(bi);
          int nc = b.size();
          int[] ks = blockKeys.get(bi);
          Trak.scoreBlock(psi, m, b.sketches(), nc, k, out);
          for (int qi = 0; qi < m; qi++) {
            int exp = q.scaleExp()[q0 + qi];
            double unit = fixedUnit(exp);
            if (unit > 0) {
              addFixed(out, qi * nc, nc, unit, sums, qi * nk, ks);
            } else {
              addFixedBeyondUnit(out, qi * nc, nc, exp, sums, qi * nk, ks);
            }
            top.offer(qi, out, qi * nc, nc, bi, b.ids());
          }
        }
        for (int qi = 0; qi < m; qi++) {
          result.add(partial(q.ids()[q0 + qi], q.scaleExp()[q0 + qi], top, qi, sums, qi * nk));
        }
      }
      return result;
    }

    /** One query's partial: its top-k rows and its positive sums, by their numbers in the adapter's Keys. */
    private Partial partial(String rid, int exp, TopLists top, int qi, long[] sums, int sb) {
      int n = top.count[qi];
      String[] topIds = new String[n];
      int[] topKeys = new int[n];
      double[] topValues = new double[n];
      long[] topFixed = new long[n];
      for (int t = 0; t < n; t++) {
        int tb = qi * top.topK + t;
        Block b = blocks.get(top.block[tb]);
        int row = top.row[tb];
        double s = top.score[tb];
        topIds[t] = b.ids()[row];
        topKeys[t] = keyNumbers[blockKeys.get(top.block[tb])[row]];
        topValues[t] = Math.scalb(s, -exp);
        topFixed[t] = fixed(s, exp);
      }
      int positive = 0;
      for (int key = 0; key < keyNumbers.length; key++) {
        if (sums[sb + key] > 0) {
          positive++;
        }
      }
      int[] sumKeys = new int[positive];
      long[] sumTotals = new long[positive];
      int j = 0;
      for (int key = 0; key < keyNumbers.length; key++) {
        long total = sums[sb + key];
        if (total > 0) {
          sumKeys[j] = keyNumbers[key];
          sumTotals[j++] = total;
        }
      }
      return new Partial(rid, part, exp, topIds, topKeys, topValues, topFixed, sumKeys, sumTotals);
    }

    /**
     * Per query, its top-k so far: scores in ascending order (by insertion) and their (block, row)
     * positions; the ids of the blocks break ties.
     */
    private final class TopLists {
      final int topK;
      final double[] score;
      final int[] block;
      final int[] row;
      final int[] count;

      TopLists(int queries, int topK) {
        this.topK = topK;
        score = new double[queries * topK];
        block = new int[queries * topK];
        row = new int[queries * topK];
        count = new int[queries];
      }

      /**
       * Offers query qi's scores against block bi, {@code out[base .. base + nc)}. Once the list is
       * full, the scores below its weakest cannot enter, and are skipped by {@link FloatScan} (most
       * of them: a vector at a time, where the comparison of each score took 7 % of the scoring's
       * samples); each score that reaches the weakest goes through the comparison below.
       * The weakest is a score, a float held as a double, so comparing floats is exact.
       */
      void offer(int qi, float[] out, int base, int nc, int bi, String[] ids) {
        int tb = qi * topK;
        int end = base + nc;
        for (int i = base; i < end; i++) {
          if (count[qi] == topK) {
            i = FloatScan.firstAtLeast(out, i, end, (float) score[tb]);
            if (i == end) {
              break;
            }
          }
          double s = out[i];
          int c = i - base;
          // better(s, id, weakest kept, its id), with the ids compared only on a tie
          if (count[qi] < topK || s > score[tb]
              || s == score[tb] && ids[c].compareTo(blocks.get(block[tb]).ids()[row[tb]]) < 0) {
            insert(qi, s, bi, c, ids);
          }
        }
      }

      /** Inserts a candidate into query qi's ascending list, dropping the weakest when full. */
      private void insert(int qi, double s, int bi, int c, String[] ids) {
        int tb = qi * topK;
        int pos = count[qi] < topK ? count[qi] : 0;
        if (count[qi] == topK) {
          // shift the weakest out
          for (int t = 0; t < topK - 1; t++) {
            score[tb + t] = score[tb + t + 1];
            block[tb + t] = block[tb + t + 1];
            row[tb + t] = row[tb + t + 1];
          }
          pos = topK - 1;
        } else {
          count[qi]++;
        }
        while (pos > 0 && better(score[tb + pos - 1], blocks.get(block[tb + pos - 1]).ids()[row[tb + pos - 1]], s, ids[c])) {
          score[tb + pos] = score[tb + pos - 1];
          block[tb + pos] = block[tb + pos - 1];
          row[tb + pos] = row[tb + pos - 1];
          pos--;
        }
        score[tb + pos] = s;
        block[tb + pos] = bi;
        row[tb + pos] = c;
      }
    }
  }

  /**
   * {@link #addFixed} for a query whose unit is not a normal power of two ({@link #fixedUnit} is 0):
   * each positive score through {@link #fixed}.
   */
  static void addFixedBeyondUnit(float[] out, int base, int nc, int exp, long[] sums, int sb, int[] ks) {
    for (int c = 0; c < nc; c++) {
      double s = out[base + c];
      if (s > 0) {
        sums[sb + ks[c]] += fixed(s, exp);
      }
    }
  }

  /**
   * Adds each positive score's fixed-point value, {@code Math.round(s·unit)}, to its key's sum: the
   * same longs as {@code if (s > 0) sums[..] += Math.round(s * unit)}, without Math.round's bit
   * manipulation (about a tenth of the scoring's time went to it) and without a branch on the sign
   * of a score (half of them are negative, in no order the processor can predict).
   * {@code unit} is a power of two ({@link #fixedUnit}), so x = s·unit is a float's 24-bit
   * significand times a power of two, exactly. From 0.5 to 2^52, x + 0.5 is exact (its ulp is at
   * most 0.5 and divides 0.5), so truncating it is floor(x + 0.5), Math.round's definition; from
   * 2^52 on, x is a multiple of 2^29, x + 0.5 rounds back to x, and the cast is Math.round(x) (both
   * saturate from 2^63 on). Below 0.5 (a score ≤ 0, a NaN, or one too small to count) it adds 0.
   */
  static void addFixed(float[] out, int base, int nc, double unit, long[] sums, int sb, int[] ks) {
    for (int c = 0; c < nc; c++) {
      double x = out[base + c] * unit;
      long v = (long) (x + 0.5);
      sums[sb + ks[c]] += x >= 0.5 ? v : 0L;
    }
  }

  /** Ranking of contributions for one query: higher score first, then smaller id. */
  static boolean better(double s1, String id1, double s2, String id2) {
    return s1 != s2 ? s1 > s2 : id1.compareTo(id2) < 0;
  }
}
