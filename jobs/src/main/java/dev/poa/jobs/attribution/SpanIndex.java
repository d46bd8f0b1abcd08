package dev.poa.jobs.attribution;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;

import dev.poa.jobs.IcebergWrites;
import dev.poa.jobs.Progress;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.spark.PoaUdfs;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The n-gram index of span attribution, in Iceberg: {@code attribution.span_index} (one row per
 * n-gram of each contribution: hash, contribution, position) and {@code attribution.span_documents}
 * (the contribution's tokens, for verification). {@link #update} indexes only contributions not yet
 * indexed: new contributions never rebuild it.
 *
 * <p>Each update commits the n-grams first, then the documents, both tagged with the update's id;
 * a document row marks its contribution as indexed. An update stopped between the two commits
 * leaves n-grams without documents, which the next update deletes before indexing again.
 */
public final class SpanIndex {
  public static final String RUN_PROPERTY = "poa.index-run";
  public static final String TOKENIZER_PROPERTY = "poa.tokenizer";

  public record Result(long newDocuments, long newNgrams, long documents, boolean repairedOrphans) {}

  private final Lakehouse lh;
  private final SparkSession spark;
  private final int ngram;
  private final SpanAttribution.Settings settings;

  public SpanIndex(Lakehouse lh, SpanAttribution.Settings settings) {
    this.lh = lh;
    this.spark = lh.spark();
    this.ngram = settings.ngram();
    this.settings = settings;
  }

  public Result update(Progress progress) {
    String docs = lh.sparkName(Tables.SPAN_DOCUMENTS);
    String index = lh.sparkName(Tables.SPAN_INDEX);
    List<Row> ns = spark.table(docs).select("ngram").distinct().collectAsList();
    if (!ns.isEmpty() && (ns.size() > 1 || ns.get(0).getInt(0) != ngram)) {
      throw new IllegalStateException("The span index was built with n = " + ns.get(0).getInt(0)
          + ", not " + ngram + ": keep poa.attribution.span.ngram at " + ns.get(0).getInt(0)
          + " (or drop attribution.span_index and attribution.span_documents to rebuild it)");
    }
    org.apache.iceberg.Snapshot last = lh.table(Tables.SPAN_DOCUMENTS).currentSnapshot();
    String builtWith = last == null ? null : last.summary().get(TOKENIZER_PROPERTY);
    if (builtWith != null && !builtWith.equals(settings.tokenizer())) {
      throw new IllegalStateException("The span index was built with tokenizer " + builtWith + ", not "
          + settings.tokenizer() + ": keep poa.attribution.span.tokenizer (or drop attribution.span_index and"
          + " attribution.span_documents to rebuild it)");
    }
    boolean repaired = repairOrphans();
    String run = "ix-" + UUID.randomUUID();
    Dataset<Row> fresh = newDocuments(run, Timestamp.from(Instant.now())).localCheckpoint();
    long newDocs = fresh.count();
    long newNgrams = 0;
    if (newDocs > 0) {
      progress.step("span index: indexing " + newDocs + " new contribution(s)");
      Dataset<Row> grams = ngrams(fresh).localCheckpoint();
      newNgrams = grams.count();
      IcebergWrites.append(grams, index, Map.of(RUN_PROPERTY, run));
      IcebergWrites.append(fresh, docs, Map.of(RUN_PROPERTY, run, TOKENIZER_PROPERTY, settings.tokenizer()));
    } else {
      progress.step("span index: up to date");
    }
    long total = spark.table(docs).count();
    return new Result(newDocs, newNgrams, total, repaired);
  }

  /**
   * Counts the word document frequencies of the adapters' training sets that have none yet, or
   * whose training set no longer has the size they were counted at, into
   * {@code attribution.span_vocabulary} (one partition per adapter, replaced whole: a count is
   * never partial). A training set is fixed at registration, so this runs once per adapter; the
   * index must hold its contributions (an {@link #update} before).
   */
  public void countVocabularies(List<String> adapterIds, Progress progress) {
    if (adapterIds.isEmpty()) {
      return;
    }
    String vocabulary = lh.sparkName(Tables.SPAN_VOCABULARY);
    Dataset<Row> sets = spark.table(lh.sparkName(Tables.ADAPTER_TRAINING_SET))
        .filter(col("adapter_id").isin(adapterIds.toArray()));
    Dataset<Row> sizes = sets.groupBy("adapter_id").count().withColumnRenamed("count", "set_size");
    List<String> todo = sizes.join(spark.table(vocabulary).select("adapter_id", "set_size").distinct(),
            new String[] {"adapter_id", "set_size"}, "left_anti")
        .select("adapter_id").orderBy("adapter_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    if (todo.isEmpty()) {
      return;
    }
    progress.step("span vocabulary: counting the words of the training set of " + String.join(", ", todo));
    Dataset<Row> counts = spark.table(lh.sparkName(Tables.SPAN_DOCUMENTS)).select("contribution_id", "tokens")
        .join(sets.filter(col("adapter_id").isin(todo.toArray())).select("adapter_id", "contribution_id"), "contribution_id")
        .select(col("adapter_id"), expr("explode(array_distinct(tokens))").as("token"))
        .groupBy("adapter_id", "token").count()
        .join(sizes, "adapter_id")
        .select(col("adapter_id"), col("token"), col("count").as("documents"), col("set_size"));
    IcebergWrites.overwritePartitions(counts, vocabulary);
  }

  /** Contributions not indexed yet, tokenised: rows of {@code attribution.span_documents}. */
  public Dataset<Row> newDocuments(String run, Timestamp now) {
    SpanAttribution.registerTokenizer(spark, settings);
    return spark.table(lh.sparkName(Tables.CONTRIBUTIONS))
        .join(spark.table(lh.sparkName(Tables.SPAN_DOCUMENTS)).select("contribution_id"), new String[] {"contribution_id"},
            "left_anti")
        .select(col("contribution_id"), col("datanet"), expr("poa_tokens(content)").as("tokens"))
        .select(col("contribution_id"), col("datanet"), col("tokens"), size(col("tokens")).as("token_count"),
            lit(ngram).as("ngram"), lit(run).as("index_run"), lit(now).as("indexed_at"));
  }

  /** The n-grams of documents: rows of {@code attribution.span_index}. */
  public Dataset<Row> ngrams(Dataset<Row> documents) {
    return documents
        .select(col("contribution_id"), expr("posexplode(" + PoaUdfs.ngramHashesExpr("tokens", ngram) + ")"))
        .select(col("col").as("ngram_hash"), col("contribution_id"), col("pos").as("position"));
  }

  /**
   * Deletes n-grams of an update that stopped before committing its documents: only the latest
   * update of the index can be such (every update repairs first). Compaction commits
   * ({@code replace}) are looked through, and the documents' update is looked for in their
   * current ancestry (not {@code snapshots()}, which lists rolled-back ones); when snapshot expiry
   * has removed it, the delete runs anyway: it only removes n-grams of contributions that have no
   * document, which is always right.
   */
  private boolean repairOrphans() {
    Snapshot latest = null;
    Table index = lh.table(Tables.SPAN_INDEX);
    if (index.currentSnapshot() != null) {
      for (Snapshot s : SnapshotUtil.ancestorsOf(index.currentSnapshot().snapshotId(), index::snapshot)) {
        if (!DataOperations.REPLACE.equals(s.operation())) {
          latest = s;
          break;
        }
      }
    }
    String run = latest == null ? null : latest.summary().get(RUN_PROPERTY);
    if (run == null || !DataOperations.APPEND.equals(latest.operation())) {
      return false;
    }
    Table documents = lh.table(Tables.SPAN_DOCUMENTS);
    if (documents.currentSnapshot() != null) {
      for (Snapshot s : SnapshotUtil.ancestorsOf(documents.currentSnapshot().snapshotId(), documents::snapshot)) {
        if (run.equals(s.summary().get(RUN_PROPERTY))) {
          return false;
        }
      }
    }
    spark.sql("DELETE FROM " + lh.sparkName(Tables.SPAN_INDEX) + " WHERE contribution_id NOT IN (SELECT contribution_id FROM "
        + lh.sparkName(Tables.SPAN_DOCUMENTS) + ")");
    return true;
  }
}
