package dev.poa.udfs.rewards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;

class Keccak256Test {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void publishedVectors() {
    // Ethereum's keccak256 of the empty string and of "abc" (not SHA3-256's, which pads with 0x06)
    assertEquals("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
        HEX.formatHex(Keccak256.hash(new byte[0])));
    assertEquals("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
        HEX.formatHex(Keccak256.hash("abc".getBytes(StandardCharsets.US_ASCII))));
  }

  @Test
  void equalsBouncyCastlesKeccakForEveryLengthUpToFourBlocksAndAnyOffset() {
    Random random = new Random(42);
    byte[] buffer = new byte[4 * Keccak256.RATE + 40];
    for (int length = 0; length <= 4 * Keccak256.RATE + 1; length++) {
      for (int trial = 0; trial < 3; trial++) {
        random.nextBytes(buffer);
        int offset = random.nextInt(buffer.length - length + 1);
        assertArrayEquals(Hash.sha3(buffer, offset, length), Keccak256.hash(buffer, offset, length),
            "length " + length + " at offset " + offset);
      }
    }
    // all ones: a padding byte that meets input bits set everywhere
    byte[] ones = new byte[3 * Keccak256.RATE];
    Arrays.fill(ones, (byte) 0xff);
    for (int length : new int[] {Keccak256.RATE - 1, Keccak256.RATE, Keccak256.RATE + 1, 2 * Keccak256.RATE - 1}) {
      assertArrayEquals(Hash.sha3(Arrays.copyOf(ones, length)), Keccak256.hash(ones, 0, length), "length " + length);
    }
  }

  @Test
  void aPairIsTheHashOfItsConcatenation() {
    Random random = new Random(7);
    for (int trial = 0; trial < 2000; trial++) {
      byte[] a = new byte[32];
      byte[] b = new byte[32];
      random.nextBytes(a);
      random.nextBytes(b);
      byte[] both = new byte[64];
      System.arraycopy(a, 0, both, 0, 32);
      System.arraycopy(b, 0, both, 32, 32);
      assertArrayEquals(Hash.sha3(both), Keccak256.hashPair(a, b));
      // the same pair read from and written to larger arrays at any offset, around the bytes it must not touch
      byte[] from = new byte[200];
      random.nextBytes(from);
      int aAt = random.nextInt(from.length - 31);
      int bAt = random.nextInt(from.length - 31);
      System.arraycopy(a, 0, from, aAt, 32);
      System.arraycopy(b, 0, from, bAt, 32);
      if (Math.abs(aAt - bAt) >= 32) {
        byte[] out = new byte[100];
        random.nextBytes(out);
        byte[] before = out.clone();
        int outAt = random.nextInt(out.length - 31);
        Keccak256.hashPair(from, aAt, from, bAt, out, outAt);
        assertArrayEquals(Hash.sha3(both), java.util.Arrays.copyOfRange(out, outAt, outAt + 32));
        assertArrayEquals(java.util.Arrays.copyOf(before, outAt), java.util.Arrays.copyOf(out, outAt));
        assertArrayEquals(java.util.Arrays.copyOfRange(before, outAt + 32, 100), java.util.Arrays.copyOfRange(out, outAt + 32, 100));
      }
    }
    assertThrows(IndexOutOfBoundsException.class, () -> Keccak256.hashPair(new byte[64], 33, new byte[32], 0, new byte[32], 0));
    assertThrows(IllegalArgumentException.class, () -> Keccak256.hashPair(new byte[32], new byte[31]));
    assertThrows(IndexOutOfBoundsException.class, () -> Keccak256.hash(new byte[10], 5, 6));
  }
}
