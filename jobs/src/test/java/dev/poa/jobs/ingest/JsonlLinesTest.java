package dev.poa.jobs.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The JSONL line splitter against the rule it implements, across read-chunk boundaries. */
class JsonlLinesTest {
  private static final InputFile FILE = new InputFile("file:/in/a.jsonl", 0, 0, 3);

  /** The rule, byte by byte: LF ends a line, a CR before it is dropped, a BOM on line 1 is dropped. */
  private static List<byte[]> expectedLines(byte[] file) {
    List<byte[]> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    boolean any = false;
    for (int i = 0; i <= file.length; i++) {
      if (i == file.length && !any) {
        break;
      }
      if (i == file.length || file[i] == '\n') {
        byte[] b = line.toByteArray();
        if (b.length > 0 && b[b.length - 1] == '\r') {
          b = Arrays.copyOf(b, b.length - 1);
        }
        if (lines.isEmpty() && b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
          b = Arrays.copyOfRange(b, 3, b.length);
        }
        lines.add(b);
        line.reset();
        any = false;
      } else {
        line.write(file[i]);
        any = true;
      }
    }
    return lines;
  }

  private static List<Row> read(byte[] file, int chunk) throws IOException {
    List<Row> out = new ArrayList<>();
    RawRecords.readJsonl(new ByteArrayInputStream(file), FILE, out, chunk);
    return out;
  }

  @Test
  void linesAreThoseOfTheRuleWhateverTheChunkSize() throws IOException {
    byte[] alphabet = {'a', '{', '\n', '\r', (byte) 0xEF, (byte) 0xBB, (byte) 0xBF, (byte) 0xC3};
    Random r = new Random(11);
    for (int trial = 0; trial < 400; trial++) {
      byte[] file = new byte[r.nextInt(trial < 40 ? 8 : 6000)];
      for (int i = 0; i < file.length; i++) {
        file[i] = trial % 3 == 0 && i < 3 ? new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}[i]
            : r.nextInt(10) < 7 ? (byte) ('b' + r.nextInt(20)) : alphabet[r.nextInt(alphabet.length)];
      }
      List<byte[]> expected = expectedLines(file);
      for (int chunk : new int[] {1, 2, 3, 7, 4096, 1 << 16}) {
        List<Row> rows = read(file, chunk);
        assertEquals(expected.size(), rows.size(), "trial " + trial + ", chunk " + chunk);
        for (int i = 0; i < rows.size(); i++) {
          Row row = rows.get(i);
          assertEquals(FILE.uri(), row.getString(0));
          assertEquals(3, row.getInt(1));
          assertEquals(i + 1L, row.getLong(2));
          assertArrayEquals(expected.get(i), (byte[]) row.get(3), "trial " + trial + ", chunk " + chunk + ", line " + (i + 1));
        }
      }
    }
  }

  @Test
  void streamsLinesAndClosesAtTheEnd() throws IOException {
    boolean[] closed = {false};
    ByteArrayInputStream bytes = new ByteArrayInputStream("a\nb\r\nc".getBytes()) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    RawRecords.JsonlLines lines = new RawRecords.JsonlLines(bytes, FILE, 2);
    assertEquals(1L, lines.next().getLong(2));
    assertEquals(false, closed[0], "open while lines remain");
    assertArrayEquals("b".getBytes(), (byte[]) lines.next().get(3));
    assertArrayEquals("c".getBytes(), (byte[]) lines.next().get(3));
    assertEquals(false, lines.hasNext());
    assertEquals(true, closed[0]);
    assertThrows(java.util.NoSuchElementException.class, lines::next);
  }

  @Test
  void edgesOfAFile() throws IOException {
    assertEquals(0, read(new byte[0], 4).size());
    assertEquals(1, read("\n".getBytes(), 4).size());
    assertEquals(2, read("a\n\n".getBytes(), 1).size());
    List<Row> crOnly = read("x\n\r".getBytes(), 2);
    assertEquals(2, crOnly.size());
    assertArrayEquals(new byte[0], (byte[]) crOnly.get(1).get(3), "a last line of only CR is an empty line");
  }

  @Test
  void anOverlongLineIsRefusedWithItsNumber() {
    // the limit is 256 MiB; a file of that size is not made here, the refusal is checked through append's message
    IOException e = assertThrows(IOException.class,
        () -> RawRecords.readJsonl(new java.io.InputStream() {
          long left = RawRecords.MAX_RECORD_BYTES + 10L;
          boolean first = true;

          @Override
          public int read() {
            throw new UnsupportedOperationException();
          }

          @Override
          public int read(byte[] b, int off, int len) {
            if (first) {
              first = false;
              b[off] = '\n'; // line 1 is empty: the overlong one is line 2
              return 1;
            }
            if (left <= 0) {
              return -1;
            }
            int n = (int) Math.min(len, left);
            Arrays.fill(b, off, off + n, (byte) 'x');
            left -= n;
            return n;
          }
        }, FILE, new ArrayList<>(), 1 << 20));
    assertEquals(FILE.uri() + " line 2 is longer than " + RawRecords.MAX_RECORD_BYTES + " bytes: not a JSONL file?",
        e.getMessage());
  }
}
