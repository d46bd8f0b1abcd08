package dev.poa.export;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.export.AdapterProblem.Code;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A safetensors file, read and checked as the reference implementation checks it: an 8-byte
 * little-endian header length N, N bytes of JSON ({@code __metadata__}: string → string; each
 * tensor: dtype, shape, data_offsets relative to the data section), then the data section, which
 * the tensors' byte ranges must tile exactly from 0 to its end. Every fault has its own
 * {@link Code}.
 */
public final class Safetensors {
  /** The reference reader refuses headers beyond 100 MB. */
  public static final long MAX_HEADER = 100_000_000L;

  private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** One tensor of the header. {@code begin}/{@code end} are offsets into the data section. */
  public record Tensor(String name, Dtype dtype, long[] shape, long begin, long end) {
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
      return n;
    }

    @Override
    public String toString() {
      return name + " " + dtype + Arrays.toString(shape);
    }
  }

  private final Map<String, String> metadata;
  private final List<Tensor> tensors;
  private final byte[] file;
  private final int dataStart;

  private Safetensors(Map<String, String> metadata, List<Tensor> tensors, byte[] file, int dataStart) {
    this.metadata = metadata;
    this.tensors = tensors;
    this.file = file;
    this.dataStart = dataStart;
  }

  /** The {@code __metadata__} entries, sorted by key. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tensors in data order. */
  public List<Tensor> tensors() {
    return tensors;
  }

  public Tensor tensor(String name) {
    return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
  }

  /** The tensor's bytes, little-endian. */
  public ByteBuffer data(Tensor t) {
    return ByteBuffer.wrap(file, dataStart + (int) t.begin(), (int) (t.end() - t.begin())).slice()
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Index of the first NaN or ±Inf of a float tensor, or -1; and how many there are in {@code count[0]}.
   * Works on the bits (all exponent bits set), without converting the values.
   */
  public long firstNonFinite(Tensor t, long[] count) {
    // straight over the file's bytes (little-endian views, no per-element buffer bounds checks), one loop per
    // dtype: the exponent bits all set is NaN or ±Inf
    int base = dataStart + (int) t.begin();
    int n = (int) t.elements();
    int first = -1;
    long bad = 0;
    switch (t.dtype()) {
      case F32 -> {
        for (int i = 0; i < n; i++) {
          if (((int) INT_LE.get(file, base + i * 4) & 0x7f800000) == 0x7f800000) {
            bad++;
            first = first < 0 ? i : first;
          }
        }
      }
      case F64 -> {
        for (int i = 0; i < n; i++) {
          if (((long) LONG_LE.get(file, base + i * 8) & 0x7ff0000000000000L) == 0x7ff0000000000000L) {
            bad++;
            first = first < 0 ? i : first;
          }
        }
      }
      case F16, BF16 -> {
        int mask = t.dtype() == Dtype.F16 ? 0x7c00 : 0x7f80;
        for (int i = 0; i < n; i++) {
          if (((short) SHORT_LE.get(file, base + i * 2) & mask) == mask) {
            bad++;
            first = first < 0 ? i : first;
          }
        }
      }
      default -> {
        // integer tensors hold no NaN
      }
    }
    count[0] = bad;
    return first;
  }

  private static final java.lang.invoke.VarHandle INT_LE =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final java.lang.invoke.VarHandle LONG_LE =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final java.lang.invoke.VarHandle SHORT_LE =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  /** The tensor's values as doubles (float dtypes only). */
  public double[] values(Tensor t) {
    ByteBuffer b = data(t);
    double[] out = new double[(int) t.elements()];
    for (int i = 0; i < out.length; i++) {
      out[i] = switch (t.dtype()) {
        case F32 -> b.getFloat(i * 4);
        case F64 -> b.getDouble(i * 8);
        case F16 -> HalfFloats.fromHalf(b.getShort(i * 2));
        case BF16 -> HalfFloats.fromBfloat16(b.getShort(i * 2));
        default -> throw new IllegalArgumentException(t + " is not a float tensor");
      };
    }
    return out;
  }

  public static Safetensors parse(byte[] file) throws AdapterProblem {
    if (file.length < 8) {
      throw new AdapterProblem(Code.TRUNCATED_FILE, "the file has " + file.length + " bytes: not even the 8-byte header length");
    }
    long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 2 || n > MAX_HEADER) {
      throw new AdapterProblem(Code.BAD_HEADER, "header length " + Long.toUnsignedString(n)
          + " is not between 2 and " + MAX_HEADER + " bytes");
    }
    if (8 + n > file.length) {
      throw new AdapterProblem(Code.TRUNCATED_FILE, "the header claims " + n + " bytes but the file has only "
          + (file.length - 8) + " after the length");
    }
    int dataStart = (int) (8 + n);
    if (file[8] != '{') {
      throw new AdapterProblem(Code.BAD_HEADER, "the header does not start with '{'");
    }
    JsonNode header;
    try {
      header = JSON.readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AdapterProblem(Code.BAD_HEADER, "the header is not valid JSON: " + e.getMessage().split("\n")[0]);
    }
    if (header == null || !header.isObject()) {
      throw new AdapterProblem(Code.BAD_HEADER, "the header is not a JSON object");
    }
    Map<String, String> metadata = new TreeMap<>();
    List<Tensor> tensors = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        if (!e.getValue().isObject()) {
          throw new AdapterProblem(Code.BAD_HEADER, "__metadata__ is not an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> m = e.getValue().fields(); m.hasNext(); ) {
          Map.Entry<String, JsonNode> kv = m.next();
          if (!kv.getValue().isTextual()) {
            throw new AdapterProblem(Code.BAD_HEADER, "__metadata__ value of " + kv.getKey() + " is not a string");
          }
          metadata.put(kv.getKey(), kv.getValue().textValue());
        }
        continue;
      }
      tensors.add(tensor(e.getKey(), e.getValue()));
    }
    long dataLength = file.length - dataStart;
    tensors.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
    long at = 0;
    for (Tensor t : tensors) {
      if (t.begin() != at) {
        throw new AdapterProblem(Code.OFFSETS_NOT_CONTIGUOUS, t.name() + " starts at byte " + t.begin() + " of the data, expected "
            + at + (t.begin() < at ? " (it overlaps the previous tensor)" : " (a gap before it)"));
      }
      at = t.end();
    }
    if (at > dataLength) {
      throw new AdapterProblem(Code.TRUNCATED_FILE, "the tensors need " + at + " bytes of data but the file holds "
          + dataLength);
    }
    if (at < dataLength) {
      throw new AdapterProblem(Code.OFFSETS_NOT_CONTIGUOUS, "the data section has " + (dataLength - at)
          + " bytes after the last tensor");
    }
    return new Safetensors(metadata, List.copyOf(tensors), file, dataStart);
  }

  private static Tensor tensor(String name, JsonNode v) throws AdapterProblem {
    if (!v.isObject()) {
      throw new AdapterProblem(Code.BAD_HEADER, "tensor " + name + " is not an object");
    }
    for (Iterator<String> f = v.fieldNames(); f.hasNext(); ) {
      String field = f.next();
      if (!List.of("dtype", "shape", "data_offsets").contains(field)) {
        throw new AdapterProblem(Code.BAD_HEADER, "tensor " + name + " has an unknown field " + field);
      }
    }
    JsonNode dt = v.get("dtype");
    if (dt == null || !dt.isTextual()) {
      throw new AdapterProblem(Code.BAD_HEADER, "tensor " + name + " has no dtype");
    }
    Dtype dtype = Dtype.of(dt.textValue());
    if (dtype == null) {
      throw new AdapterProblem(Code.UNKNOWN_DTYPE, "tensor " + name + " has dtype " + dt.textValue());
    }
    JsonNode sh = v.get("shape");
    JsonNode off = v.get("data_offsets");
    if (sh == null || !sh.isArray() || off == null || !off.isArray() || off.size() != 2) {
      throw new AdapterProblem(Code.BAD_HEADER, "tensor " + name + " needs shape and data_offsets [begin, end]");
    }
    long[] shape = new long[sh.size()];
    for (int i = 0; i < shape.length; i++) {
      if (!sh.get(i).canConvertToLong() || !sh.get(i).isIntegralNumber() || sh.get(i).longValue() < 0) {
        throw new AdapterProblem(Code.BAD_HEADER, "tensor " + name + " has a shape that is not non-negative integers");
      }
      shape[i] = sh.get(i).longValue();
    }
    for (JsonNode o : off) {
      if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
        throw new AdapterProblem(Code.BAD_HEADER, "tensor " + name + " has data_offsets that are not non-negative integers");
      }
    }
    long begin = off.get(0).longValue();
    long end = off.get(1).longValue();
    if (end < begin) {
      throw new AdapterProblem(Code.BAD_HEADER, "tensor " + name + " ends (" + end + ") before it begins (" + begin + ")");
    }
    Tensor t = new Tensor(name, dtype, shape, begin, end);
    long bytes;
    try {
      bytes = Math.multiplyExact(t.elements(), dtype.size);
    } catch (ArithmeticException e) {
      throw new AdapterProblem(Code.SIZE_MISMATCH, "tensor " + name + " has a shape too large to address");
    }
    if (end - begin != bytes) {
      throw new AdapterProblem(Code.SIZE_MISMATCH, "tensor " + t + " needs " + bytes + " bytes, its data_offsets ["
          + begin + ", " + end + "] hold " + (end - begin));
    }
    return t;
  }

  /**
   * A tensor to write: {@code length} bytes of {@code data} from {@code offset}, little-endian, elements × dtype
   * size of them (a view into a parsed file's bytes, or an array of its own).
   */
  public record Output(String name, Dtype dtype, long[] shape, byte[] data, int offset, int length) {
    public Output(String name, Dtype dtype, long[] shape, byte[] data) {
      this(name, dtype, shape, data, 0, data.length);
    }
  }

  /** The tensor as it is, to be written again: a view of this file's bytes, not a copy. */
  public Output output(Tensor t) {
    return new Output(t.name(), t.dtype(), t.shape(), file, dataStart + (int) t.begin(), (int) (t.end() - t.begin()));
  }

  /**
   * Writes a safetensors file: {@code __metadata__} first (keys sorted), tensors sorted by name,
   * header JSON padded with spaces to a multiple of 8 bytes (as the reference writer does), data
   * in header order. Same tensors and metadata → same bytes. Returns the bytes written.
   */
  public static long write(OutputStream out, Map<String, String> metadata, List<Output> tensors) throws IOException {
    List<Output> sorted = new ArrayList<>(tensors);
    sorted.sort(Comparator.comparing(Output::name));
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode m = header.putObject("__metadata__");
      new TreeMap<>(metadata).forEach(m::put);
    }
    long at = 0;
    for (Output t : sorted) {
      long elements = 1;
      for (long d : t.shape()) {
        elements = Math.multiplyExact(elements, d);
      }
      if (elements * t.dtype().size != t.length()) {
        throw new IllegalArgumentException(t.name() + ": " + t.length() + " bytes for " + elements + " " + t.dtype());
      }
      ObjectNode o = header.putObject(t.name());
      o.put("dtype", t.dtype().name());
      ArrayNode shape = o.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      o.putArray("data_offsets").add(at).add(at + t.length());
      at += t.length();
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
    out.write(len.array());
    out.write(json);
    for (int i = json.length; i < padded; i++) {
      out.write(' ');
    }
    for (Output t : sorted) {
      out.write(t.data(), t.offset(), t.length());
    }
    return 8 + padded + at;
  }
}
