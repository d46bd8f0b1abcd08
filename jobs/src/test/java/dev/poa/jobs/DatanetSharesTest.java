package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poa.SharedSpark;
import dev.poa.jobs.attribution.DatanetShares;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Influence per DataNet from hand-computed scores: credit, share of all the adapter's inferences, touched. */
class DatanetSharesTest {
  @Test
  void sharesAreCreditOverEveryInferenceTheAdapterServed() {
    SparkSession spark = SharedSpark.spark();
    // adapter a: r1 splits between notes and law (span), r2 all notes (span), r3 by gradient, r4 unattributed;
    // adapter b: one inference, all notes
    Dataset<Row> scores = spark.sql("SELECT * FROM VALUES"
        + " ('a', 'r1', 'notes', 'span', 0.5D), ('a', 'r1', 'law', 'span', 0.5D), ('a', 'r2', 'notes', 'span', 1.0D),"
        + " ('a', 'r3', 'law', 'gradient', 0.1D), ('a', 'r3', 'law', 'gradient', 0.15D), ('a', 'r3', 'notes', 'gradient', 0.75D),"
        + " ('b', 'r5', 'notes', 'span', 1.0D)"
        + " AS s(adapter_id, request_id, datanet, method, share)");
    Dataset<Row> inferences = spark.sql("SELECT * FROM VALUES ('r1', 'a'), ('r2', 'a'), ('r3', 'a'), ('r4', 'a'), ('r5', 'b')"
        + " AS i(request_id, adapter_id)");
    Map<String, String> got = new TreeMap<>();
    for (Row r : DatanetShares.of("2026-03-04", scores, inferences).collectAsList()) {
      assertEquals("2026-03-04", r.getAs("epoch"));
      got.put(r.getAs("adapter_id") + "/" + r.getAs("datanet") + "/" + r.getAs("method"),
          r.getAs("share") + " " + r.getAs("credit") + " " + r.getAs("inferences_touched") + " " + r.getAs("adapter_inferences"));
    }
    assertEquals(Map.of(
        "a/notes/span", "0.375 1.5 2 4",
        "a/law/span", "0.125 0.5 1 4",
        "a/law/gradient", "0.0625 0.25 1 4",
        "a/notes/gradient", "0.1875 0.75 1 4",
        "b/notes/span", "1.0 1.0 1 1"), got);
    // adapter a: 3 of its 4 inferences attributed
    double a = got.entrySet().stream().filter(e -> e.getKey().startsWith("a/"))
        .mapToDouble(e -> Double.parseDouble(e.getValue().split(" ")[0])).sum();
    assertEquals(0.75, a, 1e-12);
    assertEquals(List.of("epoch", "adapter_id", "datanet", "method", "share", "credit", "inferences_touched",
        "adapter_inferences"), List.of(DatanetShares.of("e", scores, inferences).columns()));
  }
}
