package dev.poa.export;

/**
 * IEEE binary16 and bfloat16 conversions of float32, rounding to nearest, ties to even (what
 * PyTorch's {@code tensor.to(torch.float16 / torch.bfloat16)} does), and back.
 */
public final class HalfFloats {
  private HalfFloats() {}

  /** float32 → binary16 bits; values beyond 65504 (after rounding) become ±Inf. */
  public static short toHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) { // Inf or NaN (keep a quiet NaN)
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) { // subnormal half (or zero)
      if (e < -10) {
        return (short) sign;
      }
      int m = mant | 0x800000; // implicit leading 1
      int shift = 14 - e;
      int half = m >>> shift;
      int rest = m & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rest > mid || (rest == mid && (half & 1) == 1)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++; // may carry into the exponent, up to Inf: correct rounding
    }
    return (short) (sign | half);
  }

  public static float fromHalf(short h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** float32 → bfloat16 bits (the upper 16 bits, rounded to nearest even). */
  public static short toBfloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7f800000) == 0x7f800000 && (bits & 0x7fffff) != 0) {
      return (short) ((bits >>> 16) | 0x40); // quiet NaN
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  public static float fromBfloat16(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }
}
