package dev.poa.jobs.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poa.SharedSpark;
import dev.poa.udfs.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/** The words of a span, as the informativeness rule counts them (a Spark expression). */
class SpanWordsTest {
  private static Map<String, List<String>> words(String... texts) {
    Dataset<Row> spans = SharedSpark.spark().createDataset(List.of(texts), Encoders.STRING()).toDF("text")
        .withColumn("span_tokens", functions.udf(
            (org.apache.spark.sql.api.java.UDF1<String, String[]>) Tokenizer::lowerTokens,
            org.apache.spark.sql.types.DataTypes.createArrayType(org.apache.spark.sql.types.DataTypes.StringType))
            .apply(functions.col("text")))
        .withColumn("words", functions.expr(SpanAttribution.WORDS));
    Map<String, List<String>> out = new TreeMap<>();
    for (Row r : spans.collectAsList()) {
      out.put(r.getString(0), new ArrayList<>(r.getList(2)));
    }
    return out;
  }

  @Test
  void wordsOfProseAndCodeCountPiecesOfAddressesAndMarkupDoNot() {
    Map<String, List<String>> w = words(
        "It returns the value, as documented.",
        "def parse_args(self, argv): return self.parser",
        "<https://www.gnu.org/licenses/>",
        "[\\fB\\-\\-region\\fR=\\fIREGION\\fR] [\\fIGCLOUD_WIDE_FLAG\\ ...\\fR]",
        "in git-config(1).",
        "the the the 42 a 7 b",
        "x");
    // the repeated "the" counts once; "as documented" are words beside each other
    assertEquals(List.of("it", "returns", "the", "value", "as", "documented"), w.get("It returns the value, as documented."));
    // "parse_args" sits between "def" and "(": beside a word, so it counts; "argv", the first "self"
    // and "parser" have punctuation on both sides (the second "self" follows "return")
    assertEquals(List.of("def", "parse_args", "return", "self"), w.get("def parse_args(self, argv): return self.parser"));
    assertEquals(List.of(), w.get("<https://www.gnu.org/licenses/>"));
    assertEquals(List.of(), w.get("[\\fB\\-\\-region\\fR=\\fIREGION\\fR] [\\fIGCLOUD_WIDE_FLAG\\ ...\\fR]"));
    // "in git": two content tokens side by side; the rest are pieces between punctuation
    assertEquals(List.of("in", "git"), w.get("in git-config(1)."));
    // numbers and single letters are not content; "the" repeated is one word
    assertEquals(List.of("the"), w.get("the the the 42 a 7 b"));
    assertEquals(List.of(), w.get("x"));
  }
}
