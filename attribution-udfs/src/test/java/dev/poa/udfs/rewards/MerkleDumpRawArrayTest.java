package dev.poa.udfs.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bytes {@link MerkleDump.RawArray} writes are the ones Jackson's default pretty printer writes. */
class MerkleDumpRawArrayTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void arraysOfHexStringsAndOfObjectsAreWrittenAsJacksonWritesThem() throws IOException {
    for (int n : new int[] {0, 1, 3, 5000}) {
      Random random = new Random(n);
      ObjectNode expected = JSON.createObjectNode();
      expected.put("before", "x");
      ArrayNode hashes = expected.putArray("hashes");
      ArrayNode rows = expected.putArray("rows");
      expected.put("after", 1);
      byte[][] hashValues = new byte[n][];
      String[][] rowValues = new String[n][];
      for (int i = 0; i < n; i++) {
        hashValues[i] = new byte[1 + random.nextInt(40)];
        random.nextBytes(hashValues[i]);
        hashes.add("0x" + java.util.HexFormat.of().formatHex(hashValues[i]));
        BigInteger amount = new BigInteger(1 + random.nextInt(100), random);
        rowValues[i] = new String[] {"0x" + Integer.toHexString(i), "role-" + i % 3, MerkleDump.RawArray.decimal(amount)};
        assertEquals(amount.toString(), rowValues[i][2]);
        ObjectNode row = rows.addObject();
        row.putArray("value").add(rowValues[i][0]).add(rowValues[i][2]);
        row.put("role", rowValues[i][1]);
        row.put("index", i);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      JsonGenerator g = JSON.getFactory().createGenerator(out);
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeStringField("before", "x");
      MerkleDump.RawArray raw = MerkleDump.RawArray.start(g, out, "hashes");
      for (byte[] h : hashValues) {
        raw.hexString(h);
      }
      raw.end();
      raw = MerkleDump.RawArray.start(g, out, "rows");
      for (int i = 0; i < n; i++) {
        raw.startObject();
        raw.stringArrayField("value", rowValues[i][0], rowValues[i][2]);
        raw.stringField("role", rowValues[i][1]);
        raw.numberField("index", i);
        raw.endObject();
      }
      raw.end();
      g.writeNumberField("after", 1);
      g.writeEndObject();
      g.flush();
      assertEquals(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(expected), out.toString(StandardCharsets.UTF_8),
          n + " elements");
    }
  }

  @Test
  void textThatJsonWouldEscapeIsRefused() throws IOException {
    for (String bad : new String[] {"a\"b", "a\\b", "line\n", "caf\u00e9"}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      JsonGenerator g = JSON.getFactory().createGenerator(out);
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      MerkleDump.RawArray raw = MerkleDump.RawArray.start(g, out, "rows");
      raw.startObject();
      assertThrows(IllegalArgumentException.class, () -> raw.stringField("address", bad), bad);
    }
  }
}
