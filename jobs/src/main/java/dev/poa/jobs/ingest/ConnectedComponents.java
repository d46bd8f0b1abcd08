package dev.poa.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Connected components of an undirected graph given as an edge list {@code (u, v)} of longs, by
 * the alternating Large-Star / Small-Star algorithm (Kiveris et al., "Connected Components in
 * MapReduce and Beyond", SoCC 2014), on DataFrames: each round is two group-bys and two joins
 * (shuffles), and it converges in O(log² n) rounds; in practice a handful, since near-duplicate
 * clusters are small. Every round is materialised ({@code localCheckpoint}) so plans stay short.
 *
 * <p>Large-Star links every neighbour larger than a node to the smallest node of its
 * neighbourhood; Small-Star links a node and its smaller neighbours to the smallest of them. At
 * the fixpoint every edge is (member, root) with root the smallest node of the component.
 */
public final class ConnectedComponents {
  private ConnectedComponents() {}

  /** Result of a run: (node, root) for every node of every edge, and the rounds it took. */
  public record Result(Dataset<Row> components, int rounds) {}

  public static Result run(Dataset<Row> edges, int maxRounds) {
    Dataset<Row> e =
        edges
            .filter(col("u").notEqual(col("v")))
            .select(least(col("u"), col("v")).as("u"), greatest(col("u"), col("v")).as("v"))
            .distinct()
            .localCheckpoint();
    if (e.isEmpty()) {
      return new Result(e.select(col("u").as("node"), col("v").as("root")), 0);
    }
    int rounds = 0;
    while (true) {
      rounds++;
      Dataset<Row> next = smallStar(largeStar(e)).localCheckpoint();
      boolean same = next.exceptAll(e).isEmpty() && e.exceptAll(next).isEmpty();
      e = next;
      if (same) {
        break;
      }
      if (rounds >= maxRounds) {
        throw new IllegalStateException(
            "Connected components did not converge in " + maxRounds + " rounds: raise poa.dedup.max-cc-rounds");
      }
    }
    // At the fixpoint edges are (root, member) with root < member (normalised as u < v).
    Dataset<Row> members = e.select(col("v").as("node"), col("u").as("root"));
    Dataset<Row> roots = e.select(col("u").as("node"), col("u").as("root")).distinct();
    return new Result(members.unionByName(roots).distinct(), rounds);
  }

  /**
   * Components found on the driver by union-find: {@code nodes} ascending, and for each node the index in
   * {@code nodes} of its component's root, the component's smallest node, as {@link #run} gives it.
   */
  public record Forest(long[] nodes, int[] roots) {
    /** The index of {@code node} in {@link #nodes}, negative if it is not a node of an edge. */
    public int indexOf(long node) {
      return Arrays.binarySearch(nodes, node);
    }

    public int size() {
      return nodes.length;
    }

    /** (node, root) for every node, the rows {@link #run} gives, as a local relation. */
    public Dataset<Row> components(SparkSession spark) {
      List<Row> rows = new ArrayList<>(nodes.length);
      for (int i = 0; i < nodes.length; i++) {
        rows.add(RowFactory.create(nodes[i], nodes[roots[i]]));
      }
      return spark.createDataFrame(rows, COMPONENTS);
    }
  }

  private static final StructType COMPONENTS =
      new StructType().add("node", DataTypes.LongType, false).add("root", DataTypes.LongType, false);

  /**
   * The same components as {@link #run}, every node of an edge that is not a self-loop with the smallest node of
   * its component, found by union-find over edges already on the driver ({@code us[i]}–{@code vs[i]}): for an edge
   * list small enough to collect. Each round of {@link #run} is three Spark queries (the round and the two halves of
   * its fixpoint check) plus one to start, each with its shuffles and its jobs, whatever the graph's size; a batch's
   * near-duplicate graph is usually a few thousand edges or fewer.
   */
  public static Forest onDriver(long[] us, long[] vs) {
    long[] nodes = new long[2 * us.length];
    int m = 0;
    for (int i = 0; i < us.length; i++) {
      if (us[i] != vs[i]) {
        nodes[m++] = us[i];
        nodes[m++] = vs[i];
      }
    }
    Arrays.sort(nodes, 0, m);
    int n = 0;
    for (int i = 0; i < m; i++) {
      if (i == 0 || nodes[i] != nodes[i - 1]) {
        nodes[n++] = nodes[i];
      }
    }
    nodes = Arrays.copyOf(nodes, n);
    // nodes are numbered in ascending order, and a union keeps the smaller number as the root, so each root
    // is its component's smallest node
    int[] parent = new int[n];
    for (int i = 0; i < n; i++) {
      parent[i] = i;
    }
    for (int i = 0; i < us.length; i++) {
      if (us[i] != vs[i]) {
        int a = find(parent, Arrays.binarySearch(nodes, us[i]));
        int b = find(parent, Arrays.binarySearch(nodes, vs[i]));
        if (a != b) {
          parent[Math.max(a, b)] = Math.min(a, b);
        }
      }
    }
    for (int i = 0; i < n; i++) {
      parent[i] = find(parent, i);
    }
    return new Forest(nodes, parent);
  }

  private static int find(int[] parent, int x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]]; // path halving
      x = parent[x];
    }
    return x;
  }

  /** For each u: m = min(N(u) ∪ {u}); emit (v, m) for every neighbour v > u. */
  static Dataset<Row> largeStar(Dataset<Row> e) {
    Dataset<Row> both =
        e.select(col("u").as("src"), col("v").as("dst"))
            .unionByName(e.select(col("v").as("src"), col("u").as("dst")));
    Dataset<Row> mins = both.groupBy("src").agg(min("dst").as("m"));
    return both.join(mins, "src")
        .filter(col("dst").gt(col("src")))
        .select(col("dst").as("a"), least(col("m"), col("src")).as("b"))
        .select(least(col("a"), col("b")).as("u"), greatest(col("a"), col("b")).as("v"))
        .filter(col("u").notEqual(col("v")))
        .distinct();
  }

  /** For each u: N = neighbours ≤ u, m = min(N ∪ {u}); emit (v, m) for v in N ∪ {u}. */
  static Dataset<Row> smallStar(Dataset<Row> e) {
    // Orient every edge from the larger to the smaller endpoint.
    Dataset<Row> down =
        e.select(
            when(col("u").gt(col("v")), col("u")).otherwise(col("v")).as("src"),
            when(col("u").gt(col("v")), col("v")).otherwise(col("u")).as("dst"));
    Dataset<Row> mins = down.groupBy("src").agg(min("dst").as("m"));
    Dataset<Row> withMin = down.join(mins, "src");
    Dataset<Row> fromNeighbours = withMin.select(col("dst").as("a"), col("m").as("b"));
    Dataset<Row> fromSelf = mins.select(col("src").as("a"), col("m").as("b"));
    return fromNeighbours
        .unionByName(fromSelf)
        .select(least(col("a"), col("b")).as("u"), greatest(col("a"), col("b")).as("v"))
        .filter(col("u").notEqual(col("v")))
        .distinct();
  }
}
