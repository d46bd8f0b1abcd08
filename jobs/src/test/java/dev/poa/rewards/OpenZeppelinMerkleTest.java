package dev.poa.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.udfs.rewards.MerkleDump;
import dev.poa.udfs.rewards.StandardMerkleTree;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * poa's Merkle tree against the reference: the npm package {@code @openzeppelin/merkle-tree}
 * (installed by {@code npm ci --prefix tools/merkle-check}, which .ci/run does) builds the same
 * dump from the same leaves, and loads and verifies every proof of poa's dump.
 */
@Tag("slow")
class OpenZeppelinMerkleTest {
  static final Path TOOL = Path.of("..", "tools", "merkle-check").toAbsolutePath().normalize();

  static String node(Path dir, String... args) throws IOException, InterruptedException {
    assertTrue(Files.isDirectory(TOOL.resolve("node_modules/@openzeppelin/merkle-tree")),
        "the reference package is missing: run npm ci --prefix tools/merkle-check");
    List<String> cmd = new ArrayList<>(List.of("node"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(TOOL.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "node did not finish");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void javaTreeEqualsTheReferenceAndItsProofsVerify(@TempDir Path dir) throws Exception {
    Random r = new Random(11);
    ObjectMapper json = new ObjectMapper();
    for (int n : new int[] {1, 2, 3, 7, 64, 301}) {
      List<StandardMerkleTree.Leaf> leaves = new ArrayList<>();
      List<List<String>> values = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] a = new byte[20];
        r.nextBytes(a);
        BigInteger amount = i == 0 ? BigInteger.TWO.pow(256).subtract(BigInteger.ONE) : new BigInteger(1 + r.nextInt(120), r);
        String address = "0x" + HexFormat.of().formatHex(a);
        leaves.add(new StandardMerkleTree.Leaf(address, amount));
        values.add(List.of(address, amount.toString()));
      }
      StandardMerkleTree tree = StandardMerkleTree.of(leaves);
      JsonNode reference = json.readTree(node(dir, "vectors.mjs", json.writeValueAsString(values)));
      assertEquals(reference.get("root").asText(), tree.root(), "root of " + n + " leaves");
      JsonNode ours = json.readTree(MerkleDump.toJson(MerkleDump.of(tree, Map.of())));
      assertEquals(reference.get("dump"), ours, "dump of " + n + " leaves");

      Path file = dir.resolve("manifest-" + n + ".json");
      Files.writeString(file, MerkleDump.toJson(MerkleDump.of(tree, Map.of("root", tree.root(), "epoch", "2026-01-01"))));
      String out = node(dir, "verify.mjs", file.toString());
      assertTrue(out.contains(n + " proofs verified"), out);
    }
  }
}
