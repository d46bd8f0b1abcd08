package dev.poa.jobs.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.schemas.BadInputException;
import dev.poa.udfs.Reasons;
import dev.poa.udfs.SubmissionValidator;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the records of a batch, one row per input record with its source position and raw bytes,
 * before any validation. JSONL and CSV files are read whole by one task each (not split), which is
 * what makes line numbers exact; the rows are spread over the cluster right after. Parquet rows
 * are turned into JSON text so that one validator applies to every format.
 */
public final class RawRecords {
  /** Longest record kept; beyond it the job fails rather than hold unbounded bytes. */
  static final int MAX_RECORD_BYTES = 256 * 1024 * 1024;

  public static final StructType SCHEMA =
      new StructType()
          .add("source_file", DataTypes.StringType, false)
          .add("file_index", DataTypes.IntegerType, false)
          .add("source_line", DataTypes.LongType, false)
          .add("raw", DataTypes.BinaryType, true)
          .add("json_text", DataTypes.StringType, true)
          .add("pre_reason", DataTypes.StringType, true)
          .add("pre_message", DataTypes.StringType, true);

  private RawRecords() {}

  /**
   * Applies a validator to a raw record: the reading's own rejection when it has one (e.g. a
   * malformed CSV row), else the JSON text (CSV, Parquet), else the line's bytes (JSONL).
   */
  public static <V> V validate(Row r, java.util.function.BiFunction<String, String, V> rejectedByReader,
      java.util.function.Function<String, V> jsonText, java.util.function.Function<byte[], V> jsonLine) {
    if (!r.isNullAt(5)) {
      return rejectedByReader.apply(r.getString(5), r.getString(6));
    }
    if (!r.isNullAt(4)) {
      return jsonText.apply(r.getString(4));
    }
    return jsonLine.apply(bytes(r));
  }

  /** The record's bytes as read (empty for a Parquet row). */
  public static byte[] bytes(Row r) {
    return r.isNullAt(3) ? new byte[0] : (byte[]) r.get(3);
  }

  /**
   * The record as text, kept with a rejection: the line decoded (invalid UTF-8 sequences become
   * U+FFFD; callers keep the exact bytes when {@link #isUtf8} is false), or a row's JSON text.
   */
  public static String asText(Row r) {
    byte[] raw = bytes(r);
    if (raw.length == 0 && !r.isNullAt(4)) {
      return r.getString(4);
    }
    String t = dev.poa.udfs.SubmissionValidator.decodeUtf8(raw);
    return t != null ? t : new String(raw, java.nio.charset.StandardCharsets.UTF_8);
  }

  public static boolean isUtf8(Row r) {
    return dev.poa.udfs.SubmissionValidator.decodeUtf8(bytes(r)) != null;
  }

  public static Dataset<Row> read(SparkSession spark, List<InputFile> files, String format) {
    return switch (format) {
      case "jsonl", "csv" -> readText(spark, files, format);
      case "parquet" -> readParquet(spark, files);
      default -> throw new BadInputException("Unknown format " + format + ": use jsonl, csv or parquet");
    };
  }

  private static Dataset<Row> readText(SparkSession spark, List<InputFile> files, String format) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Map<String, String> conf = new HashMap<>();
    for (Map.Entry<String, String> e : hadoop) {
      conf.put(e.getKey(), e.getValue());
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<InputFile> perFile = jsc.parallelize(files, Math.max(1, files.size()));
    boolean csv = format.equals("csv");
    JavaRDD<Row> rows =
        perFile.flatMap(
            f -> {
              Configuration c = new Configuration(false);
              conf.forEach(c::set);
              if (!csv) {
                // streamed: a JSONL file's records are handed on as they are read, not held in a list
                JsonlLines lines = new JsonlLines(open(c, f.uri()), f, 1 << 16);
                org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
                if (task != null) {
                  task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> lines.close());
                }
                return lines;
              }
              List<Row> out = new ArrayList<>();
              try (InputStream in = open(c, f.uri())) {
                readCsv(in, f, out);
              }
              return out.iterator();
            });
    return spark.createDataFrame(rows, SCHEMA);
  }

  static InputStream open(Configuration conf, String uri) throws IOException {
    Path p = new Path(uri);
    FileSystem fs = p.getFileSystem(conf);
    InputStream raw = fs.open(p);
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(p);
    return new BufferedInputStream(codec == null ? raw : codec.createInputStream(raw), 1 << 16);
  }

  /** Reads all the lines of a JSONL stream (see {@link JsonlLines}), for tests. */
  static void readJsonl(InputStream in, InputFile f, List<Row> out, int chunk) throws IOException {
    try (JsonlLines lines = new JsonlLines(in, f, chunk)) {
      lines.forEachRemaining(out::add);
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * The lines of a JSONL stream, one row each, read as they are asked for. Lines end at LF (a CR
   * before it is dropped); a final line without LF counts; a BOM before line 1 is dropped. Reads
   * {@code chunk} bytes at a time and looks for LF in the array (reading byte by byte went through
   * a synchronized {@code read()} per byte: a tenth of the ingest's executor time). Closes the
   * stream at its end.
   */
  static final class JsonlLines implements java.util.Iterator<Row>, java.io.Closeable {
    private final InputStream in;
    private final InputFile file;
    private final byte[] buf;
    private int pos;
    private int end;
    private boolean eof;
    private byte[] line = new byte[4096];
    private long lineNo;
    private Row next;
    private boolean done;

    JsonlLines(InputStream in, InputFile file, int chunk) {
      this.in = in;
      this.file = file;
      this.buf = new byte[chunk];
    }

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        try {
          next = read();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        if (next == null) {
          done = true;
          close();
        }
      }
      return next != null;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      Row r = next;
      next = null;
      return r;
    }

    private Row read() throws IOException {
      int len = 0; // bytes of the current line so far
      while (true) {
        if (pos == end) {
          int n = eof ? -1 : in.read(buf, 0, buf.length);
          if (n == -1) {
            eof = true;
            return len > 0 ? lineRow(file, ++lineNo, line, len) : null;
          }
          pos = 0;
          end = n;
        }
        int i = pos;
        while (i < end && buf[i] != '\n') {
          i++;
        }
        line = append(line, len, buf, pos, i - pos, file, lineNo);
        len += i - pos;
        if (i < end) {
          pos = i + 1;
          return lineRow(file, ++lineNo, line, len);
        }
        pos = end;
      }
    }

    @Override
    public void close() {
      try {
        in.close();
      } catch (IOException e) {
        // the records were read; a failed close loses nothing
      }
    }
  }

  private static byte[] append(byte[] line, int len, byte[] src, int from, int count, InputFile f, long lineNo)
      throws IOException {
    if (len + count > MAX_RECORD_BYTES) {
      throw new IOException(
          f.uri() + " line " + (lineNo + 1) + " is longer than " + MAX_RECORD_BYTES + " bytes: not a JSONL file?");
    }
    if (len + count > line.length) {
      line = java.util.Arrays.copyOf(line, Math.max(len + count, Math.min(2 * line.length, MAX_RECORD_BYTES)));
    }
    System.arraycopy(src, from, line, len, count);
    return line;
  }

  private static Row lineRow(InputFile f, long lineNo, byte[] line, int len) {
    byte[] bytes = java.util.Arrays.copyOf(line, len > 0 && line[len - 1] == '\r' ? len - 1 : len);
    if (lineNo == 1) {
      bytes = stripBom(bytes);
    }
    return RowFactory.create(f.uri(), f.index(), lineNo, bytes, null, null, null);
  }

  private static byte[] stripBom(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
      return java.util.Arrays.copyOfRange(b, 3, b.length);
    }
    return b;
  }

  static void readCsv(InputStream in, InputFile f, List<Row> out) throws IOException {
    CsvRecordReader reader = new CsvRecordReader(in);
    CsvRecordReader.Record header = reader.next();
    if (header == null) {
      return;
    }
    List<String> names = new ArrayList<>();
    for (byte[] h : header.fields()) {
      String name = SubmissionValidator.decodeUtf8(stripBom(h));
      names.add(name == null ? "" : name.strip());
    }
    ObjectMapper json = new ObjectMapper();
    CsvRecordReader.Record r;
    while ((r = reader.next()) != null) {
      String preReason = null;
      String preMessage = null;
      String jsonText = null;
      boolean blank = r.raw().length == 0 || (r.fields().size() == 1 && r.fields().get(0).length == 0);
      if (blank) {
        preReason = Reasons.EMPTY_LINE;
        preMessage = "empty line";
      } else if (r.error() != null) {
        preReason = Reasons.MALFORMED_CSV;
        preMessage = "malformed CSV: " + r.error();
      } else if (r.fields().size() != names.size()) {
        preReason = Reasons.MALFORMED_CSV;
        preMessage = "record has " + r.fields().size() + " fields, the header has " + names.size();
      } else {
        ObjectNode o = json.createObjectNode();
        for (int i = 0; i < names.size() && preReason == null; i++) {
          String v = SubmissionValidator.decodeUtf8(r.fields().get(i));
          if (v == null) {
            preReason = Reasons.INVALID_UTF8;
            preMessage = "field " + names.get(i) + " is not valid UTF-8";
          } else if (!v.isEmpty()) {
            // CSV cannot tell empty from absent: an empty cell is an absent field.
            if (names.get(i).equals("metadata")) {
              o.set("metadata", parseMetadata(json, v));
            } else {
              o.put(names.get(i), v);
            }
          }
        }
        jsonText = preReason == null ? o.toString() : null;
      }
      out.add(RowFactory.create(f.uri(), f.index(), r.line(), r.raw(), jsonText, preReason, preMessage));
    }
  }

  private static JsonNode parseMetadata(ObjectMapper json, String v) {
    try {
      JsonNode n = json.readTree(v);
      if (n != null && n.isObject()) {
        return n;
      }
    } catch (IOException e) {
      // not JSON: kept as a string, which the validator rejects as the wrong type
    }
    return json.getNodeFactory().textNode(v);
  }

  private static final Set<String> STRING_FIELDS =
      Set.of("datanet", "contributor", "content", "content_type", "license", "signature");

  /**
   * Parquet rows as JSON text. A column whose type cannot hold what the contract asks (binary
   * content, a numeric contributor) makes every row of that file {@code wrong_type}: to_json
   * would otherwise turn bytes into base64 text that looks valid.
   */
  private static Dataset<Row> readParquet(SparkSession spark, List<InputFile> files) {
    Dataset<Row> all = null;
    Map<String, String> tsFormat = Map.of("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");
    for (InputFile f : files) {
      Dataset<Row> df = spark.read().parquet(f.uri());
      String typeProblem = null;
      for (StructField field : df.schema().fields()) {
        String n = field.name();
        boolean ok =
            !(STRING_FIELDS.contains(n) && field.dataType() == DataTypes.BinaryType)
                && !(n.equals("metadata") && field.dataType() instanceof MapType m && m.keyType() != DataTypes.StringType);
        if (!ok && typeProblem == null) {
          typeProblem = "column " + n + " has type " + field.dataType().simpleString() + " in this file";
        }
      }
      Column[] cols = java.util.Arrays.stream(df.columns()).map(functions::col).toArray(Column[]::new);
      Column json = functions.to_json(functions.struct(cols), tsFormat);
      Dataset<Row> rows =
          df.select(
              functions.lit(f.uri()).as("source_file"),
              functions.lit(f.index()).as("file_index"),
              functions.col("_metadata.row_index").plus(1).cast("long").as("source_line"),
              json.cast("binary").as("raw"),
              json.as("json_text"),
              functions.lit(typeProblem == null ? null : Reasons.WRONG_TYPE).cast("string").as("pre_reason"),
              functions.lit(typeProblem).cast("string").as("pre_message"));
      all = all == null ? rows : all.unionAll(rows);
    }
    return all;
  }
}
