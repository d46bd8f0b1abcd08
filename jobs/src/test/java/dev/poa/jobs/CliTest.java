package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.SharedSpark;
import dev.poa.cli.PoaCli;
import java.io.PrintWriter;
import java.io.StringWriter;
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
    // commands print through picocli's writers: no System.out to swap
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = PoaCli.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true), false);
    return new Run(code, out.toString(), err.toString());
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
    Run group = poa(wh, cat, "datanets");
    assertEquals(PoaCli.EXIT_USAGE, group.code(), group.err());
    assertTrue(group.err().contains("Missing subcommand: poa datanets create|list"), group.err());
    Run badSetting = poa(wh, cat, "--conf", "poa.dedup.threshold=2", "ingest", "--input", dir.resolve("nope.jsonl").toString());
    assertEquals(PoaCli.EXIT_BAD_INPUT, badSetting.code(), badSetting.err());
    assertTrue(badSetting.err().startsWith("poa: error: poa.dedup.threshold must be in (0, 1], got 2.0"), badSetting.err());

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

  /** Exit codes come from what the exception says it is, never from a library's exception class. */
  @Test
  void exitCodesComeFromTypedExceptions() {
    assertEquals(PoaCli.EXIT_BAD_INPUT, PoaCli.exitCode(new dev.poa.schemas.BadInputException("--format must be ...")));
    assertEquals(PoaCli.EXIT_NOT_READY, PoaCli.exitCode(new dev.poa.schemas.NotReadyException("run poa attribute")));
    assertEquals(PoaCli.EXIT_NOTHING_TO_DO, PoaCli.exitCode(new dev.poa.schemas.NothingToDoException("no inference")));
    assertEquals(PoaCli.EXIT_CONFLICT, PoaCli.exitCode(new ConflictException("finalised")));
    assertEquals(PoaCli.EXIT_CONFLICT, PoaCli.exitCode(new dev.poa.jobs.ingest.IngestJob.BatchConflictException("reused")));
    assertEquals(PoaCli.EXIT_AUDIT_MISMATCH, PoaCli.exitCode(new dev.poa.jobs.settlement.SettleJob.AuditFailedException("x")));
    assertEquals(PoaCli.EXIT_PENDING, PoaCli.exitCode(new dev.poa.settlement.Settler.PendingException("sent")));
    assertEquals(PoaCli.EXIT_BAD_INPUT, PoaCli.exitCode(new dev.poa.jobs.rewards.RewardsJob.AmountOverflowException("fees",
        new ArithmeticException())));
    // a library's or an invariant's exception is a job failure, not bad input
    assertEquals(PoaCli.EXIT_FAILED, PoaCli.exitCode(new IllegalArgumentException("negative weight for c_1")));
    assertEquals(PoaCli.EXIT_FAILED, PoaCli.exitCode(new IllegalStateException("x")));
    assertEquals(PoaCli.EXIT_FAILED, PoaCli.exitCode(new ArithmeticException("/ by zero")));
  }

  /** A command's last print() (no newline, so no auto-flush) still reaches the caller's stream when execute returns. */
  @Test
  void whatACommandPrintsLastIsFlushed() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(bytes, java.nio.charset.StandardCharsets.UTF_8), true);
    int code = PoaCli.execute(new String[] {"pipeline", "--format", "json"}, out, new PrintWriter(new StringWriter()), false);
    assertEquals(0, code);
    String printed = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(printed.contains("\"command\" : [ \"landing\", \"ingest\"") && printed.strip().endsWith("}"), printed);
  }
}
