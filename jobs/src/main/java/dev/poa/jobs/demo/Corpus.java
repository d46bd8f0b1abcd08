package dev.poa.jobs.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.udfs.Signatures;
import dev.poa.udfs.SubmissionValidator;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * A generated, labelled corpus of DataNet submissions: original documents and variants of them of
 * the kinds near-duplicate detection must catch (whitespace, case, boilerplate header/footer,
 * ≤1% word edits, small truncation). Every document carries the id of the original it derives
 * from, so clustering can be scored pairwise. Deterministic for a seed. Used by the demo, the
 * tests and the benchmark.
 */
public final class Corpus {
  /** One submission and its ground truth. */
  public record Doc(
      String cluster,
      String variant,
      String datanet,
      String contributor,
      String contentType,
      String license,
      Instant submittedAt,
      String content,
      String signature) {}

  public static final List<String> VARIANTS = List.of("whitespace", "case", "boilerplate", "edits", "truncation");
  private static final String[] SYLLABLES = {
    "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "pra", "gen", "dor", "bel", "cy", "fu", "ha",
    "jo", "qui", "wen", "xo", "yu", "tri", "spa", "mor", "lin", "dra", "pho", "sten", "gri", "ble"
  };
  private static final String[] LICENSES = {"CC-BY-4.0", "CC0-1.0", "MIT", "Apache-2.0", "CC-BY-SA-4.0"};

  private final Random random;
  private final String[] vocabulary;
  private final List<ECKeyPair> keys = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();

  private final boolean sign;

  public Corpus(long seed, int contributors) {
    this(seed, contributors, true);
  }

  /** {@code sign = false} leaves documents unsigned (faster to generate). */
  public Corpus(long seed, int contributors, boolean sign) {
    this.sign = sign;
    this.random = new Random(seed);
    Random vocab = new Random(seed ^ 0x5DEECE66DL);
    vocabulary = new String[6000];
    for (int i = 0; i < vocabulary.length; i++) {
      StringBuilder w = new StringBuilder();
      int n = 1 + vocab.nextInt(3) + (i > 200 ? 1 : 0);
      for (int s = 0; s < n; s++) {
        w.append(SYLLABLES[vocab.nextInt(SYLLABLES.length)]);
      }
      vocabulary[i] = w.toString();
    }
    for (int i = 0; i < contributors; i++) {
      byte[] secret = SubmissionValidator.sha256(("poa-demo-contributor-" + seed + "-" + i).getBytes(StandardCharsets.UTF_8));
      ECKeyPair k = ECKeyPair.create(new BigInteger(1, secret));
      keys.add(k);
      addresses.add(Keys.toChecksumAddress(Keys.getAddress(k)));
    }
  }

  public List<String> contributors() {
    return addresses;
  }

  /** A Zipf-like word: common words are drawn far more often, as in real text. */
  private String word() {
    double u = random.nextDouble();
    int i = (int) Math.floor(Math.pow(vocabulary.length, u)) - 1;
    return vocabulary[Math.max(0, Math.min(vocabulary.length - 1, i))];
  }

  /** A prose document of about {@code words} words. */
  public String prose(int words) {
    StringBuilder sb = new StringBuilder();
    int n = 0;
    while (n < words) {
      int len = 6 + random.nextInt(14);
      for (int i = 0; i < len; i++) {
        String w = word();
        if (i == 0) {
          w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
        }
        sb.append(w).append(i == len - 1 ? ". " : (random.nextInt(12) == 0 ? ", " : " "));
      }
      n += len;
      if (random.nextInt(6) == 0) {
        sb.append("\n\n");
      }
    }
    return sb.toString().strip();
  }

  /** A code-like document of about {@code lines} lines. */
  public String code(int lines) {
    StringBuilder sb = new StringBuilder("contract " + cap(word()) + " {\n");
    for (int i = 0; i < lines; i++) {
      sb.append("    function ").append(word()).append('_').append(word()).append("(uint256 ")
          .append(word()).append(") public returns (uint256) { return ").append(word()).append(" * ")
          .append(random.nextInt(1000)).append("; }\n");
    }
    return sb.append("}\n").toString();
  }

  private static String cap(String w) {
    return Character.toUpperCase(w.charAt(0)) + w.substring(1);
  }

  /** A near-duplicate of {@code doc} of the given kind. */
  public String variant(String doc, String kind) {
    String[] w = doc.split(" ");
    switch (kind) {
      case "whitespace" -> {
        StringBuilder sb = new StringBuilder("  ");
        for (int i = 0; i < w.length; i++) {
          sb.append(w[i]);
          if (i < w.length - 1) {
            sb.append(random.nextInt(5) == 0 ? (random.nextBoolean() ? "\n\t " : "   ") : " ");
          }
        }
        return sb.append("\n").toString();
      }
      case "case" -> {
        return random.nextBoolean() ? doc.toUpperCase(Locale.ROOT) : doc.toLowerCase(Locale.ROOT);
      }
      case "boilerplate" -> {
        return "Submitted through the DataNet portal. Reviewed copy, do not redistribute.\n\n"
            + doc
            + "\n\nEnd of document. Contact the data steward for questions.";
      }
      case "edits" -> {
        int edits = Math.max(1, w.length / 100);
        for (int e = 0; e < edits; e++) {
          w[random.nextInt(w.length)] = word();
        }
        return String.join(" ", w);
      }
      case "truncation" -> {
        int keep = w.length - Math.max(1, (int) (w.length * (0.02 + random.nextDouble() * 0.03)));
        return String.join(" ", java.util.Arrays.copyOf(w, keep));
      }
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /**
   * Originals and variants: {@code originals} documents of about {@code words} words, each with
   * probability {@code variantRate} followed by one variant of a random kind, submitted later by
   * another contributor.
   */
  public List<Doc> generate(int originals, int words, double variantRate, List<String> datanets, Instant start) {
    return generate(originals, Integer.MAX_VALUE, words, variantRate, datanets, start);
  }

  /** As above, stopping at {@code maxDocs} documents. */
  public List<Doc> generate(
      int originals, int maxDocs, int words, double variantRate, List<String> datanets, Instant start) {
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < originals && docs.size() < maxDocs; i++) {
      String datanet = datanets.get(random.nextInt(datanets.size()));
      boolean isCode = datanet.contains("code");
      String content = isCode ? code(Math.max(3, words / 12)) : prose(words);
      String cluster = datanet + "/" + i;
      Instant at = start.plusSeconds(i * 60L);
      docs.add(doc(cluster, "original", datanet, random.nextInt(addresses.size()), isCode ? "code" : "text", content, at));
      if (random.nextDouble() < variantRate && docs.size() < maxDocs) {
        String kind = VARIANTS.get(random.nextInt(VARIANTS.size()));
        docs.add(doc(cluster, kind, datanet, random.nextInt(addresses.size()), isCode ? "code" : "text",
            variant(content, kind), at.plusSeconds(30 + random.nextInt(3600 * 24))));
      }
    }
    return docs;
  }

  public Doc doc(String cluster, String variant, String datanet, int contributor, String type, String content, Instant at) {
    byte[] sha = SubmissionValidator.sha256(content.getBytes(StandardCharsets.UTF_8));
    return new Doc(cluster, variant, datanet, addresses.get(contributor), type,
        LICENSES[random.nextInt(LICENSES.length)], at, content, sign ? Signatures.sign(sha, keys.get(contributor)) : null);
  }

  /** The JSONL line of a document (ground truth goes into metadata). */
  public String toJsonLine(Doc d) {
    ObjectNode o = json.createObjectNode();
    o.put("datanet", d.datanet());
    o.put("contributor", d.contributor());
    o.put("content", d.content());
    o.put("content_type", d.contentType());
    o.put("license", d.license());
    o.put("submitted_at", d.submittedAt().toString());
    if (d.signature() != null) {
      o.put("signature", d.signature());
    }
    ObjectNode md = o.putObject("metadata");
    md.put("cluster", d.cluster());
    md.put("variant", d.variant());
    return o.toString();
  }

  /** Lines of every kind of bad input, each with the reason ingest must give it. */
  public static List<Map.Entry<String, String>> badLines(String validAddress) {
    String ok = "\"datanet\":\"demo-bad\",\"contributor\":\"" + validAddress + "\",\"content_type\":\"text\","
        + "\"license\":\"MIT\",\"submitted_at\":\"2026-01-01T00:00:00Z\"";
    String mixed = validAddress.substring(0, 2) + flipCase(validAddress.substring(2));
    return List.of(
        Map.entry("", "empty_line"),
        Map.entry("{\"datanet\": \"demo-bad\", \"content\": ", "malformed_json"),
        Map.entry("[1, 2, 3]", "not_an_object"),
        Map.entry("{" + ok + "}", "missing_field"),
        Map.entry("{" + ok + ",\"content\":42}", "wrong_type"),
        Map.entry("{" + ok.replace("demo-bad", "Bad Net!") + ",\"content\":\"x\"}", "invalid_datanet"),
        Map.entry("{" + ok.replace(validAddress, "0x1234") + ",\"content\":\"x\"}", "invalid_address"),
        Map.entry("{" + ok.replace(validAddress, mixed) + ",\"content\":\"x\"}", "bad_checksum"),
        Map.entry("{" + ok + ",\"content\":\"   \"}", "empty_content"),
        Map.entry("{" + ok.replace("\"text\"", "\"video\"") + ",\"content\":\"x\"}", "invalid_content_type"),
        Map.entry("{" + ok.replace("\"MIT\"", "\"Not-A-License\"") + ",\"content\":\"x\"}", "invalid_license"),
        Map.entry("{" + ok.replace("2026-01-01T00:00:00Z", "2026-01-01 00:00") + ",\"content\":\"x\"}", "invalid_timestamp"),
        Map.entry("{" + ok + ",\"content\":\"x\",\"metadata\":{\"k\":1}}", "invalid_metadata"),
        Map.entry("{" + ok + ",\"content\":\"x\",\"signature\":\"0x1234\"}", "invalid_signature"));
  }

  private static String flipCase(String hex) {
    StringBuilder sb = new StringBuilder();
    boolean flipped = false;
    for (char c : hex.toCharArray()) {
      if (!flipped && Character.isLetter(c)) {
        sb.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        flipped = true;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
