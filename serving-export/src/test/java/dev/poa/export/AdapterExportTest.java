package dev.poa.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.export.AdapterProblem.Code;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export of sample adapters: round trip, determinism, increments, conversions, and every corruption's own error. */
class AdapterExportTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> MODULES = List.of("q_proj", "v_proj");

  /** Writes a sample adapter's files under dir/id and returns its registry source. */
  static AdapterExport.Source sample(Path dir, String id, long seed) throws IOException {
    SampleAdapters.Files f = SampleAdapters.generate(SampleAdapters.MICRO_LLAMA, 4, 8, MODULES, seed);
    return write(dir, id, f.adapterConfig(), f.weights());
  }

  static AdapterExport.Source write(Path dir, String id, byte[] config, byte[] weights) throws IOException {
    Path a = Files.createDirectories(dir.resolve("artifacts").resolve(id));
    Files.write(a.resolve(AdapterExport.CONFIG), config);
    Files.write(a.resolve(AdapterExport.WEIGHTS), weights);
    return new AdapterExport.Source(id, "micro-llama", "0x" + "ab".repeat(20), List.of("med"), 4, 8, MODULES,
        a.toUri().toString(), 42L, List.of("c_b", "c_a", "c_a"), List.of("CC-BY-4.0"));
  }

  static AdapterExport.Result export(Path out, List<AdapterExport.Source> sources, Dtype dtype) throws IOException {
    return AdapterExport.to(out.toUri().toString(), new Configuration()).dtype(dtype).run(sources);
  }

  static Map<String, AdapterExport.Outcome> byId(AdapterExport.Result r) {
    return r.outcomes().stream().collect(Collectors.toMap(AdapterExport.Outcome::adapterId, o -> o));
  }

  @Test
  void roundTripIsDeterministicIncrementalAndCarriesProvenance(@TempDir Path dir) throws Exception {
    List<AdapterExport.Source> sources = List.of(sample(dir, "ad-1", 1), sample(dir, "ad-2", 2));
    Path out = dir.resolve("out");
    AdapterExport.Result r = export(out, sources, null);
    assertEquals(2, r.count(AdapterExport.Status.EXPORTED), r.toString());
    // files and directories are made with java.nio (no chmod process per file) but get the permissions that
    // Hadoop's local file system gives its own (umask 027 here, so that the process's umask cannot pass for it)
    Configuration umask = new Configuration();
    umask.set("fs.permissions.umask-mode", "027");
    umask.setBoolean("fs.file.impl.disable.cache", true); // file systems of this configuration, not cached ones
    Path viaNio = dir.resolve("via-nio");
    AdapterExport.to(viaNio.toUri().toString(), umask).run(List.of(sources.get(0)));
    org.apache.hadoop.fs.FileSystem hadoop = org.apache.hadoop.fs.FileSystem.getLocal(umask);
    hadoop.mkdirs(new org.apache.hadoop.fs.Path(dir.resolve("via-hadoop/sub").toUri()));
    hadoop.create(new org.apache.hadoop.fs.Path(dir.resolve("via-hadoop/sub/file").toUri()), true).close();
    assertEquals(Files.getPosixFilePermissions(dir.resolve("via-hadoop/sub/file")),
        Files.getPosixFilePermissions(viaNio.resolve("ad-1").resolve(AdapterExport.WEIGHTS)));
    assertEquals(Files.getPosixFilePermissions(dir.resolve("via-hadoop/sub/file")),
        Files.getPosixFilePermissions(viaNio.resolve(AdapterExport.INDEX)));
    assertEquals(Files.getPosixFilePermissions(dir.resolve("via-hadoop/sub")),
        Files.getPosixFilePermissions(viaNio.resolve("ad-1")));
    assertEquals(Files.getPosixFilePermissions(dir.resolve("via-hadoop")), Files.getPosixFilePermissions(viaNio));

    // the packed weights hold the source tensors bit for bit, with the key ids in __metadata__
    Safetensors in = Safetensors.parse(Files.readAllBytes(dir.resolve("artifacts/ad-1").resolve(AdapterExport.WEIGHTS)));
    byte[] packedBytes = Files.readAllBytes(out.resolve("ad-1").resolve(AdapterExport.WEIGHTS));
    Safetensors packed = Safetensors.parse(packedBytes);
    assertEquals(in.tensors().size(), packed.tensors().size());
    for (Safetensors.Tensor t : in.tensors()) {
      assertEquals(in.data(t), packed.data(packed.tensor(t.name())), t.name());
    }
    JsonNode m = JSON.readTree(out.resolve("ad-1").resolve(AdapterExport.MANIFEST).toFile());
    assertEquals("ad-1", packed.metadata().get("poa.adapter_id"));
    assertEquals(m.path("version").asText(), packed.metadata().get("poa.version"));
    assertEquals("pt", packed.metadata().get("format"));
    assertEquals(4, m.path("rank").asInt());
    assertEquals("F32", m.path("dtype").asText());
    assertEquals(SampleAdapters.MICRO_LLAMA.hubId(), m.path("base_model").asText());
    // files listed with their sizes and sha256
    for (JsonNode f : m.path("files")) {
      byte[] b = Files.readAllBytes(out.resolve("ad-1").resolve(f.path("name").asText()));
      assertEquals(f.path("size").asLong(), b.length);
      assertEquals(f.path("sha256").asText(), AdapterExport.sha256(b));
    }
    // provenance: the training set's Merkle root over the distinct ids, mirrored in __metadata__
    JsonNode p = m.path("provenance");
    assertEquals(2, p.path("training_set_size").asInt());
    assertEquals(AdapterExport.trainingRoot(List.of("c_a", "c_b")), p.path("training_set_root").asText());
    assertEquals(p.path("training_set_root").asText(), packed.metadata().get("poa.training_set_root"));
    assertEquals(42, p.path("training_set_snapshot_id").asLong());
    // the fleet index groups by base model
    JsonNode index = JSON.readTree(out.resolve(AdapterExport.INDEX).toFile());
    assertEquals(List.of("ad-1", "ad-2"), ids(index.path("base_models").path(SampleAdapters.MICRO_LLAMA.hubId())));

    // rerun: unchanged adapters are skipped, bytes untouched; another directory gets the same bytes
    long modified = Files.getLastModifiedTime(out.resolve("ad-1").resolve(AdapterExport.WEIGHTS)).toMillis();
    AdapterExport.Result again = export(out, sources, null);
    assertEquals(2, again.count(AdapterExport.Status.UNCHANGED));
    assertEquals(modified, Files.getLastModifiedTime(out.resolve("ad-1").resolve(AdapterExport.WEIGHTS)).toMillis());
    Path other = dir.resolve("other");
    export(other, sources, null);
    for (String f : List.of(AdapterExport.CONFIG, AdapterExport.WEIGHTS, AdapterExport.MANIFEST)) {
      assertArrayEquals(Files.readAllBytes(out.resolve("ad-2").resolve(f)), Files.readAllBytes(other.resolve("ad-2").resolve(f)), f);
    }
    assertArrayEquals(Files.readAllBytes(out.resolve(AdapterExport.INDEX)), Files.readAllBytes(other.resolve(AdapterExport.INDEX)));

    // a changed adapter is exported again, atomically replacing the old directory
    AdapterExport.Source changed = sample(dir, "ad-2", 3);
    AdapterExport.Result third = export(out, List.of(sources.get(0), changed), null);
    assertEquals(AdapterExport.Status.UNCHANGED, byId(third).get("ad-1").status());
    assertEquals(AdapterExport.Status.EXPORTED, byId(third).get("ad-2").status());
    assertFalse(byId(third).get("ad-2").version().equals(byId(r).get("ad-2").version()));
    try (var listing = Files.list(out.resolve(".staging"))) {
      assertEquals(List.of(), listing.filter(x -> !x.getFileName().toString().startsWith("index.json")).toList());
    }
  }

  static List<String> ids(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.forEach(x -> out.add(x.path("adapter_id").asText()));
    return out;
  }

  @Test
  void conversionToHalfPrecisionReportsItsError(@TempDir Path dir) throws Exception {
    AdapterExport.Source s = sample(dir, "ad-h", 5);
    Safetensors in = Safetensors.parse(Files.readAllBytes(dir.resolve("artifacts/ad-h").resolve(AdapterExport.WEIGHTS)));
    for (Dtype d : List.of(Dtype.F16, Dtype.BF16)) {
      Path out = dir.resolve("out-" + d);
      AdapterExport.Outcome o = export(out, List.of(s), d).outcomes().get(0);
      assertEquals(AdapterExport.Status.EXPORTED, o.status(), o.toString());
      Safetensors packed = Safetensors.parse(Files.readAllBytes(out.resolve("ad-h").resolve(AdapterExport.WEIGHTS)));
      double bound = d == Dtype.F16 ? 0x1p-11 : 0x1p-8; // half an ulp, relative
      double maxRel = 0;
      for (Safetensors.Tensor t : in.tensors()) {
        Safetensors.Tensor pt = packed.tensor(t.name());
        assertEquals(d, pt.dtype());
        assertArrayEquals(t.shape(), pt.shape());
        double[] a = in.values(t);
        double[] b = packed.values(pt);
        for (int i = 0; i < a.length; i++) {
          if (Math.abs(a[i]) >= DtypeConversion.smallestNormal(d)) {
            maxRel = Math.max(maxRel, Math.abs(a[i] - b[i]) / Math.abs(a[i]));
          }
        }
      }
      assertTrue(maxRel <= bound, d + ": " + maxRel);
      assertEquals(maxRel, o.conversion().maxRelError(), 1e-15);
      assertTrue(o.conversion().maxRelError() > 0, "a conversion of random weights is not exact");
      JsonNode m = JSON.readTree(out.resolve("ad-h").resolve(AdapterExport.MANIFEST).toFile());
      assertEquals(d.name(), m.path("dtype").asText());
      assertEquals(o.conversion().maxAbsError(), m.path("conversion").path("max_abs_error").asDouble());
    }
    // a value beyond fp16's range is refused, not turned into Inf
    Safetensors.Output big = new Safetensors.Output("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
        Dtype.F32, new long[] {4, 64}, floats(4 * 64, 70000f));
    AdapterExport.Source s2 = write(dir, "ad-big", SampleAdapters.generate(SampleAdapters.MICRO_LLAMA, 4, 8, MODULES, 1)
        .adapterConfig(), replace(Files.readAllBytes(dir.resolve("artifacts/ad-h").resolve(AdapterExport.WEIGHTS)), big));
    AdapterExport.Outcome o = export(dir.resolve("out-big"), List.of(s2), Dtype.F16).outcomes().get(0);
    assertEquals(Code.CONVERSION_OVERFLOW, o.code(), o.toString());
  }

  static byte[] floats(int n, float value) {
    ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putFloat(value);
    }
    return b.array();
  }

  /** The weights file with one tensor replaced (or added). */
  static byte[] replace(byte[] weights, Safetensors.Output t) throws Exception {
    Safetensors in = Safetensors.parse(weights);
    Map<String, Safetensors.Output> tensors = new HashMap<>();
    for (Safetensors.Tensor x : in.tensors()) {
      byte[] b = new byte[(int) (x.end() - x.begin())];
      in.data(x).get(b);
      tensors.put(x.name(), new Safetensors.Output(x.name(), x.dtype(), x.shape(), b));
    }
    tensors.put(t.name(), t);
    return bytes(in.metadata(), new ArrayList<>(tensors.values()));
  }

  static byte[] without(byte[] weights, String contains) throws Exception {
    Safetensors in = Safetensors.parse(weights);
    List<Safetensors.Output> keep = new ArrayList<>();
    for (Safetensors.Tensor x : in.tensors()) {
      if (!x.name().contains(contains)) {
        byte[] b = new byte[(int) (x.end() - x.begin())];
        in.data(x).get(b);
        keep.add(new Safetensors.Output(x.name(), x.dtype(), x.shape(), b));
      }
    }
    return bytes(in.metadata(), keep);
  }

  static byte[] bytes(Map<String, String> metadata, List<Safetensors.Output> tensors) throws IOException {
    var out = new java.io.ByteArrayOutputStream();
    Safetensors.write(out, metadata, tensors);
    return out.toByteArray();
  }

  /** The header JSON of a weights file, edited as text, re-framed with its new length. */
  static byte[] editHeader(byte[] weights, String from, String to) {
    long n = ByteBuffer.wrap(weights, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    String header = new String(weights, 8, (int) n, StandardCharsets.UTF_8);
    assertTrue(header.contains(from), from);
    byte[] h = header.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to))
        .getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + weights.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(weights, 8 + (int) n, weights.length - 8 - (int) n);
    return b.array();
  }

  @Test
  void eachCorruptionGetsItsOwnErrorWhileTheOthersExport(@TempDir Path dir) throws Exception {
    SampleAdapters.Files good = SampleAdapters.generate(SampleAdapters.MICRO_LLAMA, 4, 8, MODULES, 7);
    byte[] w = good.weights();
    String config = new String(good.adapterConfig(), StandardCharsets.UTF_8);
    String firstA = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
    Safetensors parsed = Safetensors.parse(w);
    Safetensors.Tensor a = parsed.tensor(firstA);
    String offsets = "\"data_offsets\":[" + a.begin() + "," + a.end() + "]";
    byte[] nan = w.clone();
    ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(w.length - 4 * 3, Float.NaN);
    byte[] hugeHeader = w.clone();
    ByteBuffer.wrap(hugeHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);

    Map<String, Code> expected = new java.util.LinkedHashMap<>();
    List<AdapterExport.Source> sources = new ArrayList<>();
    sources.add(write(dir, "ok-1", good.adapterConfig(), w));
    expected.put("ok-1", null);
    sources.add(write(dir, "truncated", good.adapterConfig(), java.util.Arrays.copyOf(w, w.length - 100)));
    expected.put("truncated", Code.TRUNCATED_FILE);
    sources.add(write(dir, "tiny", good.adapterConfig(), new byte[] {1, 2, 3}));
    expected.put("tiny", Code.TRUNCATED_FILE);
    sources.add(write(dir, "header-size", good.adapterConfig(), hugeHeader));
    expected.put("header-size", Code.BAD_HEADER);
    // offsets that lie: a range shifted by 4 bytes (overlap), and a range that does not match its shape
    sources.add(write(dir, "offsets-shifted", good.adapterConfig(), editHeader(w, offsets,
        "\"data_offsets\":[" + (a.begin() + 4) + "," + (a.end() + 4) + "]")));
    expected.put("offsets-shifted", Code.OFFSETS_NOT_CONTIGUOUS);
    sources.add(write(dir, "offsets-short", good.adapterConfig(), editHeader(w, offsets,
        "\"data_offsets\":[" + a.begin() + "," + (a.end() - 4) + "]")));
    expected.put("offsets-short", Code.SIZE_MISMATCH);
    sources.add(write(dir, "dtype", good.adapterConfig(), editHeader(w, "\"dtype\":\"F32\"", "\"dtype\":\"F33\"")));
    expected.put("dtype", Code.UNKNOWN_DTYPE);
    sources.add(write(dir, "not-json", good.adapterConfig(), editHeader(w, "{\"__metadata__\"", "{\"__metadata__\"\"")));
    expected.put("not-json", Code.BAD_HEADER);
    // wrong rank: the config says r = 8 for rank-4 weights (registered as 8 too)
    AdapterExport.Source rank = write(dir, "rank", config.replace("\"r\" : 4", "\"r\" : 8").getBytes(StandardCharsets.UTF_8), w);
    sources.add(new AdapterExport.Source(rank.adapterId(), rank.baseModel(), rank.owner(), rank.datanets(), 8, 8,
        MODULES, rank.artifactUri(), null, List.of(), List.of()));
    expected.put("rank", Code.WRONG_RANK);
    sources.add(write(dir, "registered-rank", good.adapterConfig(), w));
    sources.set(sources.size() - 1, new AdapterExport.Source("registered-rank", "micro-llama", rank.owner(), List.of("med"), 16,
        8, MODULES, sources.get(sources.size() - 1).artifactUri(), null, List.of(), List.of()));
    expected.put("registered-rank", Code.WRONG_RANK);
    sources.add(write(dir, "missing-module", good.adapterConfig(), without(w, ".v_proj.")));
    expected.put("missing-module", Code.MISSING_MODULE);
    sources.add(write(dir, "missing-b", good.adapterConfig(), without(w, "layers.1.self_attn.q_proj.lora_B")));
    expected.put("missing-b", Code.MISSING_MODULE);
    sources.add(write(dir, "extra", good.adapterConfig(), replace(w, new Safetensors.Output(
        "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight", Dtype.F32, new long[] {4, 64}, floats(256, 0.1f)))));
    expected.put("extra", Code.UNEXPECTED_TENSOR);
    sources.add(write(dir, "nan", good.adapterConfig(), nan));
    expected.put("nan", Code.NON_FINITE);
    sources.add(write(dir, "config", config.replace("\"LORA\"", "\"IA3\"").getBytes(StandardCharsets.UTF_8), w));
    expected.put("config", Code.BAD_CONFIG);
    AdapterExport.Source gone = write(dir, "gone", good.adapterConfig(), w);
    Files.delete(Path.of(java.net.URI.create(gone.artifactUri())).resolve(AdapterExport.WEIGHTS));
    sources.add(gone);
    expected.put("gone", Code.FETCH_FAILED);
    sources.add(write(dir, "ok-2", good.adapterConfig(), w));
    expected.put("ok-2", null);

    Path out = dir.resolve("out");
    AdapterExport.Result r = export(out, sources, null);
    Map<String, AdapterExport.Outcome> outcomes = byId(r);
    expected.forEach((id, code) -> {
      AdapterExport.Outcome o = outcomes.get(id);
      if (code == null) {
        assertEquals(AdapterExport.Status.EXPORTED, o.status(), o.toString());
        assertTrue(Files.exists(out.resolve(id).resolve(AdapterExport.MANIFEST)));
      } else {
        assertEquals(AdapterExport.Status.FAILED, o.status(), id);
        assertEquals(code, o.code(), id + ": " + o.message());
        assertNotNull(o.message());
        assertFalse(Files.exists(out.resolve(id)), id + " must leave nothing that looks exported");
      }
    });
    JsonNode index = JSON.readTree(out.resolve(AdapterExport.INDEX).toFile());
    assertEquals(List.of("ok-1", "ok-2"), ids(index.path("base_models").path(SampleAdapters.MICRO_LLAMA.hubId())));
    assertNull(outcomes.get("ok-1").code());
  }

  /**
   * A source read chunk by chunk and hashed as it arrives gives the file's bytes and their sha256:
   * through the local file system's channel and through a Hadoop stream (any other file system),
   * for a file of several read chunks plus a tail, one of exactly one chunk, and an empty one.
   */
  @Test
  void sourcesReadInChunksGiveTheirBytesAndSha256(@TempDir Path dir) throws Exception {
    java.util.Random random = new java.util.Random(7);
    org.apache.hadoop.fs.LocalFileSystem local = org.apache.hadoop.fs.FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.FileSystem streamed = new org.apache.hadoop.fs.FilterFileSystem(local.getRawFileSystem()) {};
    for (int size : new int[] {(3 << 20) + 12345, 1 << 20, 0}) {
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);
      Path f = Files.write(dir.resolve("source-" + size), bytes);
      String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
      for (org.apache.hadoop.fs.FileSystem fs : List.of(local, streamed)) {
        AdapterExport.Read r = AdapterExport.readHashed(fs, new org.apache.hadoop.fs.Path(f.toUri()),
            dev.poa.udfs.SubmissionValidator.sha256Digest());
        assertArrayEquals(bytes, r.bytes(), fs.getClass().getSimpleName() + " " + size);
        assertEquals(sha, r.sha256(), fs.getClass().getSimpleName() + " " + size);
      }
    }
  }
}
