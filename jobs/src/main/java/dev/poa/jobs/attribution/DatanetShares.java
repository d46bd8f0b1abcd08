package dev.poa.jobs.attribution;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Influence per DataNet ({@code attribution.datanet_shares}): what a DataNet owner asks, "what share
 * of an adapter's inferences in this epoch came from my DataNet?". For each adapter, DataNet and
 * method, the credit is the sum of the shares the adapter's inferences gave the DataNet's
 * contributions (an exact decimal sum, so the figure does not depend on the order of addition), and
 * the share is that credit over every inference the adapter served in the epoch, attributed or not:
 * over an adapter's rows the shares sum to the fraction of its inferences that were attributed.
 */
public final class DatanetShares {
  private DatanetShares() {}

  /**
   * @param scores the epoch's score rows that count (adapter_id, datanet, method, request_id, share)
   * @param inferences the epoch's inferences, attributed or not (request_id, adapter_id)
   * @return epoch, adapter_id, datanet, method, share, credit, inferences_touched, adapter_inferences
   */
  public static Dataset<Row> of(String epoch, Dataset<Row> scores, Dataset<Row> inferences) {
    Dataset<Row> served = inferences.groupBy("adapter_id").agg(count_distinct(col("request_id")).as("adapter_inferences"));
    return scores.groupBy("adapter_id", "datanet", "method")
        .agg(sum(col("share").cast("decimal(38,18)")).as("credit_exact"),
            count_distinct(col("request_id")).as("inferences_touched"))
        .join(served, "adapter_id")
        .select(lit(epoch).as("epoch"), col("adapter_id"), col("datanet"), col("method"),
            col("credit_exact").cast("double").divide(col("adapter_inferences")).as("share"),
            col("credit_exact").cast("double").as("credit"), col("inferences_touched"),
            col("adapter_inferences").cast("long").as("adapter_inferences"));
  }
}
