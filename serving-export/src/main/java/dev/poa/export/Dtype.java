package dev.poa.export;

import dev.poa.schemas.BadInputException;
import java.util.Locale;

/** Safetensors element types and their sizes in bytes. */
public enum Dtype {
  BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4), I64(8), U64(8),
  F64(8);

  public final int size;

  Dtype(int size) {
    this.size = size;
  }

  public boolean isFloat() {
    return this == F16 || this == BF16 || this == F32 || this == F64;
  }

  /** The dtype named as in a safetensors header, or null. */
  public static Dtype of(String name) {
    try {
      return valueOf(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** From an option value: fp16 / f16 / float16, bf16 / bfloat16, fp32 / f32 / float32. */
  public static Dtype parseOption(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "fp16", "f16", "float16" -> F16;
      case "bf16", "bfloat16" -> BF16;
      case "fp32", "f32", "float32" -> F32;
      default -> throw new BadInputException("dtype '" + s + "': expected fp16, bf16 or fp32");
    };
  }
}
