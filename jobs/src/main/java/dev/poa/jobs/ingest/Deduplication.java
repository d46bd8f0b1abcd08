package dev.poa.jobs.ingest;

import static org.apache.spark.sql.functions.array_intersect;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.poa.jobs.Progress;
import dev.poa.schemas.BadInputException;
import dev.poa.udfs.MinHash;
import dev.poa.udfs.spark.PoaUdfs;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Exact and near-duplicate detection of a batch against itself and against every stored
 * contribution, in Spark built-in expressions (hashing, explode, joins, aggregates), apart from
 * the MinHash signature, which is a Java UDF or its built-in twin by configuration.
 *
 * <ol>
 *   <li>Exact: rows are grouped by (scope, sha256 of normalised content). A group that matches a
 *       stored contribution maps onto it; otherwise its earliest row (submitted_at, then ingest
 *       order) represents it and the others are exact duplicates of that representative.
 *   <li>Candidates: MinHash signatures of the representatives (and the stored signatures) are cut
 *       into {@code bands} bands of {@code rows} values; rows sharing a band hash in the same scope
 *       are candidate pairs (a self-join on band hash: the main shuffle of the job).
 *   <li>Verification: each candidate pair's exact Jaccard similarity of shingle sets is computed
 *       ({@code array_intersect}, the union's size from the sets' sizes); pairs at or above the
 *       threshold are edges.
 *       So are pairs where the smaller set lies within the larger at or above the containment
 *       threshold and the sets differ in size by at most a factor of two: a boilerplate header or
 *       footer added to a short text, or a truncation, lowers Jaccard but not containment.
 *   <li>Clusters: connected components of the edges ({@link ConnectedComponents}), so chains of
 *       near-duplicates form one cluster, not only direct pairs.
 *   <li>Credit: in a cluster holding stored contributions, the earliest stored one is canonical
 *       (accepted contributions are final, whatever arrives later); otherwise the earliest new
 *       representative is accepted and the other members are near duplicates of it.
 * </ol>
 */
public final class Deduplication {
  /** Dedup settings; see docs/ingest.md for the defaults and why. */
  public record Settings(
      double threshold, double containment, int shingleWords, int bands, int rowsPerBand, boolean crossDatanet,
      String minhashImpl, int maxCcRounds, long driverCcMaxEdges) {
    /** Containment applies only to pairs whose shingle sets differ in size by at most this factor. */
    public static final double CONTAINMENT_MIN_SIZE_RATIO = 0.5;

    /**
     * Verified pairs up to which the clusters and their credit are found on the driver ({@link
     * ConnectedComponents#onDriver}): 200,000 pairs are 6.4 MB to collect (two ids, Jaccard, containment), and at
     * most 400,000 nodes go back twice as broadcast local relations: (node, root), 6.4 MB of longs, and the credit,
     * about 80 bytes a row in Spark's row format with its 34-character contribution id (some 32 MB).
     */
    public static final long DEFAULT_DRIVER_CC_MAX_EDGES = 200_000;

    public Settings {
      if (!(threshold > 0 && threshold <= 1)) {
        throw new BadInputException("poa.dedup.threshold must be in (0, 1], got " + threshold);
      }
      if (!(containment >= 0 && containment <= 1)) {
        throw new BadInputException("poa.dedup.containment must be in [0, 1] (0 = off), got " + containment);
      }
      if (shingleWords < 1 || bands < 1 || rowsPerBand < 1) {
        throw new BadInputException("poa.dedup shingle words, bands and rows must be positive");
      }
      if (!minhashImpl.equals("udf") && !minhashImpl.equals("builtin")) {
        throw new BadInputException("poa.dedup.minhash must be udf or builtin, got " + minhashImpl);
      }
      if (driverCcMaxEdges < 0) {
        throw new BadInputException("poa.dedup.driver-cc-max-edges must be 0 or more, got " + driverCcMaxEdges);
      }
    }

    /** The defaults (docs/ingest.md, "Deduplication", explains each). */
    public static Settings defaults() {
      return new Settings(0.8, 0.85, MinHash.DEFAULT_SHINGLE_WORDS, MinHash.DEFAULT_BANDS,
          MinHash.DEFAULT_ROWS_PER_BAND, false, "udf", 50, DEFAULT_DRIVER_CC_MAX_EDGES);
    }

    public Settings withCrossDatanet(boolean across) {
      return new Settings(threshold, containment, shingleWords, bands, rowsPerBand, across, minhashImpl, maxCcRounds,
          driverCcMaxEdges);
    }

    public Settings withMinhash(String impl) {
      return new Settings(threshold, containment, shingleWords, bands, rowsPerBand, crossDatanet, impl, maxCcRounds,
          driverCcMaxEdges);
    }

    /** The same settings, with clusters found on the driver for graphs of up to {@code maxEdges} verified pairs. */
    public Settings withDriverCcMaxEdges(long maxEdges) {
      return new Settings(threshold, containment, shingleWords, bands, rowsPerBand, crossDatanet, minhashImpl,
          maxCcRounds, maxEdges);
    }

    /** Whether the built-in (GPU-capable) expressions compute signatures, band hashes and shingle sets. */
    public boolean builtin() {
      return minhashImpl.equals("builtin");
    }

    public int numPermutations() {
      return bands * rowsPerBand;
    }
  }

  private Deduplication() {}

  /** Column with the contribution id a new canonical row gets. */
  public static Column newContributionId(Column datanet, Column normalizedSha256) {
    return concat(lit("c_"), substring(sha2(concat_ws("\n", datanet, normalizedSha256), 256), 1, 32));
  }

  /**
   * Adds column {@code minhash}: the MinHash signature of column {@code normalized}, by the
   * configured implementation, for rows where {@code when} holds (null elsewhere).
   */
  public static Dataset<Row> withMinhash(Dataset<Row> df, Column when, Settings s) {
    if (s.builtin()) {
      // Words are split once per row into their own column, not inside the lambdas.
      return df.withColumn("__words", expr(PoaUdfs.wordsExpr("normalized")))
          .withColumn("minhash", org.apache.spark.sql.functions.when(
              when, expr(PoaUdfs.builtinMinhashExpr("__words", s.shingleWords(), s.numPermutations()))))
          .drop("__words");
    }
    return df.withColumn("minhash", org.apache.spark.sql.functions.when(when,
        org.apache.spark.sql.functions.call_function(
            "poa_minhash", col("normalized"), lit(s.shingleWords()), lit(s.numPermutations()))));
  }

  /** Band hashes of a signature column: the built-in expression, or its Java twin (tested equal). */
  private static Column bandHashes(String sigCol, Settings s) {
    return s.builtin()
        ? expr(bandHashesExpr(sigCol, s.bands(), s.rowsPerBand()))
        : call_function("poa_band_hashes", col(sigCol), lit(s.bands()), lit(s.rowsPerBand()));
  }

  /** The built-in (GPU-capable) band hashes: per band b, {@code xxhash64(b, slice(sig, …))}. */
  public static String bandHashesExpr(String sigCol, int bands, int rows) {
    return "transform(sequence(0, " + (bands - 1) + "), b -> xxhash64(b, slice(" + sigCol + ", b * "
        + rows + " + 1, " + rows + ")))";
  }

  /**
   * @param valid validated rows (submission_id, datanet, submitted_at, ingest_seq, content,
   *     normalized_sha256, minhash); the normalised text is recomputed from the content for the
   *     few rows whose pairs are verified, rather than kept for every row of the batch
   * @param stored stored contributions (contribution_id, datanet, first_submitted_at,
   *     normalized_sha256, minhash, content)
   * @param datanets the DataNets of the valid rows: unless dedup runs across DataNets, only their stored
   *     contributions are read (the contributions table is partitioned by DataNet, so only their files)
   * @return per valid row: submission_id, status, contribution_id, reason, message, similarity
   */
  public static Dataset<Row> assign(Dataset<Row> valid, Dataset<Row> stored, List<String> datanets, Settings s,
      Progress progress) {
    Column scopeOfNew = s.crossDatanet() ? lit("*") : col("datanet");
    // Narrow rows through the shuffles; texts are joined back only for candidate pairs. Sort keys
    // lead with a hash (a SHA-256 hex, a band hash): Spark sorts on an 8-byte prefix of the first
    // key, and a scope name first would tie on it and compare whole rows.
    Dataset<Row> v =
        valid
            .select("submission_id", "datanet", "submitted_at", "ingest_seq", "normalized_sha256", "minhash")
            .withColumn("scope", scopeOfNew)
            .withColumn(
                "exact_rank",
                row_number()
                    .over(Window.partitionBy("normalized_sha256", "scope").orderBy("submitted_at", "ingest_seq")));
    // A stored contribution of another scope can neither match a new row's hash nor share its band buckets
    // (both are keyed by scope): within a DataNet, the batch's DataNets are all that is read.
    Dataset<Row> st = s.crossDatanet()
        ? stored.withColumn("scope", lit("*"))
        : stored.filter(col("datanet").isin(datanets.toArray())).withColumn("scope", col("datanet"));
    Dataset<Row> storedKeys =
        st.groupBy("scope", "normalized_sha256")
            .agg(min(struct(col("first_submitted_at"), col("contribution_id"))).getField("contribution_id").as("stored_cid"));
    v = v.join(storedKeys, new String[] {"scope", "normalized_sha256"}, "left").cache();

    // Near-duplicate nodes: new representatives and the stored contributions of the same scopes.
    Dataset<Row> reps = v.filter(col("exact_rank").equalTo(1).and(col("stored_cid").isNull()));
    Dataset<Row> newNodes =
        reps.select(
                col("scope"),
                xxhash64(col("submission_id")).as("node"),
                struct(lit(1).as("o"), col("submitted_at").as("t"), col("ingest_seq").as("q"), col("submission_id").as("k")).as("prio"),
                newContributionId(col("datanet"), col("normalized_sha256")).as("cid"),
                col("submission_id"),
                col("normalized_sha256"),
                bandHashes("minhash", s).as("bands")) // once per node: both sides of the band join use them
            .cache();
    // Only the scopes with new representatives: a DataNet whose rows of the batch are all exact duplicates of stored
    // contributions has none, and its stored bands would go through the band join for nothing. (Without this join,
    // even with no stored row, bench/run ingest's first batch took 2 s longer: bench/RESULTS.md, 2026-12-07.)
    Dataset<Row> storedNodes =
        st.join(newNodes.select("scope").distinct(), "scope")
            .select(
                col("scope"),
                xxhash64(col("contribution_id")).as("node"),
                struct(lit(0).as("o"), col("first_submitted_at").as("t"), lit(0L).as("q"), col("contribution_id").as("k")).as("prio"),
                col("contribution_id").as("cid"),
                col("minhash").as("sig"));

    // The band join has one long key, the hash of (band hash, scope), so that Spark sorts its two
    // sides by radix; the exact bucket, (band hash, scope), is then checked row by row. Written as
    // coalesce(…, false), the check stays a condition of the join: as plain equalities Spark would
    // take them for join keys again and sort on three columns.
    Column bucket = xxhash64(col("bh"), col("scope")).as("bucket");
    Dataset<Row> newBands =
        newNodes.select(col("scope"), col("node"), explode(col("bands")).as("bh")).withColumn("bucket", bucket);
    Dataset<Row> storedBands =
        storedNodes.select(col("scope"), col("node"), explode(bandHashes("sig", s)).as("bh")).withColumn("bucket", bucket);
    Dataset<Row> allBands = newBands.unionByName(storedBands);
    Dataset<Row> a = newBands.as("a");
    Dataset<Row> b = allBands.as("b");
    Column sameBucket = coalesce(col("a.bh").equalTo(col("b.bh")).and(col("a.scope").equalTo(col("b.scope"))), lit(false));
    Dataset<Row> pairs =
        a.join(b, col("a.bucket").equalTo(col("b.bucket")).and(sameBucket))
            .filter(col("a.node").notEqual(col("b.node")))
            .select(least(col("a.node"), col("b.node")).as("u"), greatest(col("a.node"), col("b.node")).as("v"))
            .distinct()
            .cache();

    // Verify candidates by exact Jaccard over shingle sets. The nodes of the pairs are few next to
    // the batch: broadcast, they select their texts where the texts are, and no text is shuffled.
    // Each node's shingle set is computed once and used on both sides of its pairs.
    Dataset<Row> inPairs =
        broadcast(pairs.select(col("u").as("node")).unionByName(pairs.select(col("v").as("node"))).distinct());
    Dataset<Row> texts =
        valid.select(xxhash64(col("submission_id")).as("node"), col("content"))
            .join(inPairs, "node")
            .unionByName(st.select(xxhash64(col("contribution_id")).as("node"), col("content")).join(inPairs, "node"))
            .select(col("node"), call_function("poa_normalize", col("content")).as("normalized"));
    Dataset<Row> shingles =
        (s.builtin()
                ? texts.select(col("node"), expr(PoaUdfs.wordsExpr("normalized")).as("w"))
                    .select(col("node"), expr("array_distinct(" + PoaUdfs.shinglesExpr("w", s.shingleWords()) + ")").as("sh"))
                : texts.select(col("node"), call_function("poa_shingle_set", col("normalized"), lit(s.shingleWords())).as("sh")))
            .localCheckpoint();
    // The intersection of each pair's sets is computed once and materialised (the pairs are few):
    // left in one plan, the verification's filter is pushed into the join condition and Spark
    // evaluated array_intersect three times per pair and array_union twice. The sets hold
    // distinct hashes, so |A ∪ B| = |A| + |B| - |A ∩ B|.
    Dataset<Row> overlaps =
        pairs.join(shingles.select(col("node").as("u"), col("sh").as("su")), "u")
            .join(shingles.select(col("node").as("v"), col("sh").as("sv")), "v")
            .select(
                col("u"),
                col("v"),
                size(array_intersect(col("su"), col("sv"))).as("common"),
                size(col("su")).as("nu"),
                size(col("sv")).as("nv"))
            .localCheckpoint();
    Dataset<Row> edges =
        overlaps
            .select(
                col("u"),
                col("v"),
                col("common").cast("double").as("common"),
                col("nu").plus(col("nv")).minus(col("common")).cast("double").as("union"),
                least(col("nu"), col("nv")).cast("double").as("smaller"),
                greatest(col("nu"), col("nv")).cast("double").as("larger"))
            .select(
                col("u"),
                col("v"),
                col("common").divide(col("union")).as("jaccard"),
                col("common").divide(col("smaller")).as("containment"),
                col("smaller").divide(col("larger")).as("size_ratio"))
            .filter(
                col("jaccard").geq(s.threshold())
                    .or(lit(s.containment() > 0)
                        .and(col("size_ratio").geq(Settings.CONTAINMENT_MIN_SIZE_RATIO))
                        .and(col("containment").geq(s.containment()))))
            .cache();

    long verified = edges.count();
    progress.step(pairs.count() + " LSH candidate pairs, " + verified + " verified (Jaccard >= " + s.threshold()
        + (s.containment() > 0 ? " or containment >= " + s.containment() : "") + ")");
    Dataset<Row> nodeInfo =
        newNodes.select(col("node"), col("prio"), col("cid"))
            .unionByName(storedNodes.select(col("node"), col("prio"), col("cid")));
    Dataset<Row> credit;
    if (verified <= s.driverCcMaxEdges()) {
      credit = creditOnDriver(edges, nodeInfo);
      progress.step("near-duplicate clusters resolved on the driver (union-find over " + verified + " pairs)");
    } else {
      ConnectedComponents.Result cc = ConnectedComponents.run(edges.select("u", "v"), s.maxCcRounds());
      progress.step("near-duplicate clusters resolved in " + cc.rounds() + " large-star/small-star round(s)");
      credit = creditInSpark(cc.components(), edges, nodeInfo);
    }

    Dataset<Row> repAssign =
        newNodes.join(credit, new String[] {"node"}, "left")
            .select(
                col("submission_id"),
                col("scope"),
                col("normalized_sha256"),
                coalesce(col("canonical_cid"), col("cid")).as("contribution_id"),
                when(col("canonical_cid").isNull().or(col("canonical_cid").equalTo(col("cid"))), lit("accepted"))
                    .otherwise(lit("near_duplicate"))
                    .as("status"),
                col("similarity"),
                col("containment"));
    Dataset<Row> repOut =
        repAssign.select(
            col("submission_id"),
            col("status"),
            col("contribution_id"),
            when(col("status").equalTo("near_duplicate"), lit("near_duplicate")).as("reason"),
            when(
                    col("status").equalTo("near_duplicate"),
                    concat(
                        lit("near-duplicate of contribution "),
                        col("contribution_id"),
                        lit(" (best pair in its cluster: Jaccard "),
                        format_number(col("similarity"), 3),
                        lit(", containment "),
                        format_number(col("containment"), 3),
                        lit(")")))
                .as("message"),
            when(col("status").equalTo("near_duplicate"), col("similarity")).as("similarity"));

    Dataset<Row> storedDup =
        v.filter(col("stored_cid").isNotNull())
            .select(col("submission_id"), col("stored_cid").as("contribution_id"));
    Dataset<Row> batchDup =
        v.filter(col("exact_rank").gt(1).and(col("stored_cid").isNull()))
            .select("submission_id", "scope", "normalized_sha256")
            .join(
                repAssign.select(col("scope"), col("normalized_sha256"), col("contribution_id")),
                new String[] {"scope", "normalized_sha256"})
            .select("submission_id", "contribution_id");
    Dataset<Row> dupOut =
        storedDup.unionByName(batchDup)
            .select(
                col("submission_id"),
                lit("duplicate").as("status"),
                col("contribution_id"),
                lit("exact_duplicate").as("reason"),
                concat(lit("same normalised content as contribution "), col("contribution_id")).as("message"),
                lit(1.0).as("similarity"));
    // Materialised: the write that follows then plans against a short lineage, and the
    // intermediate results can go.
    Dataset<Row> out = repOut.unionByName(dupOut).localCheckpoint();
    for (Dataset<Row> cached : List.of(v, newNodes, pairs, edges)) {
      cached.unpersist();
    }
    return out;
  }

  /** Columns of a graph node's credit: its cluster's canonical contribution and its best pair's similarities. */
  private static final StructType CREDIT =
      new StructType()
          .add("node", DataTypes.LongType, false)
          .add("canonical_cid", DataTypes.StringType, true)
          .add("similarity", DataTypes.DoubleType, true)
          .add("containment", DataTypes.DoubleType, true);

  /**
   * Credit of every node of the verified pairs, in Spark: clusters joined to the nodes' priorities, the smallest
   * (priority, contribution id) of each cluster, and each node's largest Jaccard and containment over its pairs.
   */
  private static Dataset<Row> creditInSpark(Dataset<Row> components, Dataset<Row> edges, Dataset<Row> nodeInfo) {
    Dataset<Row> members = components.join(nodeInfo, "node");
    Dataset<Row> nodeCanonical = members.join(canonical(members), "root").select("node", "canonical_cid");
    Dataset<Row> bestSim =
        edges.select(col("u").as("node"), col("jaccard"), col("containment"))
            .unionByName(edges.select(col("v").as("node"), col("jaccard"), col("containment")))
            .groupBy("node")
            .agg(max("jaccard").as("similarity"), max("containment").as("containment"));
    return nodeCanonical.join(bestSim, "node");
  }

  /** (root, canonical_cid): the contribution id of the smallest (priority, contribution id) of each cluster. */
  private static Dataset<Row> canonical(Dataset<Row> members) {
    return members.groupBy("root").agg(min(struct(col("prio"), col("cid"))).getField("cid").as("canonical_cid"));
  }

  /**
   * The same credit as {@link #creditInSpark}, for a graph small enough to collect: the pairs are collected and
   * clustered by union-find ({@link ConnectedComponents#onDriver}), each node's best pair is found as they are read,
   * and one query of the clusters' nodes (the components broadcast) gives each cluster's canonical contribution by
   * the same aggregate as the Spark way. Two small queries instead of the Spark way's joins and group-bys, whose
   * shuffles cost a batch about the same whatever its size. The result is a broadcast local relation (at most twice
   * the pairs in rows).
   */
  private static Dataset<Row> creditOnDriver(Dataset<Row> edges, Dataset<Row> nodeInfo) {
    SparkSession spark = edges.sparkSession();
    List<Row> pairs = edges.select("u", "v", "jaccard", "containment").collectAsList();
    long[] us = new long[pairs.size()];
    long[] vs = new long[pairs.size()];
    for (int i = 0; i < us.length; i++) {
      us[i] = pairs.get(i).getLong(0);
      vs[i] = pairs.get(i).getLong(1);
    }
    ConnectedComponents.Forest forest = ConnectedComponents.onDriver(us, vs);
    if (forest.size() == 0) {
      return spark.createDataFrame(List.of(), CREDIT);
    }
    Double[] similarity = new Double[forest.size()];
    Double[] containment = new Double[forest.size()];
    for (Row pair : pairs) {
      for (int end = 0; end < 2; end++) {
        int i = forest.indexOf(pair.getLong(end));
        similarity[i] = larger(similarity[i], pair, 2);
        containment[i] = larger(containment[i], pair, 3);
      }
    }
    String[] canonicalOfRoot = new String[forest.size()];
    for (Row row : canonical(nodeInfo.join(broadcast(forest.components(spark)), "node")).collectAsList()) {
      canonicalOfRoot[forest.indexOf(row.getLong(0))] = row.getString(1);
    }
    List<Row> credit = new ArrayList<>(forest.size());
    for (int i = 0; i < forest.size(); i++) {
      credit.add(RowFactory.create(forest.nodes()[i], canonicalOfRoot[forest.roots()[i]], similarity[i], containment[i]));
    }
    return broadcast(spark.createDataFrame(credit, CREDIT));
  }

  /** The larger of {@code best} and the pair's value at {@code field}, as Spark's max: nulls ignored, NaN largest. */
  private static Double larger(Double best, Row pair, int field) {
    if (pair.isNullAt(field)) {
      return best;
    }
    double value = pair.getDouble(field);
    return best == null ? value : Math.max(best, value);
  }
}
