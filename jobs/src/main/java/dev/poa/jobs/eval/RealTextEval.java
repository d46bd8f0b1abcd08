package dev.poa.jobs.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.jobs.Progress;
import dev.poa.jobs.attribution.SpanAttribution;
import dev.poa.schemas.Lakehouse;
import dev.poa.udfs.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Row;

/**
 * Span attribution measured on real text that nobody here wrote, through the real pipeline (like
 * {@link SpanEval}): Python standard library modules, package documentation and Debian copyright
 * files, manual page sources, chosen once and pinned by {@code real-text-files.tsv} (path and
 * sha256, written by {@code tools/eval-material/pick.py}).
 *
 * <p>Contributions are the pinned {@code contribution} files (their first
 * {@link Config#maxContributionChars} characters, cut at a line end), submitted to three DataNets
 * by 40 contributors. Completions take their filler from the {@code filler} files, which are never
 * submitted: excerpts that share no run of {@value #QUOTE_WORDS} words with any contribution.
 * "Planted" completions hold one verbatim span of 12–80 words of one contribution (a span found in
 * no other contribution, with at least 8 distinct words) among filler and distractors; "controls"
 * hold filler and distractors only, and must stay unattributed. Distractors are verbatim pieces of
 * contributions that carry no evidence of influence: option synopses and punctuation runs, licence
 * lines and API boilerplate lines shared by several contributions, and short references such as
 * {@code in git-config(1).}.
 */
public final class RealTextEval {
  /** A filler excerpt may not share this many consecutive words with a contribution. */
  static final int QUOTE_WORDS = 12;

  static final String RESOURCE = "real-text-files.tsv";
  static final Map<String, Path> ROOTS = Map.of(
      "stdlib", Path.of("/usr/lib/python3.11"),
      "doc", Path.of("/usr/share/doc"),
      "man", Path.of("/usr/share/man/man1"));
  static final Map<String, String> DATANETS = Map.of("code", "real-code", "doc", "real-docs", "man", "real-man");
  static final String ADAPTER = "real-text-lora";
  static final List<String> DISTRACTORS = List.of("synopsis", "licence", "api", "reference");

  public record Config(int planted, int controls, long seed, int maxContributionChars) {
    public static Config defaults() {
      return new Config(120, 120, 20261201, 6000);
    }
  }

  /** One pinned file. */
  public record Material(String role, String kind, String root, String path, String sha256) {
    Path file() {
      return ROOTS.get(root).resolve(path);
    }
  }

  /**
   * @param attributedByDistractor controls attributed, by the kinds of distractor they held
   */
  public record Result(Config config, int pinned, int changed, int contributions, int planted, int controls,
      long correct, long plantedAttributed, long controlsAttributed, Map<String, Integer> attributedByDistractor,
      long millis) {
    public double recall() {
      return planted == 0 ? 0 : correct / (double) planted;
    }

    public double controlsUnattributed() {
      return controls == 0 ? 0 : 1 - controlsAttributed / (double) controls;
    }
  }

  /** Thrown when the pinned material is not on this machine. */
  public static final class MaterialMissing extends IllegalStateException {
    MaterialMissing(String message) {
      super(message);
    }
  }

  private RealTextEval() {}

  /** The pinned file list. */
  public static List<Material> pinned() {
    List<Material> out = new ArrayList<>();
    try (InputStream in = RealTextEval.class.getResourceAsStream(RESOURCE);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        out.add(new Material(f[0], f[1], f[2], f[3], f[4]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The text of a file (gunzipped when its name ends with .gz; invalid UTF-8 replaced). */
  static String text(Path file, byte[] raw) throws IOException {
    if (file.getFileName().toString().endsWith(".gz")) {
      try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
        raw = in.readAllBytes();
      }
    }
    return new String(raw, StandardCharsets.UTF_8);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Result run(Lakehouse lh, Path work, Config c, SpanAttribution.Settings settings, Progress progress)
      throws IOException {
    long start = System.nanoTime();
    lh.migrate();
    List<Material> pinned = pinned();
    List<String> missing = new ArrayList<>();
    int changed = 0;
    Map<Material, String> texts = new LinkedHashMap<>();
    for (Material m : pinned) {
      Path f = m.file();
      if (!Files.isRegularFile(f)) {
        missing.add(f.toString());
        continue;
      }
      byte[] raw = Files.readAllBytes(f);
      if (!sha256(raw).equals(m.sha256())) {
        changed++;
      }
      texts.put(m, text(f, raw));
    }
    if (missing.size() > pinned.size() / 20) {
      throw new MaterialMissing(missing.size() + " of the " + pinned.size() + " pinned files of the real-text evaluation"
          + " are not on this machine (first: " + missing.get(0) + "); they come from the Debian packages"
          + " libpython3.11-stdlib and the documentation and manual pages of the installed packages");
    }
    progress.step("real-text eval: " + texts.size() + " pinned files (" + missing.size() + " missing, " + changed
        + " changed since pinned)");
    Random random = new Random(c.seed());
    List<String> lines = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    List<String> fillers = new ArrayList<>();
    int i = 0;
    for (Map.Entry<Material, String> e : texts.entrySet()) {
      Material m = e.getKey();
      if (!m.role().equals("contribution")) {
        fillers.add(e.getValue());
        continue;
      }
      ObjectNode o = json.createObjectNode();
      o.put("datanet", DATANETS.get(m.kind()));
      o.put("contributor", String.format(Locale.ROOT, "0x%040x", 0xc0de00L + i % 40));
      o.put("content", head(e.getValue(), c.maxContributionChars()));
      o.put("content_type", m.kind().equals("code") ? "code" : "text");
      o.put("license", "LicenseRef-as-packaged");
      o.put("submitted_at", Instant.parse("2025-12-01T00:00:00Z").plusSeconds(i).toString());
      o.putObject("metadata").put("source", m.root() + "/" + m.path());
      lines.add(o.toString());
      i++;
    }
    List<Row> contributions = SpanEval.ingest(lh, work, lines, ADAPTER,
        List.of(DATANETS.get("code"), DATANETS.get("doc"), DATANETS.get("man")), progress);
    List<String> contents = contributions.stream().map(r -> r.getString(1)).toList();
    List<String> tokenised = contents.stream().map(RealTextEval::spaced).toList();
    Set<String> quoted = windows(contents);
    Map<String, Set<String>> holders = new HashMap<>();
    for (Row r : contributions) {
      ngrams(r.getString(1), settings.ngram(), holders, r.getString(0));
    }
    Set<String> rareNgrams = new HashSet<>();
    holders.forEach((g, h) -> {
      if (h.size() < 3) {
        rareNgrams.add(g);
      }
    });
    holders.clear();
    Distractors distractors = Distractors.of(contributions);

    List<String> logs = new ArrayList<>();
    Map<String, String> truth = new HashMap<>();
    Map<String, List<String>> kinds = new HashMap<>();
    int total = c.planted() + c.controls();
    for (int q = 0; q < total; q++) {
      boolean planted = q < c.planted();
      String id = (planted ? "planted-" : "control-") + q;
      List<String> parts = new ArrayList<>();
      if (planted) {
        Row src;
        String span;
        do {
          src = contributions.get(random.nextInt(contributions.size()));
          span = plantable(src.getString(1), tokenised, random);
        } while (span == null);
        parts.add(span);
        truth.put(id, src.getString(0));
      } else {
        parts.add(filler(fillers, quoted, rareNgrams, settings.ngram(), random));
      }
      List<String> used = new ArrayList<>();
      for (int d = 1 + random.nextInt(3); d > 0; d--) {
        String kind = DISTRACTORS.get(random.nextInt(DISTRACTORS.size()));
        parts.add(distractors.pick(kind, random));
        used.add(kind);
      }
      kinds.put(id, used);
      Collections.shuffle(parts, random);
      parts.add(0, filler(fillers, quoted, rareNgrams, settings.ngram(), random));
      parts.add(filler(fillers, quoted, rareNgrams, settings.ngram(), random));
      logs.add(SpanEval.logLine(json, id, ADAPTER, q, String.join("\n\n", parts)));
    }
    progress.step("real-text eval: " + c.planted() + " planted completions, " + c.controls() + " controls");
    List<Row> summary = SpanEval.attribute(lh, work, logs, settings, progress);
    long correct = 0;
    long plantedAttributed = 0;
    long controlsAttributed = 0;
    Map<String, Integer> byDistractor = new TreeMap<>();
    for (Row r : summary) {
      if (!r.getBoolean(1)) {
        continue;
      }
      String source = truth.get(r.getString(0));
      if (source == null) {
        controlsAttributed++;
        for (String k : new HashSet<>(kinds.get(r.getString(0)))) {
          byDistractor.merge(k, 1, Integer::sum);
        }
      } else {
        plantedAttributed++;
        if (source.equals(r.getString(2))) {
          correct++;
        }
      }
    }
    return new Result(c, pinned.size(), changed, contributions.size(), c.planted(), c.controls(), correct,
        plantedAttributed, controlsAttributed, byDistractor, (System.nanoTime() - start) / 1_000_000);
  }

  /** The first {@code max} characters of a text, cut after its last line end within them. */
  static String head(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int cut = text.lastIndexOf('\n', max);
    return text.substring(0, cut > 0 ? cut + 1 : max);
  }

  private static final Pattern WORD = Pattern.compile("\\S+");
  private static final Pattern PLAIN_WORD = Pattern.compile("[(\"'`]*([A-Za-z]{3,})[)\"'`.,;:!?]*");

  /** A text's lower-cased tokens, each between spaces. */
  static String spaced(String text) {
    return " " + String.join(" ", Tokenizer.lowerTokens(text)) + " ";
  }

  /** The words of the filler files, found once (identity: the same strings are asked again and again). */
  private static final Map<String, int[]> WORDS_OF = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  /** Character ranges of a text's whitespace-separated words: {@code [start0, end0, ...]}. */
  static int[] words(String text) {
    List<Integer> b = new ArrayList<>();
    Matcher m = WORD.matcher(text);
    while (m.find()) {
      b.add(m.start());
      b.add(m.end());
    }
    return b.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Every run of {@value #QUOTE_WORDS} lower-cased words of the texts. */
  static Set<String> windows(List<String> texts) {
    Set<String> out = new HashSet<>();
    for (String t : texts) {
      String[] w = t.toLowerCase(Locale.ROOT).trim().split("\\s+");
      for (int k = 0; k + QUOTE_WORDS <= w.length; k++) {
        out.add(String.join(" ", java.util.Arrays.asList(w).subList(k, k + QUOTE_WORDS)));
      }
    }
    return out;
  }

  /**
   * A verbatim span of 12–80 words of {@code content} that reads as a quote: at least 8 distinct
   * plain words (three or more letters, nothing else but surrounding punctuation) and plain words
   * for at least half of its words, found in no other contribution ({@code tokenised}: every
   * contribution's {@link #spaced} tokens); null when none is found in a
   * few tries. (A completion that "quotes" a run of markup or option syntax quotes nothing a
   * contributor should be paid for: those runs are distractors.)
   */
  static String plantable(String content, List<String> tokenised, Random random) {
    int[] b = words(content);
    int count = b.length / 2;
    for (int attempt = 0; attempt < 20; attempt++) {
      int len = 12 + random.nextInt(69);
      if (count < len) {
        continue;
      }
      int first = random.nextInt(count - len + 1);
      String span = content.substring(b[2 * first], b[2 * (first + len - 1) + 1]);
      Set<String> distinct = new HashSet<>();
      int plain = 0;
      for (String w : span.split("\\s+")) {
        Matcher m = PLAIN_WORD.matcher(w);
        if (m.matches()) {
          plain++;
          distinct.add(m.group(1).toLowerCase(Locale.ROOT));
        }
      }
      if (distinct.size() < 8 || plain * 2 < len) {
        continue;
      }
      // unique as tokens (what the index matches: lower case, any spacing), not only as characters
      String tokens = spaced(span);
      int holders = 0;
      for (String other : tokenised) {
        if (other.contains(tokens)) {
          holders++;
        }
      }
      if (holders == 1) {
        return span;
      }
    }
    return null;
  }

  /**
   * An excerpt of 20–80 words of a filler file that quotes no contribution: it shares no run of
   * {@value #QUOTE_WORDS} words with one, and no n-gram of the index held by fewer than three
   * contributions (an incidental overlap with one or two contributions is a quote for the index;
   * the kinds of overlap that must not count come in as distractors, in known numbers).
   */
  static String filler(List<String> fillers, Set<String> quoted, Set<String> rareNgrams, int n, Random random) {
    while (true) {
      String text = fillers.get(random.nextInt(fillers.size()));
      int[] b = WORDS_OF.computeIfAbsent(text, RealTextEval::words);
      int len = 20 + random.nextInt(61);
      if (b.length / 2 < len) {
        continue;
      }
      int first = random.nextInt(b.length / 2 - len + 1);
      String excerpt = text.substring(b[2 * first], b[2 * (first + len - 1) + 1]);
      // the large set first: Collections.disjoint walks its second argument when the first is a Set
      if (Collections.disjoint(quoted, windows(List.of(excerpt)))
          && Collections.disjoint(rareNgrams, ngrams(excerpt, n, new HashMap<>(), null).keySet())) {
        return excerpt;
      }
    }
  }

  /** The distinct token n-grams of a text (lower-cased tokens joined by spaces), counted into {@code holders} by {@code id}. */
  static Map<String, Set<String>> ngrams(String text, int n, Map<String, Set<String>> holders, String id) {
    String[] t = Tokenizer.lowerTokens(text);
    for (int k = 0; k + n <= t.length; k++) {
      holders.computeIfAbsent(String.join(" ", java.util.Arrays.asList(t).subList(k, k + n)), x -> new HashSet<>())
          .add(id == null ? "" : id);
    }
    return holders;
  }

  /** Pieces of contributions that carry no evidence of influence, by kind. */
  record Distractors(Map<String, List<String>> byKind) {
    static Distractors of(List<Row> contributions) {
      Map<String, Set<String>> lineHolders = new HashMap<>();
      Map<String, String> lineKind = new HashMap<>();
      List<String> synopsis = new ArrayList<>();
      List<String> reference = new ArrayList<>();
      for (Row r : contributions) {
        String id = r.getString(0);
        String datanet = r.getString(3);
        for (String raw : r.getString(1).split("\n")) {
          String line = raw.strip();
          int tokens = Tokenizer.count(line);
          int words = line.isEmpty() ? 0 : line.split("\\s+").length;
          if (tokens < 8) {
            continue;
          }
          lineHolders.computeIfAbsent(line, k -> new HashSet<>()).add(id);
          lineKind.putIfAbsent(line, datanet);
          long symbols = line.chars().filter(ch -> !Character.isLetterOrDigit(ch) && !Character.isWhitespace(ch)).count();
          long visible = line.chars().filter(ch -> !Character.isWhitespace(ch)).count();
          boolean prose = !datanet.equals(DATANETS.get("code"));
          // option synopses of manual pages ("[\fB\-\-region\fR=\fIREGION\fR]"), and punctuation runs
          // of any kind ("----", "} } ) ;"); a distinctive line of code is a quote, not a distractor
          if (words <= 11 && (datanet.equals(DATANETS.get("man")) && line.contains("\\-") && symbols * 10 >= visible * 3
              || symbols * 10 >= visible * 6)) {
            synopsis.add(line);
          }
          // a short reference in prose: the last 4 words of a line, with a section number, path or
          // address in them, e.g. "see git-config(1) for details."
          String[] w = line.split("\\s+");
          if (prose && w.length >= 5) {
            String tail = String.join(" ", java.util.Arrays.asList(w).subList(w.length - 4, w.length));
            if (Tokenizer.count(tail) >= 8 && tail.matches(".*(\\(\\d\\)|/|@|\\.\\w).*")) {
              reference.add(tail);
            }
          }
        }
      }
      List<String> licence = new ArrayList<>();
      List<String> api = new ArrayList<>();
      for (Map.Entry<String, Set<String>> e : lineHolders.entrySet()) {
        if (e.getValue().size() < 3) {
          continue;
        }
        (lineKind.get(e.getKey()).equals(DATANETS.get("code")) ? api : licence).add(e.getKey());
      }
      Map<String, List<String>> out = new LinkedHashMap<>();
      out.put("synopsis", sorted(synopsis));
      out.put("licence", sorted(licence));
      out.put("api", sorted(api));
      out.put("reference", sorted(reference));
      for (Map.Entry<String, List<String>> e : out.entrySet()) {
        if (e.getValue().isEmpty()) {
          throw new IllegalStateException("the real-text material holds no '" + e.getKey() + "' distractor");
        }
      }
      return new Distractors(out);
    }

    private static List<String> sorted(List<String> l) {
      return l.stream().distinct().sorted().toList();
    }

    String pick(String kind, Random random) {
      List<String> l = byKind.get(kind);
      return l.get(random.nextInt(l.size()));
    }
  }
}
