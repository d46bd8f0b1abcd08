package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.cli.PoaCli;
import dev.poa.cli.ReferenceDocs;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated reference (docs/reference) is what the code generates, and the settings list is complete. */
class ReferenceDocsTest {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @Test
  void committedReferenceIsWhatTheCodeGenerates() throws IOException {
    List<String> stale = ReferenceDocs.stale(REPO.resolve("docs/reference"));
    assertTrue(stale.isEmpty(), "docs/reference is not what the code generates (run ./poa docs and commit): " + stale);
  }

  /** A config read in the code: PoaConfig's getters, the lease durations, the warehouse and catalog lookups. */
  static final Pattern READ = Pattern.compile(
      "(?:\\bc|config\\(\\)|\\bs|\\bconfig|overrides)\\s*\\.\\s*(?:get|getLong|getDouble|getBoolean|getOrDefault|put)"
          + "\\(\\s*\"(poa\\.[a-z0-9.-]+)\"|duration\\(\\s*config\\s*,\\s*\"(poa\\.[a-z0-9.-]+)\"");

  @Test
  void everySettingTheCodeReadsIsInTheReferenceAndNoOther() throws IOException {
    Set<String> read = new TreeSet<>();
    for (String module : List.of("jobs", "settlement", "serving-export", "attribution-udfs", "lakehouse-schemas")) {
      try (Stream<Path> files = Files.walk(REPO.resolve(module).resolve("src/main/java"))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = READ.matcher(Files.readString(f));
          while (m.find()) {
            read.add(m.group(1) != null ? m.group(1) : m.group(2));
          }
        }
      }
    }
    Set<String> documented = dev.poa.jobs.ConfigKeys.ALL.stream().map(dev.poa.jobs.ConfigKeys.Key::key)
        .collect(Collectors.toCollection(TreeSet::new));
    // the scan finds reads in the code that ships (a broken pattern would find none)
    assertTrue(read.contains("poa.dedup.threshold") && read.contains("poa.lease.ttl") && read.contains("poa.warehouse"), read.toString());
    assertEquals(documented, read, "ConfigKeys.ALL must list exactly the poa.* settings the code reads");
  }

  @Test
  void docsCommandWritesThenChecksAndNamesWhatIsStale(@TempDir Path dir) throws IOException {
    Path ref = dir.resolve("reference");
    assertEquals(0, poa("docs", "--dir", ref.toString()).getKey());
    Map<String, String> generated = ReferenceDocs.generate();
    assertTrue(generated.containsKey("cli/poa-sql.adoc") && generated.containsKey("cli/poa-landing-ingest.adoc"),
        generated.keySet().toString());
    assertTrue(generated.get("cli/poa-sql.adoc").contains("*--format*=_<format>_"), generated.get("cli/poa-sql.adoc"));
    assertTrue(generated.get("settings.md").contains("| `poa.dedup.threshold` | 0.8 |"), generated.get("settings.md"));
    assertTrue(generated.get("tables.md").contains("| `amount_wei` | `decimal(38, 0)` | yes | 1 |"));
    assertTrue(generated.get("tables.md").contains("- Partitioned by: `bucket(16, ngram_hash)`"));
    assertEquals(0, poa("docs", "--check", "--dir", ref.toString()).getKey());

    Files.writeString(ref.resolve("settings.md"), "edited by hand\n");
    Files.writeString(ref.resolve("cli/poa-gone.adoc"), "a command that no longer exists\n");
    Files.delete(ref.resolve("tables.md"));
    Map.Entry<Integer, String> check = poa("docs", "--check", "--dir", ref.toString());
    assertEquals(PoaCli.EXIT_FAILED, check.getKey());
    assertTrue(check.getValue().contains("stale: settings.md") && check.getValue().contains("missing: tables.md")
        && check.getValue().contains("cli/poa-gone.adoc") && check.getValue().contains("run ./poa docs"), check.getValue());

    assertEquals(0, poa("docs", "--dir", ref.toString()).getKey());
    assertTrue(ReferenceDocs.stale(ref).isEmpty());
    assertTrue(Files.notExists(ref.resolve("cli/poa-gone.adoc")));
  }

  static Map.Entry<Integer, String> poa(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = PoaCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true), false);
    return Map.entry(code, out + err.toString());
  }
}
