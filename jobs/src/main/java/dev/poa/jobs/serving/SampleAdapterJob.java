package dev.poa.jobs.serving;

import static org.apache.spark.sql.functions.col;

import dev.poa.export.AdapterExport;
import dev.poa.export.SampleAdapters;
import dev.poa.jobs.Progress;
import dev.poa.schemas.BadInputException;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.LakehouseLease;
import dev.poa.schemas.Tables;
import dev.poa.udfs.AdapterSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Encoders;

/**
 * {@code poa adapters sample}: generates sample LoRA adapters ({@link SampleAdapters}: PEFT names
 * and shapes of a Llama-style base, random weights), writes their files under a directory (any
 * Hadoop URI) and registers them, trained on the given DataNets' accepted contributions. Ids are
 * {@code sample-<base>-<n>}, numbered after the samples already registered.
 */
public final class SampleAdapterJob {
  public record Config(String base, int count, List<String> datanets, int rank, double alpha, List<String> modules,
      String dir, long seed) {}

  public record Result(List<String> adapterIds) {}

  private final Lakehouse lh;
  private final Progress progress;

  public SampleAdapterJob(Lakehouse lh, Progress progress) {
    this.lh = lh;
    this.progress = progress;
  }

  public Result run(Config c) throws IOException {
    try (LakehouseLease lease = lh.lease("adapters sample --base " + c.base(), progress::step)) {
      lh.migrate();
      return runHeld(c);
    }
  }

  private Result runHeld(Config c) throws IOException {
    SampleAdapters.Base base = SampleAdapters.base(c.base());
    List<String> datanets = c.datanets();
    if (datanets == null || datanets.isEmpty()) {
      datanets = lh.spark().table(lh.sparkName(Tables.DATANETS)).select("id").orderBy("id").as(Encoders.STRING())
          .collectAsList();
      if (datanets.isEmpty()) {
        throw new BadInputException("No DataNet is registered: sample adapters are trained on one (poa datanets create)");
      }
    }
    Set<String> taken = new HashSet<>(lh.spark().table(lh.sparkName(Tables.ADAPTERS))
        .filter(col("adapter_id").startsWith("sample-" + base.name() + "-")).select("adapter_id").as(Encoders.STRING())
        .collectAsList());
    List<String> ids = new ArrayList<>();
    int n = 0;
    while (ids.size() < c.count()) {
      n++;
      String id = "sample-" + base.name() + "-" + n;
      if (taken.contains(id)) {
        continue;
      }
      SampleAdapters.Files files = SampleAdapters.generate(base, c.rank(), c.alpha(), c.modules(), c.seed() * 1_000_003L + n);
      Path dir = new Path(c.dir().replaceAll("/+$", "") + "/" + id);
      FileSystem fs = dir.getFileSystem(lh.spark().sparkContext().hadoopConfiguration());
      fs.setWriteChecksum(false);
      write(fs, new Path(dir, AdapterExport.CONFIG), files.adapterConfig());
      write(fs, new Path(dir, AdapterExport.WEIGHTS), files.weights());
      // a deterministic owner address per sample
      String owner = "0x" + hex20(id);
      String spec = "{\"adapter_id\":\"" + id + "\",\"base_model\":\"" + base.name() + "\",\"owner\":\"" + owner
          + "\",\"datanets\":" + json(datanets) + ",\"rank\":" + c.rank() + ",\"alpha\":" + c.alpha()
          + ",\"target_modules\":" + json(c.modules()) + ",\"artifact_uri\":\"" + dir + "\"}";
      AdapterRegistry.Registered r = AdapterRegistry.register(lh, AdapterSpec.parse(spec));
      progress.step("adapter " + id + " (" + base.hubId() + ", r = " + c.rank() + ", " + files.weights().length
          + " bytes of weights) registered: " + r.trainingSetSize() + " training contributions");
      ids.add(id);
    }
    return new Result(ids);
  }

  private static String json(List<String> l) {
    return "[" + String.join(",", l.stream().map(s -> "\"" + s + "\"").toList()) + "]";
  }

  private static void write(FileSystem fs, Path p, byte[] b) throws IOException {
    try (OutputStream o = fs.create(p, true)) {
      o.write(b);
    }
  }

  /** 20 bytes of sha256(id), lower-case hex. */
  static String hex20(String id) {
    return java.util.HexFormat.of().formatHex(
        dev.poa.udfs.SubmissionValidator.sha256(id.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0, 20);
  }

}
