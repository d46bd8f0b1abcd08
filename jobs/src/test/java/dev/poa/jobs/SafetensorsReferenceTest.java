package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.SharedSpark;
import dev.poa.export.AdapterExport;
import dev.poa.export.Dtype;
import dev.poa.export.SampleAdapters;
import dev.poa.export.Safetensors;
import dev.poa.fixtures.S3Fixture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exported adapters read back by the reference reader: Python {@code safetensors} 0.8.0 with
 * numpy (tools/safetensors-check, installed by its setup.sh, which .ci/run runs), in every dtype;
 * and an export to a real S3-compatible store through S3A gives the same bytes as a local one.
 */
@Tag("slow")
class SafetensorsReferenceTest {
  static final Path TOOL = Path.of("..", "tools", "safetensors-check").toAbsolutePath().normalize();

  static List<JsonNode> referenceCheck(Path export) throws IOException, InterruptedException {
    Path python = TOOL.resolve(".venv/bin/python");
    assertTrue(Files.isExecutable(python), "the reference reader is missing: run tools/safetensors-check/setup.sh");
    Process p = new ProcessBuilder(python.toString(), TOOL.resolve("check.py").toString(), export.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the reference reader did not finish");
    assertEquals(0, p.exitValue(), out);
    List<JsonNode> rows = new ArrayList<>();
    for (String line : out.strip().split("\n")) {
      rows.add(new ObjectMapper().readTree(line));
    }
    return rows;
  }

  @Test
  void theReferenceReaderLoadsEveryExportedAdapterInEveryDtype(@TempDir Path dir) throws Exception {
    List<AdapterExport.Source> sources = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<String> modules = i == 2 ? List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
          : List.of("q_proj", "v_proj");
      SampleAdapters.Files f = SampleAdapters.generate(SampleAdapters.MICRO_LLAMA, 4 + 4 * i, 16, modules, 100 + i);
      Path a = Files.createDirectories(dir.resolve("artifacts/ad-" + i));
      Files.write(a.resolve(AdapterExport.CONFIG), f.adapterConfig());
      Files.write(a.resolve(AdapterExport.WEIGHTS), f.weights());
      sources.add(new AdapterExport.Source("ad-" + i, "micro-llama", "0x" + "cd".repeat(20), List.of("notes"), 4 + 4 * i, 16,
          modules, a.toUri().toString(), 7L, List.of("c1", "c2"), List.of("MIT")));
    }
    for (Dtype d : new Dtype[] {null, Dtype.F16, Dtype.BF16}) {
      Path out = dir.resolve("out-" + d);
      AdapterExport.Result r = AdapterExport.to(out.toUri().toString(), new Configuration()).dtype(d).run(sources);
      assertEquals(3, r.count(AdapterExport.Status.EXPORTED), r.toString());
      List<JsonNode> rows = referenceCheck(out);
      assertEquals(3, rows.size());
      for (JsonNode row : rows) {
        // what the reference reader saw equals what poa's reader sees
        Safetensors s = Safetensors.parse(Files.readAllBytes(out.resolve(row.path("adapter_id").asText())
            .resolve(AdapterExport.WEIGHTS)));
        long params = 0;
        double sumAbs = 0;
        for (Safetensors.Tensor t : s.tensors()) {
          params += t.elements();
          for (double v : s.values(t)) {
            sumAbs += Math.abs(v);
          }
        }
        assertEquals(s.tensors().size(), row.path("tensors").asInt());
        assertEquals(params, row.path("parameters").asLong());
        assertEquals(sumAbs, row.path("sum_abs").asDouble(), 1e-9 * sumAbs);
        assertEquals(d == null ? "F32" : d.name(), row.path("dtype").asText());
        assertEquals(d != null, row.path("converted_checked").asBoolean()); // bit-equal to numpy's conversion
      }
    }
  }

  @Test
  void anExportToS3HasTheBytesOfALocalOne(@TempDir Path dir) throws Exception {
    SampleAdapters.Files f = SampleAdapters.generate(SampleAdapters.MICRO_LLAMA, 4, 8, List.of("q_proj", "v_proj"), 9);
    Path a = Files.createDirectories(dir.resolve("artifacts/s3-ad"));
    Files.write(a.resolve(AdapterExport.CONFIG), f.adapterConfig());
    Files.write(a.resolve(AdapterExport.WEIGHTS), f.weights());
    List<AdapterExport.Source> sources = List.of(new AdapterExport.Source("s3-ad", "micro-llama", "0x" + "cd".repeat(20),
        List.of("notes"), 4, 8, List.of("q_proj", "v_proj"), a.toUri().toString(), null, List.of(), List.of()));
    try (S3Fixture s3 = S3Fixture.start(dir)) {
      s3.createBucket("fleet");
      Configuration conf = new Configuration(SharedSpark.spark().sparkContext().hadoopConfiguration());
      s3.hadoopSettings().forEach(conf::set);
      AdapterExport.Result r = AdapterExport.to("s3a://fleet/adapters", conf).dtype(Dtype.F16).run(sources);
      assertEquals(1, r.count(AdapterExport.Status.EXPORTED), r.toString());
      Path local = dir.resolve("local");
      AdapterExport.to(local.toUri().toString(), new Configuration()).dtype(Dtype.F16).run(sources);
      FileSystem fs = new org.apache.hadoop.fs.Path("s3a://fleet/").getFileSystem(conf);
      Map<String, byte[]> onS3 = new HashMap<>();
      for (String name : List.of("s3-ad/" + AdapterExport.CONFIG, "s3-ad/" + AdapterExport.WEIGHTS, "s3-ad/" + AdapterExport.MANIFEST,
          AdapterExport.INDEX)) {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path("s3a://fleet/adapters/" + name))) {
          onS3.put(name, in.readAllBytes());
        }
      }
      for (String name : List.of("s3-ad/" + AdapterExport.CONFIG, "s3-ad/" + AdapterExport.WEIGHTS, AdapterExport.INDEX)) {
        assertArrayEquals(Files.readAllBytes(local.resolve(name)), onS3.get(name), name);
      }
      // no manifest names its own location, so the manifests are equal too
      assertArrayEquals(Files.readAllBytes(local.resolve("s3-ad/" + AdapterExport.MANIFEST)), onS3.get("s3-ad/" + AdapterExport.MANIFEST));
      // and a second export to S3 finds the adapter unchanged
      assertEquals(1, AdapterExport.to("s3a://fleet/adapters", conf).dtype(Dtype.F16).run(sources)
          .count(AdapterExport.Status.UNCHANGED));
    }
  }
}
