package dev.poa.udfs.rewards;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The JSON of a tree as OpenZeppelin's {@code StandardMerkleTree.dump()} writes it (format
 * {@code standard-v1}: leafEncoding, tree nodes root first, values with their tree index and the
 * amount as a decimal string), plus extra top-level fields (e.g. the epoch's metadata), which
 * {@code StandardMerkleTree.load} ignores. Field order is fixed: equal trees give equal bytes.
 */
public final class MerkleDump {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MerkleDump() {}

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
}
