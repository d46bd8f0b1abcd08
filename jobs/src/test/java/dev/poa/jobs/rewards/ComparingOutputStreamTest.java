package dev.poa.jobs.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The audit's byte-for-byte comparison of the derived manifest with the file, written in pieces of any size. */
class ComparingOutputStreamTest {
  private static long compare(byte[] expected, byte[] written, Random random) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(expected);
    Audit.ComparingOutputStream out = new Audit.ComparingOutputStream(in);
    int off = 0;
    while (off < written.length) {
      if (random.nextInt(10) == 0) {
        out.write(written[off++]);
        continue;
      }
      int len = Math.min(written.length - off, random.nextInt(200_000));
      out.write(written, off, len);
      off += len;
    }
    long at = out.finish();
    assertEquals(-1, in.read(), "the expected stream is read to its end");
    return at;
  }

  @Test
  void givesTheFirstDifferingOffsetOrMinusOne() throws IOException {
    Random random = new Random(3);
    for (int round = 0; round < 40; round++) {
      byte[] a = new byte[random.nextInt(300_000)];
      random.nextBytes(a);
      assertEquals(-1, compare(a, a.clone(), random));
      if (a.length > 0) {
        byte[] b = a.clone();
        int at = random.nextInt(b.length);
        b[at] ^= 1 << random.nextInt(8);
        b[Math.min(b.length - 1, at + 1 + random.nextInt(1000))] ^= 1; // a later difference changes nothing
        assertEquals(at, compare(a, b, random));
        int cut = random.nextInt(a.length);
        assertEquals(cut, compare(a, Arrays.copyOf(a, cut), random), "written ends first");
        assertEquals(cut, compare(Arrays.copyOf(a, cut), a, random), "expected ends first");
      }
    }
  }
}
