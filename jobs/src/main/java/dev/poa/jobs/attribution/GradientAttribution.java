package dev.poa.jobs.attribution;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import dev.poa.jobs.Progress;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.influence.SketchSpec;
import dev.poa.udfs.influence.Trak;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

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
   * @param queryChunk whitened queries broadcast at a time
   * @param blockRows training sketches per block product
   * @param partitions partitions of the training sketches (fixed, so sums are reproducible)
   */
  public record Settings(double damping, boolean relativeDamping, int topK, int queryChunk, int blockRows, int partitions) {
    public static Settings defaults() {
      return new Settings(Trak.DEFAULT_DAMPING, true, 10, 1024, 512, 8);
    }
  }

  /** Scores (request_id, adapter_id, contribution_id, contributor, datanet, score, share, rank) and reasons. */
  public record Output(Dataset<Row> scores, Dataset<Row> unattributed) {}

  static final StructType PARTIAL = new StructType()
      .add("request_id", DataTypes.StringType, false)
      .add("kind", DataTypes.StringType, false)
      .add("part", DataTypes.IntegerType, false)
      .add("contribution_id", DataTypes.StringType, true)
      .add("contributor", DataTypes.StringType, false)
      .add("datanet", DataTypes.StringType, false)
      .add("value", DataTypes.DoubleType, false);

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
    List<String> adapters = inferences.select("adapter_id").distinct().orderBy("adapter_id")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    Dataset<Row> partials = spark.createDataFrame(List.of(), PARTIAL);
    Dataset<Row> reasons = spark.createDataFrame(List.of(), REASONS);
    Dataset<Row> contributions = spark.table(lh.sparkName(Tables.CONTRIBUTIONS)).select("contribution_id", "contributor", "datanet");
    List<Dataset<Row>> cached = new ArrayList<>();
    for (String adapter : adapters) {
      Dataset<Row> queries = inferences.filter(col("adapter_id").equalTo(adapter));
      Dataset<Row> train = spark.table(lh.sparkName(Tables.TRAINING_GRADIENTS)).filter(col("adapter_id").equalTo(adapter))
          .join(contributions, "contribution_id")
          .select("contribution_id", "contributor", "datanet", "sketch", "sketch_spec");
      List<Row> specs = train.select("sketch_spec").distinct().collectAsList();
      if (specs.isEmpty()) {
        progress.step("gradient: adapter " + adapter + " has no training gradients (poa gradients ingest)");
        reasons = reasons.union(queries.select(col("request_id"), lit("no_training_gradients").as("reason")));
        continue;
      }
      String spec = specs.get(0).getString(0);
      reasons = reasons.union(queries.filter(col("sketch_spec").notEqual(lit(spec)))
          .select(col("request_id"), lit("sketch_spec_mismatch").as("reason")));
      int k = SketchSpec.parse(spec).k();
      Dataset<Row> trainParts = train.repartition(settings.partitions(), col("contribution_id"))
          .sortWithinPartitions("contribution_id").persist(StorageLevel.MEMORY_AND_DISK());
      cached.add(trainParts);
      Trak.Gram gram = new Trak.Gram(k);
      List<Trak.Gram> parts = trainParts.javaRDD().mapPartitions((Iterator<Row> it) -> {
        Trak.Gram g = new Trak.Gram(k);
        while (it.hasNext()) {
          g.add(floats(it.next().getList(3)));
        }
        return List.of(g).iterator();
      }).collect();
      for (Trak.Gram g : parts) {
        gram.merge(g);
      }
      Trak.Preconditioner pre = Trak.Preconditioner.of(gram.matrix(), k, settings.damping(), settings.relativeDamping());
      List<Row> q = queries.filter(col("sketch_spec").equalTo(lit(spec))).select("request_id", "gradient_sketch")
          .orderBy("request_id").collectAsList();
      progress.step(String.format("gradient: adapter %s, %d training sketches (k = %d, λ = %.4g), %d queries", adapter,
          gram.count(), k, pre.lambda(), q.size()));
      for (int from = 0; from < q.size(); from += settings.queryChunk()) {
        List<Row> chunk = q.subList(from, Math.min(q.size(), from + settings.queryChunk()));
        String[] ids = new String[chunk.size()];
        float[] whitened = new float[chunk.size() * k];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = chunk.get(i).getString(0);
          System.arraycopy(pre.whiten(floats(chunk.get(i).getList(1))), 0, whitened, i * k, k);
        }
        Broadcast<QueryChunk> b = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
            .broadcast(new QueryChunk(ids, whitened, k));
        int topK = settings.topK();
        int blockRows = settings.blockRows();
        JavaRDD<Row> scored = trainParts.javaRDD().mapPartitionsWithIndex(
            (idx, it) -> scorePartition(idx, it, b.value(), topK, blockRows).iterator(), false);
        partials = partials.union(spark.createDataFrame(scored, PARTIAL));
      }
    }
    Dataset<Row> p = partials.localCheckpoint();
    cached.forEach(Dataset::unpersist);
    return new Output(combine(p), reasons);
  }

  /** Merges the partitions' partial results into score rows; every sum in a fixed order. */
  Dataset<Row> combine(Dataset<Row> partials) {
    Dataset<Row> sums = partials.filter(col("kind").equalTo("sum"))
        .groupBy("request_id", "contributor", "datanet")
        .agg(expr("aggregate(array_sort(collect_list(struct(part, value))), 0D, (a, x) -> a + x.value)").as("total"));
    Dataset<Row> requestTotals = sums.groupBy("request_id")
        .agg(expr("aggregate(array_sort(collect_list(struct(contributor, datanet, total))), 0D, (a, x) -> a + x.total)")
            .as("request_total"))
        .filter(col("request_total").gt(0));
    Dataset<Row> top = partials.filter(col("kind").equalTo("top"))
        .withColumn("rank", row_number().over(Window.partitionBy("request_id")
            .orderBy(col("value").desc(), col("contribution_id"))))
        .filter(col("rank").leq(settings.topK()).and(col("value").gt(0)))
        .join(requestTotals, "request_id");
    Dataset<Row> topRows = top.select(col("request_id"), col("contribution_id"), col("contributor"), col("datanet"),
        col("value").as("score"), col("value").divide(col("request_total")).as("share"), col("rank"));
    Dataset<Row> topPerContributor = top.groupBy("request_id", "contributor", "datanet")
        .agg(expr("aggregate(array_sort(collect_list(struct(rank, value))), 0D, (a, x) -> a + x.value)").as("top_sum"));
    Dataset<Row> rest = sums.join(requestTotals, "request_id")
        .join(topPerContributor, new String[] {"request_id", "contributor", "datanet"}, "left")
        .withColumn("rest", col("total").minus(coalesce(col("top_sum"), lit(0.0))))
        // what is left once floating-point noise of the subtraction is ignored
        .filter(col("rest").gt(col("total").multiply(lit(1e-9))))
        .select(col("request_id"), lit(null).cast("string").as("contribution_id"), col("contributor"), col("datanet"),
            col("rest").as("score"), col("rest").divide(col("request_total")).as("share"),
            lit(null).cast("int").as("rank"));
    return topRows.unionByName(rest);
  }

  static float[] floats(List<Object> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }

  /** Whitened queries broadcast to the executors. */
  record QueryChunk(String[] ids, float[] whitened, int k) implements Serializable {}

  private record Scored(double score, String contributionId, String contributor, String datanet) {}

  static List<Row> scorePartition(int part, Iterator<Row> rows, QueryChunk q, int topK, int blockRows) {
    int k = q.k();
    int nq = q.ids().length;
    List<PriorityQueue<Scored>> tops = new ArrayList<>(nq);
    List<Map<String, double[]>> sums = new ArrayList<>(nq);
    for (int i = 0; i < nq; i++) {
      // min-heap on (score, then id descending): the head is the weakest of the current top-k
      tops.add(new PriorityQueue<>((a, b) -> a.score() != b.score() ? Double.compare(a.score(), b.score())
          : b.contributionId().compareTo(a.contributionId())));
      sums.add(new HashMap<>());
    }
    float[] block = new float[blockRows * k];
    float[] out = new float[blockRows * nq];
    String[] ids = new String[blockRows];
    String[] contributors = new String[blockRows];
    String[] datanets = new String[blockRows];
    int nc = 0;
    while (true) {
      boolean more = rows.hasNext();
      if (more) {
        Row r = rows.next();
        ids[nc] = r.getString(0);
        contributors[nc] = r.getString(1);
        datanets[nc] = r.getString(2);
        List<Object> s = r.getList(3);
        for (int j = 0; j < k; j++) {
          block[nc * k + j] = ((Number) s.get(j)).floatValue();
        }
        nc++;
      }
      if (nc == blockRows || (!more && nc > 0)) {
        Trak.scoreBlock(q.whitened(), nq, block, nc, k, out);
        for (int qi = 0; qi < nq; qi++) {
          PriorityQueue<Scored> heap = tops.get(qi);
          Map<String, double[]> sum = sums.get(qi);
          for (int c = 0; c < nc; c++) {
            double s = out[qi * nc + c];
            Scored cand = new Scored(s, ids[c], contributors[c], datanets[c]);
            if (heap.size() < topK) {
              heap.add(cand);
            } else if (heap.comparator().compare(cand, heap.peek()) > 0) {
              heap.poll();
              heap.add(cand);
            }
            if (s > 0) {
              sum.computeIfAbsent(contributors[c] + "\u0000" + datanets[c], x -> new double[1])[0] += s;
            }
          }
        }
        nc = 0;
      }
      if (!more) {
        break;
      }
    }
    List<Row> result = new ArrayList<>();
    for (int qi = 0; qi < nq; qi++) {
      for (Scored s : tops.get(qi)) {
        result.add(RowFactory.create(q.ids()[qi], "top", part, s.contributionId(), s.contributor(), s.datanet(), s.score()));
      }
      for (Map.Entry<String, double[]> e : new TreeMap<>(sums.get(qi)).entrySet()) {
        String[] key = e.getKey().split("\u0000", 2);
        result.add(RowFactory.create(q.ids()[qi], "sum", part, null, key[0], key[1], e.getValue()[0]));
      }
    }
    return result;
  }

}
