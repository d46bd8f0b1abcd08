package dev.poa.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.export.AdapterProblem.Code;
import dev.poa.udfs.rewards.StandardMerkleTree;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Packs registered LoRA adapters for a multi-adapter serving fleet (LoRAX, vLLM, S-LoRA style):
 * one directory per adapter with {@code adapter_config.json} and {@code adapter_model.safetensors}
 * (the layout they load), a {@code manifest.json} (version, base model, rank, dtype, files with
 * sizes and sha256, provenance) and a fleet {@code index.json} by base model. Builder-style:
 * {@code AdapterExport.to(out, conf).dtype(Dtype.F16).run(sources)}.
 *
 * <ul>
 *   <li>Each adapter is checked before packing ({@link Safetensors}, {@link LoraConfig},
 *       {@link LoraCheck}, and against its registration); a bad one is reported with its
 *       {@link Code} and the others go on.
 *   <li>Deterministic: no clocks in any file; same sources and options → same bytes.
 *   <li>Incremental: an adapter whose sources, options and provenance are unchanged (its
 *       {@code source_fingerprint}) and whose files are in place is skipped.
 *   <li>Atomic per adapter: files go to {@code <out>/.staging/…}, {@code manifest.json} last, and
 *       the directory is renamed into place (on a local or HDFS filesystem, a reader never sees a
 *       half-written adapter; on an object store, where a directory rename is a copy, a reader
 *       must take an adapter only with its manifest.json and check the sha256 it lists).
 * </ul>
 */
public final class AdapterExport {
  public static final String CONFIG = "adapter_config.json";
  public static final String WEIGHTS = "adapter_model.safetensors";
  public static final String MANIFEST = "manifest.json";
  public static final String INDEX = "index.json";
  static final String STAGING = ".staging";

  /** What the registry holds about an adapter (models.adapters + its training set). */
  public record Source(String adapterId, String baseModel, String owner, List<String> datanets, int rank, double alpha,
      List<String> targetModules, String artifactUri, Long trainingSetSnapshotId, List<String> trainingContributionIds,
      List<String> licenses) {}

  public enum Status { EXPORTED, UNCHANGED, FAILED }

  /** What happened to one adapter. {@code code}/{@code message} explain a failure. */
  public record Outcome(String adapterId, Status status, String version, String path, Code code, String message,
      DtypeConversion.Report conversion, long bytes) {}

  public record Result(List<Outcome> outcomes, String index) {
    public long count(Status s) {
      return outcomes.stream().filter(o -> o.status() == s).count();
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String out;
  private final Configuration conf;
  private Dtype dtype;
  private Consumer<String> progress = m -> {};
  private int parallelism = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

  private AdapterExport(String out, Configuration conf) {
    this.out = out.replaceAll("/+$", "");
    this.conf = conf;
  }

  public static AdapterExport to(String outUri, Configuration conf) {
    return new AdapterExport(outUri, conf);
  }

  /** Convert float weights to this dtype (F16, BF16 or F32); null keeps them as they are. */
  public AdapterExport dtype(Dtype d) {
    this.dtype = d;
    return this;
  }

  /** Adapters packed at the same time (default: the cores, at most 4). */
  public AdapterExport parallelism(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1");
    }
    this.parallelism = n;
    return this;
  }

  public AdapterExport progress(Consumer<String> p) {
    this.progress = p;
    return this;
  }

  public Result run(List<Source> sources) throws IOException {
    Path root = new Path(out);
    FileSystem fs = root.getFileSystem(conf);
    fs.setWriteChecksum(false); // the manifest lists each file's sha256
    mkdirs(fs, root);
    // leftovers of an interrupted run: half-written adapters never left the staging area
    fs.delete(new Path(root, STAGING), true);
    // adapters are independent: packed in parallel (hashing and checking are CPU-bound), reported in order
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallelism);
    java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
    List<java.util.concurrent.Future<Outcome>> futures = new ArrayList<>();
    for (Source s : sources) {
      futures.add(pool.submit(() -> {
        Outcome o;
        try {
          o = export(fs, root, s);
        } catch (AdapterProblem p) {
          o = new Outcome(s.adapterId(), Status.FAILED, null, null, p.code(), p.getMessage(), null, 0);
        }
        progress.accept(String.format("[%d/%d] %s: %s%s", done.incrementAndGet(), sources.size(), s.adapterId(),
            o.status().name().toLowerCase(java.util.Locale.ROOT),
            o.status() == Status.FAILED ? " (" + o.code().id() + ": " + o.message() + ")" : " " + o.version()));
        return o;
      }));
    }
    pool.shutdown();
    List<Outcome> outcomes = new ArrayList<>();
    try {
      for (java.util.concurrent.Future<Outcome> f : futures) {
        outcomes.add(f.get());
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      pool.shutdownNow();
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException(e.getCause());
    }
    String index = writeIndex(fs, root);
    return new Result(outcomes, index);
  }

  /** The file's bytes, read into one array of its length (readAllBytes would gather chunks, then copy them). */
  private static byte[] read(FileSystem fs, Path p) throws IOException {
    return readHashed(fs, p, null).bytes();
  }

  /** A source file's bytes and the hex sha256 of them. */
  record Read(byte[] bytes, String sha256) {}

  /** The chunk a file is read or written and hashed by: small enough to be hashed while it is still in the CPU's cache. */
  private static final int CHUNK = 1 << 20;

  /**
   * The file's bytes in one array of its length, hashed chunk by chunk as they arrive ({@code md}
   * null: not hashed) instead of in a second pass over the whole array. A local file is read with a
   * {@link java.nio.channels.FileChannel} into the array (a Hadoop stream of a local file reads through
   * {@code FileInputStream}, which copies every read into a native buffer allocated for it).
   */
  static Read readHashed(FileSystem fs, Path p, java.security.MessageDigest md) throws IOException {
    long len = fs.getFileStatus(p).getLen();
    if (len > Integer.MAX_VALUE - 8) {
      throw new IOException(p + " is " + len + " bytes: more than one array holds");
    }
    byte[] b = new byte[(int) len];
    java.io.File local = localFile(fs, p);
    if (local != null) {
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(local.toPath(),
          java.nio.file.StandardOpenOption.READ)) {
        fill((buf, off, n) -> ch.read(java.nio.ByteBuffer.wrap(buf, off, n)), b, md, p);
      }
    } else {
      try (InputStream in = fs.open(p)) {
        fill(in::read, b, md, p);
      }
    }
    return new Read(b, md == null ? null : HexFormat.of().formatHex(md.digest()));
  }

  /** The local file behind {@code p}, or null when {@code fs} is not the local file system. */
  private static java.io.File localFile(FileSystem fs, Path p) {
    return fs instanceof org.apache.hadoop.fs.LocalFileSystem l ? l.pathToFile(p)
        : fs instanceof org.apache.hadoop.fs.RawLocalFileSystem r ? r.pathToFile(p) : null;
  }

  /** A read into part of an array: bytes read, -1 at the end (InputStream.read, a channel's read). */
  private interface ChunkRead {
    int read(byte[] b, int off, int n) throws IOException;
  }

  /** Fills {@code b} chunk by chunk, each hashed once read; the file must end exactly there. */
  private static void fill(ChunkRead in, byte[] b, java.security.MessageDigest md, Path p) throws IOException {
    for (int off = 0; off < b.length; ) {
      int n = in.read(b, off, Math.min(CHUNK, b.length - off));
      if (n < 0) {
        throw new IOException(p + " shrank while it was read");
      }
      if (md != null) {
        md.update(b, off, n);
      }
      off += n;
    }
    if (in.read(new byte[1], 0, 1) != -1) {
      throw new IOException(p + " grew while it was read");
    }
  }

  private Outcome export(FileSystem fs, Path root, Source s) throws AdapterProblem, IOException {
    Read configRead;
    Read weightsRead;
    Path src = new Path(s.artifactUri());
    try {
      FileSystem srcFs = src.getFileSystem(conf);
      srcFs.setVerifyChecksum(false);
      configRead = readHashed(srcFs, new Path(src, CONFIG), dev.poa.udfs.SubmissionValidator.sha256Digest());
      weightsRead = readHashed(srcFs, new Path(src, WEIGHTS), dev.poa.udfs.SubmissionValidator.sha256Digest());
    } catch (FileNotFoundException e) {
      throw new AdapterProblem(Code.FETCH_FAILED, "missing at " + s.artifactUri() + ": " + e.getMessage());
    } catch (IOException | IllegalArgumentException e) {
      throw new AdapterProblem(Code.FETCH_FAILED, "cannot read " + s.artifactUri() + ": " + e.getMessage());
    }
    byte[] configBytes = configRead.bytes();
    byte[] weightBytes = weightsRead.bytes();
    LoraConfig config = LoraConfig.parse(configBytes);
    if (config.r() != s.rank()) {
      throw new AdapterProblem(Code.WRONG_RANK, "registered with rank " + s.rank() + ", but " + CONFIG + " has r = " + config.r());
    }
    if (!new TreeSet<>(config.targetModules()).equals(new TreeSet<>(s.targetModules()))) {
      throw new AdapterProblem(Code.BAD_CONFIG, "registered target modules " + s.targetModules() + ", but " + CONFIG
          + " has " + config.targetModules());
    }
    Safetensors weights = Safetensors.parse(weightBytes);
    LoraCheck.Summary summary = LoraCheck.check(config, weights);
    String configSha = configRead.sha256();
    String weightsSha = weightsRead.sha256();
    String version = sha256((configSha + "\n" + weightsSha).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    String trainingRoot = trainingRoot(s.trainingContributionIds());
    ObjectNode provenance = provenance(s, trainingRoot);
    String fingerprint = sha256((configSha + "\n" + weightsSha + "\n" + (dtype == null ? "keep" : dtype.name()) + "\n"
        + provenance).getBytes(StandardCharsets.UTF_8));
    Path target = new Path(root, s.adapterId());
    if (unchanged(fs, target, fingerprint)) {
      return new Outcome(s.adapterId(), Status.UNCHANGED, version, target.toString(), null, null, null, 0);
    }

    // the weights, converted or not, with the key ids mirrored into __metadata__
    DtypeConversion.Report[] report = {dtype == null ? null : DtypeConversion.Report.none(dtype)};
    List<Safetensors.Output> tensors = new ArrayList<>();
    TreeSet<String> dtypes = new TreeSet<>();
    for (Safetensors.Tensor t : weights.tensors()) {
      Safetensors.Output o;
      if (dtype != null && t.dtype().isFloat() && t.dtype() != dtype) {
        o = DtypeConversion.convert(weights, t, dtype, report);
      } else {
        o = weights.output(t); // the source's bytes as they are: no copy
      }
      dtypes.add(o.dtype().name());
      tensors.add(o);
    }
    Map<String, String> metadata = new TreeMap<>(weights.metadata());
    metadata.putIfAbsent("format", "pt");
    metadata.put("poa.adapter_id", s.adapterId());
    metadata.put("poa.version", version);
    metadata.put("poa.base_model", config.baseModel());
    if (trainingRoot != null) {
      metadata.put("poa.training_set_root", trainingRoot);
    }
    // staged first, hashed while written: the manifest (written last) lists the file's size and sha256
    Path staging = new Path(new Path(root, STAGING), s.adapterId() + "." + UUID.randomUUID());
    mkdirs(fs, staging);
    write(fs, new Path(staging, CONFIG), configBytes);
    Written outWeights = writeHashed(fs, new Path(staging, WEIGHTS), metadata, tensors);

    ObjectNode m = JSON.createObjectNode();
    m.put("format", "poa-adapter-v1");
    m.put("adapter_id", s.adapterId());
    m.put("version", version);
    m.put("base_model", config.baseModel());
    m.put("base_model_revision", config.revision());
    m.put("registered_base_model", s.baseModel());
    m.put("rank", config.r());
    m.put("alpha", config.loraAlpha());
    ArrayNode modules = m.putArray("target_modules");
    config.targetModules().forEach(modules::add);
    m.put("dtype", String.join(",", dtypes));
    m.put("parameters", summary.parameters());
    ObjectNode pairs = m.putObject("layers_per_module");
    summary.pairsPerModule().forEach(pairs::put);
    if (report[0] != null) {
      ObjectNode c = m.putObject("conversion");
      c.put("to", report[0].to().name());
      c.put("values", report[0].values());
      c.put("max_abs_error", report[0].maxAbsError());
      c.put("max_rel_error", report[0].maxRelError());
    } else {
      m.putNull("conversion");
    }
    ArrayNode files = m.putArray("files");
    fileEntry(files, CONFIG, configBytes.length, configSha); // packed as it came: the source's sha256
    fileEntry(files, WEIGHTS, outWeights.size(), outWeights.sha256());
    m.set("provenance", provenance);
    ObjectNode source = m.putObject("source");
    source.put("artifact_uri", s.artifactUri());
    source.put("config_sha256", configSha);
    source.put("weights_sha256", weightsSha);
    m.put("source_fingerprint", fingerprint);
    byte[] manifest = (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);

    write(fs, new Path(staging, MANIFEST), manifest); // last: an adapter directory is complete with its manifest
    Path old = null;
    if (fs.exists(target)) {
      old = new Path(new Path(root, STAGING), s.adapterId() + ".old." + UUID.randomUUID());
      rename(fs, target, old);
    }
    rename(fs, staging, target);
    if (old != null) {
      fs.delete(old, true);
    }
    return new Outcome(s.adapterId(), Status.EXPORTED, version, target.toString(), null, null, report[0],
        configBytes.length + outWeights.size() + manifest.length);
  }

  private static void fileEntry(ArrayNode files, String name, long size, String sha256) {
    ObjectNode f = files.addObject();
    f.put("name", name);
    f.put("size", size);
    f.put("sha256", sha256);
  }

  private static ObjectNode provenance(Source s, String trainingRoot) {
    ObjectNode p = JSON.createObjectNode();
    p.put("owner", s.owner());
    ArrayNode d = p.putArray("datanets");
    new TreeSet<>(s.datanets()).forEach(d::add);
    if (s.trainingSetSnapshotId() == null) {
      p.putNull("training_set_snapshot_id");
    } else {
      p.put("training_set_snapshot_id", s.trainingSetSnapshotId());
    }
    p.put("training_set_size", new TreeSet<>(s.trainingContributionIds()).size());
    p.put("training_set_root", trainingRoot);
    p.put("training_set_root_scheme", "@openzeppelin/merkle-tree StandardMerkleTree, leaf encoding [\"string\"],"
        + " over the distinct contribution ids");
    ArrayNode l = p.putArray("licenses");
    new TreeSet<>(s.licenses()).forEach(l::add);
    return p;
  }

  /** OpenZeppelin StandardMerkleTree root over the distinct contribution ids (leaf encoding ["string"]), or null. */
  static String trainingRoot(List<String> ids) {
    TreeSet<String> distinct = new TreeSet<>(ids);
    if (distinct.isEmpty()) {
      return null;
    }
    byte[][] hashes = new byte[distinct.size()][];
    int i = 0;
    for (String id : distinct) {
      hashes[i++] = StandardMerkleTree.stringLeafHash(id);
    }
    return StandardMerkleTree.ofLeafHashes(hashes).root();
  }

  /** True when the adapter's directory holds a complete export of the same sources and options. */
  private static boolean unchanged(FileSystem fs, Path target, String fingerprint) throws IOException {
    Path manifest = new Path(target, MANIFEST);
    if (!fs.exists(manifest)) {
      return false;
    }
    JsonNode m;
    try {
      m = JSON.readTree(read(fs, manifest));
    } catch (IOException e) {
      return false;
    }
    if (!fingerprint.equals(m.path("source_fingerprint").asText())) {
      return false;
    }
    for (JsonNode f : m.path("files")) {
      Path p = new Path(target, f.path("name").asText());
      if (!fs.exists(p) || fs.getFileStatus(p).getLen() != f.path("size").asLong()) {
        return false;
      }
    }
    return true;
  }

  /** index.json: every complete adapter directory under the root, grouped by base model. */
  private static String writeIndex(FileSystem fs, Path root) throws IOException {
    Map<String, List<ObjectNode>> byBase = new TreeMap<>();
    for (FileStatus st : fs.listStatus(root)) {
      String name = st.getPath().getName();
      Path manifest = new Path(st.getPath(), MANIFEST);
      if (!st.isDirectory() || name.startsWith(".") || !fs.exists(manifest)) {
        continue;
      }
      Read manifestRead = readHashed(fs, manifest, dev.poa.udfs.SubmissionValidator.sha256Digest());
      JsonNode m = JSON.readTree(manifestRead.bytes());
      ObjectNode e = JSON.createObjectNode();
      e.put("adapter_id", m.path("adapter_id").asText());
      e.put("version", m.path("version").asText());
      e.put("path", name);
      e.put("rank", m.path("rank").asInt());
      e.put("dtype", m.path("dtype").asText());
      e.set("target_modules", m.path("target_modules"));
      long bytes = 0;
      for (JsonNode f : m.path("files")) {
        bytes += f.path("size").asLong();
      }
      e.put("bytes", bytes);
      e.put("manifest_sha256", manifestRead.sha256());
      byBase.computeIfAbsent(m.path("base_model").asText(), k -> new ArrayList<>()).add(e);
    }
    ObjectNode index = JSON.createObjectNode();
    index.put("format", "poa-fleet-index-v1");
    ObjectNode bases = index.putObject("base_models");
    byBase.forEach((base, list) -> {
      ArrayNode a = bases.putArray(base);
      list.sort(java.util.Comparator.comparing(x -> x.path("adapter_id").asText()));
      list.forEach(a::add);
    });
    Path tmp = new Path(new Path(root, STAGING), INDEX + "." + UUID.randomUUID());
    write(fs, tmp, (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n").getBytes(StandardCharsets.UTF_8));
    Path target = new Path(root, INDEX);
    fs.delete(target, false);
    rename(fs, tmp, target);
    return target.toString();
  }

  private static void write(FileSystem fs, Path p, byte[] bytes) throws IOException {
    try (OutputStream o = create(fs, p)) {
      o.write(bytes);
    }
  }

  /** A file written: its size and the hex sha256 of its bytes. */
  private record Written(long size, String sha256) {}

  /**
   * Writes a safetensors file, hashing its bytes on the way: each chunk of at most {@link #CHUNK}
   * bytes is hashed and then written while it is still in the CPU's cache (no second pass, no copy of
   * the tensors). A local file is written through a {@link java.nio.channels.FileChannel}: a Hadoop
   * stream of a local file writes through {@code FileOutputStream}, which copies every write longer
   * than 8 KB into a native buffer allocated for it.
   */
  private static Written writeHashed(FileSystem fs, Path p, Map<String, String> metadata, List<Safetensors.Output> tensors)
      throws IOException {
    java.security.MessageDigest md = dev.poa.udfs.SubmissionValidator.sha256Digest();
    long size;
    try (OutputStream o = new java.io.BufferedOutputStream(new HashedChunks(create(fs, p), md), 1 << 16)) {
      size = Safetensors.write(o, metadata, tensors);
    }
    return new Written(size, HexFormat.of().formatHex(md.digest()));
  }

  /**
   * A new file (replacing one there), and its parent directories. A local file is created with
   * java.nio: Hadoop's local file system sets the permission of every file and directory it creates
   * by running {@code chmod} in a new process when Hadoop's native library is not loaded (a fork per
   * file: a fifth of a pack's time on the bench). The permission is set here as Hadoop would set it
   * (its default, less {@code fs.permissions.umask-mode}), in the same process.
   */
  private static OutputStream create(FileSystem fs, Path p) throws IOException {
    java.io.File local = localFile(fs, p);
    if (local == null) {
      return fs.create(p, true);
    }
    java.nio.file.Path file = local.toPath();
    mkdirs(fs, file.getParent());
    java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE);
    try {
      java.nio.file.Files.setPosixFilePermissions(file, posix(org.apache.hadoop.fs.permission.FsPermission.getFileDefault(), fs));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return java.nio.channels.Channels.newOutputStream(ch);
  }

  /** A directory and its parents (see {@link #create}: made in this process when local, with Hadoop's permission). */
  private static void mkdirs(FileSystem fs, Path p) throws IOException {
    java.io.File local = localFile(fs, p);
    if (local == null) {
      fs.mkdirs(p);
    } else {
      mkdirs(fs, local.toPath());
    }
  }

  private static void mkdirs(FileSystem fs, java.nio.file.Path dir) throws IOException {
    List<java.nio.file.Path> missing = new ArrayList<>();
    for (java.nio.file.Path d = dir.toAbsolutePath(); d != null && !java.nio.file.Files.isDirectory(d); d = d.getParent()) {
      missing.add(d);
    }
    if (missing.isEmpty()) {
      return;
    }
    java.nio.file.Files.createDirectories(dir);
    java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
        posix(org.apache.hadoop.fs.permission.FsPermission.getDirDefault(), fs);
    for (java.nio.file.Path d : missing) {
      java.nio.file.Files.setPosixFilePermissions(d, perms);
    }
  }

  /** A Hadoop default permission less the configured umask, as POSIX permissions. */
  private static java.util.Set<java.nio.file.attribute.PosixFilePermission> posix(
      org.apache.hadoop.fs.permission.FsPermission defaults, FileSystem fs) {
    org.apache.hadoop.fs.permission.FsPermission p =
        defaults.applyUMask(org.apache.hadoop.fs.permission.FsPermission.getUMask(fs.getConf()));
    return java.nio.file.attribute.PosixFilePermissions.fromString(p.getUserAction().SYMBOL
        + p.getGroupAction().SYMBOL + p.getOtherAction().SYMBOL);
  }

  /** Writes to {@code out} by chunks of at most {@link #CHUNK} bytes, each hashed just before it is written. */
  private static final class HashedChunks extends java.io.FilterOutputStream {
    private final java.security.MessageDigest md;

    HashedChunks(OutputStream out, java.security.MessageDigest md) {
      super(out);
      this.md = md;
    }

    @Override
    public void write(int b) throws IOException {
      md.update((byte) b);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      for (int end = off + len; off < end; ) {
        int n = Math.min(CHUNK, end - off);
        md.update(b, off, n);
        out.write(b, off, n);
        off += n;
      }
    }
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("could not rename " + from + " to " + to);
    }
  }

  static String sha256(byte[] b) {
    return HexFormat.of().formatHex(dev.poa.udfs.SubmissionValidator.sha256(b));
  }

}
