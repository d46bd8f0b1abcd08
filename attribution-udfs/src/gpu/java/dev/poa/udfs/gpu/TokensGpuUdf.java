package dev.poa.udfs.gpu;

import ai.rapids.cudf.ColumnVector;
import ai.rapids.cudf.DType;
import ai.rapids.cudf.HostColumnVector;
import com.nvidia.spark.RapidsUDF;
import dev.poa.udfs.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.api.java.UDF1;

/**
 * The GPU twin of {@code poa_tokens}: the default tokenizer for the RAPIDS Accelerator. Compiled
 * only by the {@code gpu} Maven profile. {@link #call} is the CPU reference
 * ({@link Tokenizer#lowerTokens}); {@link #evaluateColumnar} copies the batch's strings to the
 * host, tokenises them with the reference and returns a device list column, so the plan stays
 * columnar. (The GPU regex engine cannot express the tokenizer: it rejects Unicode classes.)
 */
public final class TokensGpuUdf implements UDF1<String, String[]>, RapidsUDF {
  @Override
  public String[] call(String text) {
    return Tokenizer.lowerTokens(text);
  }

  @Override
  public ColumnVector evaluateColumnar(int numRows, ColumnVector... args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("poa_tokens takes (text)");
    }
    try (HostColumnVector text = args[0].copyToHost()) {
      List<List<String>> rows = new ArrayList<>(numRows);
      for (int i = 0; i < numRows; i++) {
        rows.add(text.isNull(i) ? null : Arrays.asList(Tokenizer.lowerTokens(text.getJavaString(i))));
      }
      HostColumnVector.DataType type =
          new HostColumnVector.ListType(true, new HostColumnVector.BasicType(false, DType.STRING));
      @SuppressWarnings("unchecked")
      List<String>[] lists = rows.toArray(new List[0]);
      return ColumnVector.fromLists(type, lists);
    }
  }
}
