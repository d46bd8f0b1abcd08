package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.SharedSpark;
import dev.poa.cli.PoaCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it: arguments in, text and an exit code out. */
class CliTest {
  record Run(int code, String out, String err) {}

  static int catalogs = 0;

  static Run poa(Path warehouse, String catalog, String... args) {
    SharedSpark.spark();
    List<String> all = new ArrayList<>(List.of("--warehouse", warehouse.toString(), "--conf", "poa.catalog=" + catalog));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    StringWriter err = new StringWriter();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = PoaCli.execute(all.toArray(String[]::new), new PrintWriter(System.out, true), new PrintWriter(err, true), false);
    } finally {
      System.setOut(old);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
  }

  @Test
  void ingestThenQueryInEveryFormat(@TempDir Path dir) throws Exception {
    String cat = "cli" + (++catalogs);
    Path wh = dir.resolve("wh");
    Path in = SharedSpark.write(dir.resolve("in.jsonl"),
        IngestValidationTest.rec("cli-net", "hello from the cli", "") + "\n" + "not json\n");
    Run ingest = poa(wh, cat, "ingest", "--input", in.toString(), "--batch-id", "c1");
    assertEquals(0, ingest.code(), ingest.err());
    assertTrue(ingest.out().contains("read 2 = accepted 1 + duplicate 0 + near_duplicate 0 + rejected 1"), ingest.out());

    Run json = poa(wh, cat, "sql", "--format", "json", "SELECT status, reason FROM datanet.submissions ORDER BY source_line");
    assertEquals(0, json.code(), json.err());
    List<JsonNode> rows = new ArrayList<>();
    for (String line : json.out().strip().split("\n")) {
      rows.add(new ObjectMapper().readTree(line));
    }
    assertEquals("accepted", rows.get(0).get("status").asText());
    assertEquals("malformed_json", rows.get(1).get("reason").asText());

    Run csv = poa(wh, cat, "sql", "--format", "csv", "SELECT contributor, token_count FROM datanet.contributions");
    assertEquals("contributor,token_count", csv.out().lines().findFirst().orElseThrow());
    assertTrue(csv.out().contains(",4"), csv.out());

    Run table = poa(wh, cat, "sql", "SELECT count(*) AS n FROM datanet.submissions");
    assertTrue(table.out().contains("n\n-\n2\n1 row(s)"), table.out());

    Run tables = poa(wh, cat, "tables");
    assertEquals(0, tables.code(), tables.err());
    assertTrue(tables.out().lines().anyMatch(l -> l.startsWith("datanet.submissions") && l.split("\\s+")[1].equals("2")), tables.out());

    Run again = poa(wh, cat, "ingest", "--input", in.toString(), "--batch-id", "c1");
    assertEquals(0, again.code());
    assertTrue(again.out().contains("already ingested"), again.out());
  }

  @Test
  void errorsAreOneActionableLineWithAMeaningfulExitCode(@TempDir Path dir) {
    String cat = "cli" + (++catalogs);
    Path wh = dir.resolve("wh");
    Run missing = poa(wh, cat, "ingest", "--input", dir.resolve("nope.jsonl").toString());
    assertEquals(PoaCli.EXIT_BAD_INPUT, missing.code());
    assertTrue(missing.err().startsWith("poa: error: Input ") && missing.err().contains("does not exist"), missing.err());

    Run badSql = poa(wh, cat, "sql", "SELECT * FROM datanet.nothing_here");
    assertEquals(PoaCli.EXIT_BAD_INPUT, badSql.code());
    assertTrue(badSql.err().startsWith("poa: error: [TABLE_OR_VIEW_NOT_FOUND] "), badSql.err());
    assertTrue(badSql.err().contains("`datanet`.`nothing_here`"), badSql.err());
    assertFalse(badSql.err().contains("UnresolvedRelation"), "the plan is not for a person: " + badSql.err());
    List<String> badLines = badSql.err().lines().toList();
    int query = badLines.indexOf("SELECT * FROM datanet.nothing_here");
    assertTrue(query > 0 && badLines.get(query + 1).equals(" ".repeat(14) + "^^^"), "a caret under the table: " + badSql.err());

    // a parse error starts with a blank line in Spark: the error line says what and where, then the statement and a caret
    Run typo = poa(wh, cat, "sql", "SELEC 1");
    assertEquals(PoaCli.EXIT_BAD_INPUT, typo.code());
    List<String> typoLines = typo.err().lines().toList();
    assertTrue(typoLines.get(0).startsWith("poa: error: [PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'"), typo.err());
    assertTrue(typoLines.get(0).contains("line 1, pos 0"), typo.err());
    int statement = typoLines.indexOf("SELEC 1");
    assertTrue(statement > 0 && typoLines.get(statement + 1).startsWith("^"), typo.err());

    Run usage = poa(wh, cat, "ingest");
    assertEquals(PoaCli.EXIT_USAGE, usage.code());

    Run migrate = poa(wh, cat, "migrate");
    assertEquals(0, migrate.code(), migrate.err());
    assertTrue(migrate.out().contains("datanet.submissions: up to date") || migrate.out().contains("created"), migrate.out());
    Run migrateAgain = poa(wh, cat, "migrate");
    assertTrue(migrateAgain.out().contains("lakehouse is up to date"), migrateAgain.out());

    Path in = SharedSpark.write(dir.resolve("x.jsonl"), IngestValidationTest.rec("n1", "some text", "") + "\n");
    assertEquals(0, poa(wh, cat, "ingest", "--input", in.toString(), "--batch-id", "x").code());
    SharedSpark.write(in, IngestValidationTest.rec("n1", "other text", "") + "\n");
    Run conflict = poa(wh, cat, "ingest", "--input", in.toString(), "--batch-id", "x");
    assertEquals(PoaCli.EXIT_CONFLICT, conflict.code(), conflict.err());

    Run help = poa(wh, cat, "ingest", "--help");
    assertEquals(0, help.code());
  }
}
