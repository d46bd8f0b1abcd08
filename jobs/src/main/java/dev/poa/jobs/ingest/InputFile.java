package dev.poa.jobs.ingest;

import dev.poa.schemas.BadInputException;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/** One input file of a batch, in the deterministic order that defines "ingest order". */
public record InputFile(String uri, long length, long modificationTime, int index) implements Serializable {

  /**
   * Expands paths (files, directories, globs; any Hadoop FileSystem URI) into files sorted by URI.
   * Hidden files ({@code .x}, {@code _x}) inside directories are skipped, as Spark does.
   */
  public static List<InputFile> list(Configuration conf, List<String> paths) {
    List<FileStatus> found = new ArrayList<>();
    for (String p : paths) {
      try {
        Path path = new Path(p);
        FileSystem fs = path.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(path);
        if (matches == null || matches.length == 0) {
          throw new BadInputException("Input " + p + " does not exist (no file matches it)");
        }
        for (FileStatus s : matches) {
          if (s.isDirectory()) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(s.getPath(), true);
            while (it.hasNext()) {
              LocatedFileStatus f = it.next();
              String name = f.getPath().getName();
              if (!name.startsWith(".") && !name.startsWith("_")) {
                found.add(f);
              }
            }
          } else {
            found.add(s);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list input " + p + ": " + e.getMessage(), e);
      }
    }
    found.sort(Comparator.comparing(s -> s.getPath().toString()));
    List<InputFile> out = new ArrayList<>();
    String prev = null;
    for (FileStatus s : found) {
      String uri = s.getPath().toString();
      if (uri.equals(prev)) {
        continue; // the same file named twice
      }
      prev = uri;
      out.add(new InputFile(uri, s.getLen(), s.getModificationTime(), out.size()));
    }
    if (out.isEmpty()) {
      throw new BadInputException("Inputs " + paths + " contain no files");
    }
    return out;
  }

  /** sha256 over (uri, length, mtime) of every file: a rerun with changed inputs is detected. */
  public static String fingerprint(List<InputFile> files) {
    StringBuilder sb = new StringBuilder();
    for (InputFile f : files) {
      sb.append(f.uri).append('\t').append(f.length).append('\t').append(f.modificationTime).append('\n');
    }
    return HexFormat.of().formatHex(dev.poa.udfs.SubmissionValidator.sha256(sb.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** jsonl, csv or parquet from the file name (compression suffixes ignored), or null. */
  public static String formatOf(String uri) {
    String n = uri.toLowerCase(Locale.ROOT);
    for (String z : List.of(".gz", ".bz2", ".zst", ".deflate", ".snappy", ".lz4")) {
      if (n.endsWith(z) && !n.endsWith(".parquet" + z)) {
        n = n.substring(0, n.length() - z.length());
      }
    }
    if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) {
      return "jsonl";
    }
    if (n.endsWith(".csv")) {
      return "csv";
    }
    if (n.endsWith(".parquet")) {
      return "parquet";
    }
    return null;
  }

  /** The one format of a batch: given, or detected when every file agrees. */
  public static String detectFormat(List<InputFile> files, String given) {
    if (given != null) {
      return given;
    }
    String format = null;
    for (InputFile f : files) {
      String x = formatOf(f.uri());
      if (x == null) {
        throw new BadInputException(
            "Cannot tell the format of " + f.uri() + " from its name: pass --format jsonl|csv|parquet");
      }
      if (format != null && !format.equals(x)) {
        throw new BadInputException(
            "Inputs mix " + format + " and " + x + " files: ingest them as separate batches, or pass --format");
      }
      format = x;
    }
    return format;
  }
}
