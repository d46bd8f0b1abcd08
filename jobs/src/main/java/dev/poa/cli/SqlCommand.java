package dev.poa.cli;

import dev.poa.schemas.BadInputException;
import dev.poa.schemas.ExitStatus;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description = {
      "Run Spark SQL over the lakehouse.",
      "",
      "Tables resolve without a catalog prefix:",
      "  poa sql \"SELECT status, count(*) FROM datanet.submissions GROUP BY 1\"",
      "Iceberg metadata tables work too: datanet.submissions.snapshots,",
      "datanet.submissions.history, datanet.submissions.files, ...",
      "",
    })
final class SqlCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Option(names = "--format", defaultValue = "table", description = "table, csv or json (one object per line).")
  String format;

  @Option(names = "--limit", defaultValue = "1000", description = "Most rows printed for table and csv (default 1000).")
  int limit;

  @Parameters(paramLabel = "QUERY", description = "The SQL statement.")
  String query;

  @Override
  public Integer call() throws Exception {
    requireFormat(format);
    // read-only: no lease and no DDL (a lakehouse behind this build: poa migrate)
    Dataset<Row> df;
    try {
      df = root.spark().sql(query);
    } catch (Exception e) { // Spark's exceptions are checked ones that Scala does not declare
      if (e instanceof org.apache.spark.sql.AnalysisException a) { // the statement is wrong: bad input
        // a parse error holds the statement and its caret already
        throw new StatementError(a, holdsPlan(e) ? query : null);
      }
      throw e;
    }
    print(df, format, limit, out());
    return 0;
  }

  /** Checked before any work: the formats {@link #print} knows. */
  static void requireFormat(String format) {
    if (!List.of("table", "csv", "json").contains(format)) {
      throw new BadInputException("--format must be table, csv or json, got " + format);
    }
  }

  /**
   * Spark's analysis errors (not its parse errors) carry the logical plan in their message, which a
   * person does not need; their simple message is the error, with its line and position.
   */
  static boolean holdsPlan(Throwable t) {
    return t instanceof org.apache.spark.sql.AnalysisException
        && !(t instanceof org.apache.spark.sql.catalyst.parser.ParseException);
  }

  /**
   * An error in a statement (exit 3), printed as Spark's shell does: the error, then the statement with a caret
   * under the position (a parse error's message holds both already: {@code query} null).
   */
  static final class StatementError extends RuntimeException implements ExitStatus {
    @Override
    public int exitCode() {
      return ExitStatus.BAD_INPUT;
    }

    final List<String> statement;

    StatementError(org.apache.spark.sql.AnalysisException cause, String query) {
      super(cause.getSimpleMessage(), cause);
      if (query == null) {
        this.statement = List.of();
        return;
      }
      List<String> lines = new java.util.ArrayList<>(List.of("", "== SQL =="));
      List<String> queryLines = query.lines().toList();
      int line = cause.line().isDefined() ? (Integer) cause.line().get() : -1;
      int pos = cause.startPosition().isDefined() ? (Integer) cause.startPosition().get() : -1;
      for (int i = 0; i < queryLines.size(); i++) {
        lines.add(queryLines.get(i));
        if (i + 1 == line && pos >= 0) {
          lines.add(" ".repeat(pos) + "^^^");
        }
      }
      this.statement = List.copyOf(lines);
    }
  }

  static void print(Dataset<Row> df, String format, int limit, java.io.PrintWriter out) {
    switch (format) {
      case "json" -> df.toJSON().toLocalIterator().forEachRemaining(out::println);
      case "csv" -> {
        out.println(String.join(",", java.util.Arrays.stream(df.columns()).map(SqlCommand::csv).toList()));
        for (Row r : df.limit(limit).collectAsList()) {
          StringBuilder sb = new StringBuilder();
          for (int i = 0; i < r.length(); i++) {
            if (i > 0) {
              sb.append(',');
            }
            sb.append(r.isNullAt(i) ? "" : csv(value(r.get(i))));
          }
          out.println(sb);
        }
      }
      default -> out.print(TableFormat.render(df.columns(), df.limit(limit + 1).collectAsList(), limit));
    }
  }

  static String value(Object o) {
    if (o instanceof java.sql.Timestamp t) {
      return t.toInstant().toString(); // UTC, ISO-8601
    }
    if (o instanceof byte[] b) {
      return "0x" + java.util.HexFormat.of().formatHex(b);
    }
    if (o instanceof scala.collection.Iterable<?> it) {
      return it.mkString("[", ", ", "]");
    }
    return String.valueOf(o);
  }

  static String csv(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
