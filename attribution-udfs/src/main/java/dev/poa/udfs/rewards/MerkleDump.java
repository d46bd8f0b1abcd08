package dev.poa.udfs.rewards;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * The JSON of a tree as OpenZeppelin's {@code StandardMerkleTree.dump()} writes it (format
 * {@code standard-v1}: leafEncoding, tree nodes root first, values with their tree index and the
 * amount as a decimal string), plus extra top-level fields (e.g. the epoch's metadata), which
 * {@code StandardMerkleTree.load} ignores. Field order is fixed: equal trees give equal bytes.
 *
 * <p>{@link #write} streams: the values come from an iterator and the extra fields are written by
 * the caller, so a dump of a million leaves never exists as one object in memory.
 */
public final class MerkleDump {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Values read, checked (in parallel) and written at a time. */
  private static final int BATCH = 8192;

  private MerkleDump() {}

  /** Writes the caller's top-level fields after the dump's own ones. */
  @FunctionalInterface
  public interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  public static ObjectNode of(StandardMerkleTree tree, Map<String, Object> extra) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", "standard-v1");
    ArrayNode enc = o.putArray("leafEncoding");
    enc.add("address");
    enc.add("uint256");
    ArrayNode nodes = o.putArray("tree");
    tree.nodes().forEach(nodes::add);
    ArrayNode values = o.putArray("values");
    for (int i = 0; i < tree.size(); i++) {
      ObjectNode v = values.addObject();
      ArrayNode value = v.putArray("value");
      value.add(tree.values().get(i).address());
      value.add(tree.values().get(i).amount().toString());
      v.put("treeIndex", tree.treeIndex(i));
    }
    extra.forEach((k, v) -> o.set(k, JSON.valueToTree(v)));
    return o;
  }

  public static String toJson(ObjectNode dump) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(dump) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Streams the dump of {@code tree} to {@code out} (pretty-printed as {@link #toJson}, ending in a
   * newline; {@code out} stays open). {@code values} must give the tree's values in the order its
   * leaf hashes were given; each is checked against its leaf hash, and their number against the
   * tree's size, so a dump never pairs a tree with other values.
   */
  public static void write(OutputStream out, StandardMerkleTree tree, Iterator<StandardMerkleTree.Leaf> values,
      Fields extra) throws IOException {
    JsonGenerator g = JSON.getFactory().createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.setCodec(JSON);
    g.useDefaultPrettyPrinter();
    g.writeStartObject();
    g.writeStringField("format", "standard-v1");
    g.writeArrayFieldStart("leafEncoding");
    g.writeString("address");
    g.writeString("uint256");
    g.writeEndArray();
    RawArray nodes = RawArray.start(g, out, "tree");
    for (int i = 0; i < 2 * tree.size() - 1; i++) {
      nodes.hexString(tree.nodePage(i), StandardMerkleTree.nodeOffset(i), 32);
    }
    nodes.end();
    RawArray valueObjects = RawArray.start(g, out, "values");
    // each value is re-hashed and checked against the tree before it is written: a batch is checked (in
    // parallel) while the batch before it is written, so the hashing and the writing overlap
    int i = 0;
    List<StandardMerkleTree.Leaf> batch = nextBatch(values);
    CompletableFuture<Integer> check = check(tree, batch, 0);
    while (!batch.isEmpty()) {
      List<StandardMerkleTree.Leaf> next = nextBatch(values);
      CompletableFuture<Integer> nextCheck = check(tree, next, i + batch.size());
      int bad = check.join();
      if (bad >= 0) {
        nextCheck.join();
        throw new IllegalStateException("value " + (i + bad) + " (" + batch.get(bad) + ") is not the tree's leaf "
            + (i + bad));
      }
      for (StandardMerkleTree.Leaf leaf : batch) {
        valueObjects.startObject();
        valueObjects.stringArrayField("value", leaf.address(), RawArray.decimal(leaf.amount()));
        valueObjects.numberField("treeIndex", tree.treeIndex(i));
        valueObjects.endObject();
        i++;
      }
      batch = next;
      check = nextCheck;
    }
    if (i != tree.size()) {
      throw new IllegalStateException(i + " values for a tree of " + tree.size() + " leaves");
    }
    valueObjects.end();
    extra.write(g);
    g.writeEndObject();
    g.flush();
    out.write('\n');
  }

  private static List<StandardMerkleTree.Leaf> nextBatch(Iterator<StandardMerkleTree.Leaf> values) {
    List<StandardMerkleTree.Leaf> batch = new ArrayList<>(BATCH);
    while (batch.size() < BATCH && values.hasNext()) {
      batch.add(values.next());
    }
    return batch;
  }

  /** The first value of {@code batch} (leaves from {@code first} on) that is not the tree's leaf, or -1. */
  private static CompletableFuture<Integer> check(StandardMerkleTree tree, List<StandardMerkleTree.Leaf> batch,
      int first) {
    return CompletableFuture.supplyAsync(() -> IntStream.range(0, batch.size()).parallel()
        .filter(j -> first + j >= tree.size() || !tree.isLeafNode(first + j, StandardMerkleTree.leafHash(batch.get(j))))
        .min().orElse(-1));
  }

  /**
   * A large array field of the dump (or of the caller's fields) written as bytes straight to the
   * stream, exactly as Jackson's default pretty printer writes it: {@code "name" : [ a, b ]} on one
   * line, an object element's fields on lines of their own, indented two levels. Between
   * {@link #start} (the generator writes the field name and {@code [}, then is flushed) and
   * {@link #end} (the generator writes {@code " ]"}, as after elements of its own). Only hex,
   * decimal digits and printable ASCII without quotes or backslashes are written, which JSON does
   * not escape; anything else is refused. Jackson's per-value context checks, separators and
   * character encoding cost more than the hashing of the values they write (the tree, the values
   * and the payouts of a million-recipient manifest).
   */
  public static final class RawArray {
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private final JsonGenerator g;
    private final OutputStream out;
    private final byte[] buffer = new byte[1 << 16];
    private int used;
    private boolean first = true;
    private boolean firstField;

    private RawArray(JsonGenerator g, OutputStream out) {
      this.g = g;
      this.out = out;
    }

    /** Starts the array field {@code name} of the object {@code g} is in; {@code g} writes to {@code out}. */
    public static RawArray start(JsonGenerator g, OutputStream out, String name) throws IOException {
      g.writeArrayFieldStart(name);
      g.flush();
      return new RawArray(g, out);
    }

    /** {@code "0x…"}: an element, the bytes as lower-case hex in quotes. */
    public void hexString(byte[] bytes) throws IOException {
      hexString(bytes, 0, bytes.length);
    }

    /** {@link #hexString(byte[])} of {@code length} bytes from {@code offset}. */
    public void hexString(byte[] bytes, int offset, int length) throws IOException {
      java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
      separator();
      room(4 + 2 * length);
      buffer[used++] = '"';
      buffer[used++] = '0';
      buffer[used++] = 'x';
      for (int k = offset; k < offset + length; k++) {
        byte b = bytes[k];
        buffer[used++] = HEX_DIGITS[(b >> 4) & 0xf];
        buffer[used++] = HEX_DIGITS[b & 0xf];
      }
      buffer[used++] = '"';
    }

    /** Starts an object element; its fields follow, then {@link #endObject}. */
    public void startObject() throws IOException {
      separator();
      raw("{");
      firstField = true;
    }

    /** A string field of the object element. */
    public void stringField(String name, String value) throws IOException {
      fieldName(name);
      raw("\"");
      text(value);
      raw("\"");
    }

    /** A number field of the object element. */
    public void numberField(String name, long value) throws IOException {
      fieldName(name);
      raw(Long.toString(value));
    }

    /** A field of the object element whose value is an array of strings, on one line. */
    public void stringArrayField(String name, String... values) throws IOException {
      fieldName(name);
      raw("[");
      for (int k = 0; k < values.length; k++) {
        raw(k == 0 ? " \"" : ", \"");
        text(values[k]);
        raw("\"");
      }
      raw(" ]");
    }

    public void endObject() throws IOException {
      raw("\n  }");
    }

    /** Ends the array: what is buffered is written, then the generator closes the array. */
    public void end() throws IOException {
      out.write(buffer, 0, used);
      used = 0;
      g.writeEndArray();
    }

    /** An amount as JSON writes it here: decimal digits (as a string field's value). */
    public static String decimal(java.math.BigInteger v) {
      return v.bitLength() < 64 ? Long.toString(v.longValue()) : v.toString();
    }

    private void fieldName(String name) throws IOException {
      raw(firstField ? "\n    \"" : ",\n    \"");
      text(name);
      raw("\" : ");
      firstField = false;
    }

    /** Before an element: a space before the first, a comma and a space before the others. */
    private void separator() throws IOException {
      raw(first ? " " : ", ");
      first = false;
    }

    /** A name or value: text that JSON writes as is, printable ASCII without a quote or backslash (checked). */
    private void text(String text) throws IOException {
      for (int c = 0; c < text.length(); c++) {
        char ch = text.charAt(c);
        if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') {
          throw new IllegalArgumentException("not written as is in JSON: " + text);
        }
      }
      raw(text);
    }

    /** The array's own ASCII punctuation, spaces and line breaks, or checked text. */
    private void raw(String text) throws IOException {
      room(text.length());
      for (int c = 0; c < text.length(); c++) {
        buffer[used++] = (byte) text.charAt(c);
      }
    }

    private void room(int n) throws IOException {
      if (n > buffer.length) {
        throw new IllegalArgumentException("a value of " + n + " bytes");
      }
      if (used + n > buffer.length) {
        out.write(buffer, 0, used);
        used = 0;
      }
    }
  }
}
