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
  /** The words of each text as a whole span ({@code qstart} 0, {@code len} all its tokens). */
  private static Map<String, List<String>> words(String... texts) {
    Map<String, List<String>> out = new TreeMap<>();
    for (Row r : tokens(List.of(texts)).withColumn("qstart", functions.lit(0))
        .withColumn("len", functions.size(functions.col("q_tokens")))
        .withColumn("words", functions.expr(SpanAttribution.WORDS)).collectAsList()) {
      out.put(r.getString(0), new ArrayList<>(r.getList(r.fieldIndex("words"))));
    }
    return out;
  }

  /** The words of the span of {@code len} tokens from {@code qstart} of the text. */
  private static List<String> words(String text, int qstart, int len) {
    Row r = tokens(List.of(text)).withColumn("qstart", functions.lit(qstart)).withColumn("len", functions.lit(len))
        .withColumn("words", functions.expr(SpanAttribution.WORDS)).first();
    return new ArrayList<>(r.getList(r.fieldIndex("words")));
  }

  private static Dataset<Row> tokens(List<String> texts) {
    return SharedSpark.spark().createDataset(texts, Encoders.STRING()).toDF("text")
        .withColumn("q_tokens", functions.udf(
            (org.apache.spark.sql.api.java.UDF1<String, String[]>) Tokenizer::lowerTokens,
            org.apache.spark.sql.types.DataTypes.createArrayType(org.apache.spark.sql.types.DataTypes.StringType))
            .apply(functions.col("text")));
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

  @Test
  void onlyTheSpansTokensAreNeighbours() {
    // tokens: it(0) returns(1) the(2) value(3) ,(4) as(5) documented(6) .(7)
    String text = "It returns the value, as documented.";
    // "the" alone: its neighbours "returns" and "value" are outside the span
    assertEquals(List.of(), words(text, 2, 1));
    // "value ," : "value" has no content neighbour in the span, though "the" precedes it in the text
    assertEquals(List.of(), words(text, 3, 2));
    assertEquals(List.of("returns", "the"), words(text, 1, 2));
    assertEquals(List.of("as", "documented"), words(text, 4, 4));
  }
}
