package dev.poa.jobs.rewards;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Streaming reads of a manifest file (a standard-v1 dump plus the epoch's fields): a manifest of a
 * million recipients is hundreds of megabytes, so nothing here builds its tree in memory.
 */
final class ManifestFile {
  private static final JsonFactory JSON = new JsonFactory();

  /** An address's leaf: its cumulative amount and tree index, and what it earned in the epoch. */
  record Entry(BigInteger cumulative, int treeIndex, BigInteger epochAmount) {}

  private ManifestFile() {}

  /** The leaf of {@code address} (lower-case) and its payouts in the epoch, or null when it has no leaf. */
  static Entry find(InputStream in, String address) throws IOException {
    BigInteger cumulative = null;
    int treeIndex = -1;
    BigInteger earned = BigInteger.ZERO;
    try (JsonParser p = JSON.createParser(in)) {
      expect(p, JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (field.equals("values")) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            String a = null;
            String amount = null;
            int index = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              p.nextToken();
              if (f.equals("value")) {
                p.nextToken();
                a = p.getText();
                p.nextToken();
                amount = p.getText();
                p.nextToken(); // END_ARRAY
              } else if (f.equals("treeIndex")) {
                index = p.getIntValue();
              } else {
                p.skipChildren();
              }
            }
            if (address.equals(a)) {
              cumulative = new BigInteger(amount);
              treeIndex = index;
            }
          }
        } else if (field.equals("payouts")) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            String a = null;
            String amount = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              p.nextToken();
              if (f.equals("address")) {
                a = p.getText();
              } else if (f.equals("amount_wei")) {
                amount = p.getText();
              }
            }
            if (address.equals(a)) {
              earned = earned.add(new BigInteger(amount));
            }
          }
        } else {
          p.skipChildren();
        }
      }
    }
    return cumulative == null ? null : new Entry(cumulative, treeIndex, earned);
  }

  /** The tree nodes at the given indexes. */
  static Map<Integer, String> nodes(InputStream in, Set<Integer> indexes) throws IOException {
    Map<Integer, String> out = new HashMap<>();
    try (JsonParser p = JSON.createParser(in)) {
      expect(p, JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (field.equals("tree")) {
          int i = 0;
          while (p.nextToken() == JsonToken.VALUE_STRING) {
            if (indexes.contains(i)) {
              out.put(i, p.getText());
            }
            i++;
          }
          return out;
        }
        p.skipChildren();
      }
    }
    return out;
  }

  /** A top-level string field, or null. */
  static String topLevelString(InputStream in, String name) throws IOException {
    try (JsonParser p = JSON.createParser(in)) {
      expect(p, JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (field.equals(name)) {
          return p.getValueAsString();
        }
        p.skipChildren();
      }
    }
    return null;
  }

  private static void expect(JsonParser p, JsonToken token) throws IOException {
    if (p.nextToken() != token) {
      throw new IOException("not a manifest file: expected " + token + " at " + p.currentLocation());
    }
  }
}
