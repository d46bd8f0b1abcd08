package dev.poa.export;

import dev.poa.export.AdapterProblem.Code;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Float tensors to F16 / BF16 / F32 (round to nearest, ties to even), with the error it
 * introduces: the largest absolute error and the largest error relative to the value, over
 * values that are normal numbers of the target type (below that, relative error is meaningless).
 */
public final class DtypeConversion {
  /** The error of a conversion, over all converted values. */
  public record Report(Dtype to, long values, double maxAbsError, double maxRelError) {
    Report merge(Report o) {
      return new Report(to, values + o.values, Math.max(maxAbsError, o.maxAbsError), Math.max(maxRelError, o.maxRelError));
    }

    static Report none(Dtype to) {
      return new Report(to, 0, 0, 0);
    }
  }

  private DtypeConversion() {}

  /** Smallest normal number of the target type. */
  static double smallestNormal(Dtype to) {
    return switch (to) {
      case F16 -> 0x1p-14;
      case BF16, F32 -> Float.MIN_NORMAL;
      default -> Double.MIN_NORMAL;
    };
  }

  /** The tensor converted to {@code to}, and its report; refuses a value that would overflow to Inf. */
  public static Safetensors.Output convert(Safetensors file, Safetensors.Tensor t, Dtype to, Report[] report)
      throws AdapterProblem {
    if (to != Dtype.F16 && to != Dtype.BF16 && to != Dtype.F32) {
      throw new IllegalArgumentException("conversion to " + to + " is not supported");
    }
    double[] v = file.values(t);
    ByteBuffer out = ByteBuffer.allocate(v.length * to.size).order(ByteOrder.LITTLE_ENDIAN);
    double maxAbs = 0;
    double maxRel = 0;
    double normal = smallestNormal(to);
    for (int i = 0; i < v.length; i++) {
      float f = (float) v[i];
      double back;
      switch (to) {
        case F16 -> {
          short h = HalfFloats.toHalf(f);
          out.putShort(h);
          back = HalfFloats.fromHalf(h);
        }
        case BF16 -> {
          short b = HalfFloats.toBfloat16(f);
          out.putShort(b);
          back = HalfFloats.fromBfloat16(b);
        }
        default -> {
          out.putFloat(f);
          back = f;
        }
      }
      if (Double.isInfinite(back) && Double.isFinite(v[i])) {
        throw new AdapterProblem(Code.CONVERSION_OVERFLOW, "tensor " + t + " value " + v[i] + " at index " + i
            + " is beyond the range of " + to);
      }
      double err = Math.abs(back - v[i]);
      maxAbs = Math.max(maxAbs, err);
      if (Math.abs(v[i]) >= normal) {
        maxRel = Math.max(maxRel, err / Math.abs(v[i]));
      }
    }
    report[0] = report[0].merge(new Report(to, v.length, maxAbs, maxRel));
    return new Safetensors.Output(t.name(), to, t.shape(), out.array());
  }
}
