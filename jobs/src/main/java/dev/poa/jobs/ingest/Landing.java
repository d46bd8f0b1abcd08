package dev.poa.jobs.ingest;

import dev.poa.schemas.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where batches are dropped for scheduled ingestion: {@code <landing>/<kind>/<batch>/} (gradient
 * batches one level deeper, under their adapter: {@code <landing>/gradients/<adapter>/<batch>/}),
 * on any Hadoop file system (a local path, {@code s3a://…}). A batch directory is ready once it
 * holds a {@code _SUCCESS} file, written by the producer after its data files (the Hadoop
 * convention), so a batch still being copied is never read half. Ready batches are listed in name
 * order; each is ingested with the batch id derived from its files, so a batch is ingested once
 * however often the landing is scanned.
 */
public final class Landing {
  private Landing() {}

  /** The kinds of batches, by their folder under the landing prefix. */
  public enum Kind {
    SUBMISSIONS, LOGS, GRADIENTS, ATTESTATIONS;

    public String folder() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Kind parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("--kind must be submissions, logs, gradients or attestations, not '" + s + "'");
      }
    }
  }

  /** A ready batch: its directory (a Hadoop URI) and, for gradients, its adapter. */
  public record Batch(Kind kind, String dir, String adapterId) {
    public String name() {
      return new Path(dir).getName();
    }
  }

  public static final String READY_MARKER = "_SUCCESS";

  /** The ready batches of a kind, in name order (adapter, then batch, for gradients). */
  public static List<Batch> ready(Configuration hadoop, String landing, Kind kind) {
    Path root = new Path(landing.replaceAll("/+$", "") + "/" + kind.folder());
    try {
      FileSystem fs = root.getFileSystem(hadoop);
      List<Batch> out = new ArrayList<>();
      if (!fs.exists(root)) {
        return out;
      }
      if (kind == Kind.GRADIENTS) {
        for (FileStatus adapter : directories(fs, root)) {
          for (FileStatus b : directories(fs, adapter.getPath())) {
            if (fs.exists(new Path(b.getPath(), READY_MARKER))) {
              out.add(new Batch(kind, b.getPath().toString(), adapter.getPath().getName()));
            }
          }
        }
      } else {
        for (FileStatus b : directories(fs, root)) {
          if (fs.exists(new Path(b.getPath(), READY_MARKER))) {
            out.add(new Batch(kind, b.getPath().toString(), null));
          }
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the landing " + root + ": " + e.getMessage(), e);
    }
  }

  private static List<FileStatus> directories(FileSystem fs, Path p) throws IOException {
    List<FileStatus> dirs = new ArrayList<>();
    for (FileStatus s : fs.listStatus(p)) {
      String name = s.getPath().getName();
      if (s.isDirectory() && !name.startsWith(".") && !name.startsWith("_")) {
        dirs.add(s);
      }
    }
    dirs.sort(Comparator.comparing(s -> s.getPath().getName()));
    return dirs;
  }
}
