package dev.poa.udfs.rewards;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
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
    g.writeArrayFieldStart("tree");
    for (int i = 0; i < 2 * tree.size() - 1; i++) {
      g.writeString(tree.node(i));
    }
    g.writeEndArray();
    g.writeArrayFieldStart("values");
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
        g.writeStartObject();
        g.writeArrayFieldStart("value");
        g.writeString(leaf.address());
        g.writeString(leaf.amount().toString());
        g.writeEndArray();
        g.writeNumberField("treeIndex", tree.treeIndex(i));
        g.writeEndObject();
        i++;
      }
      batch = next;
      check = nextCheck;
    }
    if (i != tree.size()) {
      throw new IllegalStateException(i + " values for a tree of " + tree.size() + " leaves");
    }
    g.writeEndArray();
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
        .filter(j -> first + j >= tree.size()
            || !Arrays.equals(StandardMerkleTree.leafHash(batch.get(j)), tree.leafNode(first + j)))
        .min().orElse(-1));
  }
}
