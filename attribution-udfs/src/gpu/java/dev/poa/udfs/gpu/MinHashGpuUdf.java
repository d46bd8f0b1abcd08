package dev.poa.udfs.gpu;

import ai.rapids.cudf.ColumnVector;
import ai.rapids.cudf.DType;
import ai.rapids.cudf.HostColumnVector;
import com.nvidia.spark.RapidsUDF;
import dev.poa.udfs.MinHash;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.api.java.UDF3;

/**
 * The GPU twin of {@code poa_minhash}: the same function for the RAPIDS Accelerator. Compiled
 * only by the {@code gpu} Maven profile, which brings the RAPIDS jar.
 *
 * <p>{@link #call} is the CPU reference ({@link MinHash#signature}). {@link #evaluateColumnar}
 * keeps the query columnar on the GPU plan: it copies the batch's strings to the host, computes
 * the signatures with the CPU reference and returns them as a device column, so no row
 * transition is inserted around it. Computing the signatures in device kernels (cudf string
 * n-grams and xxhash64) is the later step; the result must stay bit-identical to {@link #call}.
 */
public final class MinHashGpuUdf implements UDF3<String, Integer, Integer, long[]>, RapidsUDF {
  @Override
  public long[] call(String normalized, Integer shingleWords, Integer permutations) {
    return normalized == null ? null : MinHash.signature(normalized, shingleWords, permutations);
  }

  @Override
  public ColumnVector evaluateColumnar(int numRows, ColumnVector... args) {
    if (args.length != 3) {
      throw new IllegalArgumentException("poa_minhash takes (normalized, shingle words, permutations)");
    }
    try (HostColumnVector text = args[0].copyToHost();
        HostColumnVector k = args[1].copyToHost();
        HostColumnVector n = args[2].copyToHost()) {
      List<List<Long>> rows = new ArrayList<>(numRows);
      for (int i = 0; i < numRows; i++) {
        if (text.isNull(i)) {
          rows.add(null);
          continue;
        }
        long[] sig = MinHash.signature(text.getJavaString(i), k.getInt(i), n.getInt(i));
        List<Long> row = new ArrayList<>(sig.length);
        for (long v : sig) {
          row.add(v);
        }
        rows.add(row);
      }
      HostColumnVector.DataType type =
          new HostColumnVector.ListType(true, new HostColumnVector.BasicType(false, DType.INT64));
      @SuppressWarnings("unchecked")
      List<Long>[] lists = rows.toArray(new List[0]);
      return ColumnVector.fromLists(type, lists);
    }
  }
}
