package dev.poa.udfs.rewards;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Keccak-256 as Ethereum uses it (the original Keccak padding 0x01…0x80, not SHA3-256's 0x06):
 * the hash of every leaf and node of the reward trees. The Merkle trees hash millions of inputs
 * of 64 bytes, one block each; a general sponge (a digest object per hash, the input queued byte
 * by byte, the padding and output through the queue) spent about a third of the hashing time
 * outside the permutation. Here an input is read as little-endian lanes straight into the state
 * and the permutation works on 25 local variables. Checked against web3j's {@code Hash.sha3}
 * (BouncyCastle) on inputs of every length up to several blocks, and on published vectors
 * ({@code Keccak256Test}).
 */
public final class Keccak256 {
  /** Bytes absorbed per permutation: 1600 − 2 · 256 bits. */
  static final int RATE = 136;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long[] ROUND_CONSTANTS = roundConstants();

  private Keccak256() {}

  public static byte[] hash(byte[] input) {
    return hash(input, 0, input.length);
  }

  /** keccak256 of {@code length} bytes of {@code input} from {@code offset}. */
  public static byte[] hash(byte[] input, int offset, int length) {
    java.util.Objects.checkFromIndexSize(offset, length, input.length);
    long[] s = new long[25];
    int at = offset;
    int end = offset + length;
    for (; end - at >= RATE; at += RATE) {
      for (int lane = 0; lane < RATE / 8; lane++) {
        s[lane] ^= (long) LONGS.get(input, at + 8 * lane);
      }
      permute(s);
    }
    // the last block: whole lanes, then the bytes of a partial lane, then the padding
    int rest = end - at;
    int lane = 0;
    for (; 8 * lane + 8 <= rest; lane++) {
      s[lane] ^= (long) LONGS.get(input, at + 8 * lane);
    }
    for (int b = 8 * lane; b < rest; b++) {
      s[lane] ^= (input[at + b] & 0xffL) << (8 * (b - 8 * lane));
    }
    s[rest / 8] ^= 0x01L << (8 * (rest % 8));
    s[RATE / 8 - 1] ^= 0x80L << 56;
    return squeeze(s);
  }

  /**
   * keccak256 of the 64 bytes {@code first ‖ second} (each 32 bytes): a parent node of a tree,
   * without copying the children into one array.
   */
  public static byte[] hashPair(byte[] first, byte[] second) {
    if (first.length != 32 || second.length != 32) {
      throw new IllegalArgumentException("a pair of 32-byte hashes");
    }
    byte[] out = new byte[32];
    hashPair(first, 0, second, 0, out, 0);
    return out;
  }

  /**
   * keccak256 of the 64 bytes {@code first[firstOffset, +32) ‖ second[secondOffset, +32)}, written
   * to {@code out[outOffset, +32)}: a parent node of a tree whose nodes are packed in large arrays.
   */
  public static void hashPair(byte[] first, int firstOffset, byte[] second, int secondOffset, byte[] out, int outOffset) {
    java.util.Objects.checkFromIndexSize(firstOffset, 32, first.length);
    java.util.Objects.checkFromIndexSize(secondOffset, 32, second.length);
    java.util.Objects.checkFromIndexSize(outOffset, 32, out.length);
    long[] s = new long[25];
    for (int lane = 0; lane < 4; lane++) {
      s[lane] = (long) LONGS.get(first, firstOffset + 8 * lane);
      s[lane + 4] = (long) LONGS.get(second, secondOffset + 8 * lane);
    }
    s[8] = 0x01L;
    s[RATE / 8 - 1] = 0x80L << 56;
    permute(s);
    for (int i = 0; i < 4; i++) {
      LONGS.set(out, outOffset + 8 * i, s[i]);
    }
  }

  /** The last block's permutation, then the 32 bytes of the digest: the first four lanes, little-endian. */
  private static byte[] squeeze(long[] s) {
    permute(s);
    byte[] out = new byte[32];
    for (int i = 0; i < 4; i++) {
      LONGS.set(out, 8 * i, s[i]);
    }
    return out;
  }

  /**
   * Keccak-f[1600]: 24 rounds of θ, ρ and π, χ, ι on the lanes a{x}{y} = s[x + 5y], with the
   * rotation offsets and round constants of the Keccak reference.
   */
  static void permute(long[] s) {
    long a00 = s[0];
    long a10 = s[1];
    long a20 = s[2];
    long a30 = s[3];
    long a40 = s[4];
    long a01 = s[5];
    long a11 = s[6];
    long a21 = s[7];
    long a31 = s[8];
    long a41 = s[9];
    long a02 = s[10];
    long a12 = s[11];
    long a22 = s[12];
    long a32 = s[13];
    long a42 = s[14];
    long a03 = s[15];
    long a13 = s[16];
    long a23 = s[17];
    long a33 = s[18];
    long a43 = s[19];
    long a04 = s[20];
    long a14 = s[21];
    long a24 = s[22];
    long a34 = s[23];
    long a44 = s[24];
    for (int round = 0; round < 24; round++) {
      long c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
      long c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
      long c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
      long c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
      long c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
      long d0 = c4 ^ Long.rotateLeft(c1, 1);
      long d1 = c0 ^ Long.rotateLeft(c2, 1);
      long d2 = c1 ^ Long.rotateLeft(c3, 1);
      long d3 = c2 ^ Long.rotateLeft(c4, 1);
      long d4 = c3 ^ Long.rotateLeft(c0, 1);
      long b00 = a00 ^ d0;
      long b13 = Long.rotateLeft(a01 ^ d0, 36);
      long b21 = Long.rotateLeft(a02 ^ d0, 3);
      long b34 = Long.rotateLeft(a03 ^ d0, 41);
      long b42 = Long.rotateLeft(a04 ^ d0, 18);
      long b02 = Long.rotateLeft(a10 ^ d1, 1);
      long b10 = Long.rotateLeft(a11 ^ d1, 44);
      long b23 = Long.rotateLeft(a12 ^ d1, 10);
      long b31 = Long.rotateLeft(a13 ^ d1, 45);
      long b44 = Long.rotateLeft(a14 ^ d1, 2);
      long b04 = Long.rotateLeft(a20 ^ d2, 62);
      long b12 = Long.rotateLeft(a21 ^ d2, 6);
      long b20 = Long.rotateLeft(a22 ^ d2, 43);
      long b33 = Long.rotateLeft(a23 ^ d2, 15);
      long b41 = Long.rotateLeft(a24 ^ d2, 61);
      long b01 = Long.rotateLeft(a30 ^ d3, 28);
      long b14 = Long.rotateLeft(a31 ^ d3, 55);
      long b22 = Long.rotateLeft(a32 ^ d3, 25);
      long b30 = Long.rotateLeft(a33 ^ d3, 21);
      long b43 = Long.rotateLeft(a34 ^ d3, 56);
      long b03 = Long.rotateLeft(a40 ^ d4, 27);
      long b11 = Long.rotateLeft(a41 ^ d4, 20);
      long b24 = Long.rotateLeft(a42 ^ d4, 39);
      long b32 = Long.rotateLeft(a43 ^ d4, 8);
      long b40 = Long.rotateLeft(a44 ^ d4, 14);
      a00 = b00 ^ (~b10 & b20);
      a10 = b10 ^ (~b20 & b30);
      a20 = b20 ^ (~b30 & b40);
      a30 = b30 ^ (~b40 & b00);
      a40 = b40 ^ (~b00 & b10);
      a01 = b01 ^ (~b11 & b21);
      a11 = b11 ^ (~b21 & b31);
      a21 = b21 ^ (~b31 & b41);
      a31 = b31 ^ (~b41 & b01);
      a41 = b41 ^ (~b01 & b11);
      a02 = b02 ^ (~b12 & b22);
      a12 = b12 ^ (~b22 & b32);
      a22 = b22 ^ (~b32 & b42);
      a32 = b32 ^ (~b42 & b02);
      a42 = b42 ^ (~b02 & b12);
      a03 = b03 ^ (~b13 & b23);
      a13 = b13 ^ (~b23 & b33);
      a23 = b23 ^ (~b33 & b43);
      a33 = b33 ^ (~b43 & b03);
      a43 = b43 ^ (~b03 & b13);
      a04 = b04 ^ (~b14 & b24);
      a14 = b14 ^ (~b24 & b34);
      a24 = b24 ^ (~b34 & b44);
      a34 = b34 ^ (~b44 & b04);
      a44 = b44 ^ (~b04 & b14);
      a00 ^= ROUND_CONSTANTS[round];
    }
    s[0] = a00;
    s[1] = a10;
    s[2] = a20;
    s[3] = a30;
    s[4] = a40;
    s[5] = a01;
    s[6] = a11;
    s[7] = a21;
    s[8] = a31;
    s[9] = a41;
    s[10] = a02;
    s[11] = a12;
    s[12] = a22;
    s[13] = a32;
    s[14] = a42;
    s[15] = a03;
    s[16] = a13;
    s[17] = a23;
    s[18] = a33;
    s[19] = a43;
    s[20] = a04;
    s[21] = a14;
    s[22] = a24;
    s[23] = a34;
    s[24] = a44;
  }

  /** The 24 round constants, from the reference's linear feedback shift register (x^8 + x^6 + x^5 + x^4 + 1). */
  private static long[] roundConstants() {
    long[] rc = new long[24];
    int lfsr = 1;
    for (int round = 0; round < 24; round++) {
      for (int j = 0; j < 7; j++) {
        if ((lfsr & 1) != 0) {
          rc[round] |= 1L << ((1 << j) - 1);
        }
        lfsr = (lfsr & 0x80) != 0 ? (lfsr << 1) ^ 0x171 : lfsr << 1;
      }
    }
    return rc;
  }
}
