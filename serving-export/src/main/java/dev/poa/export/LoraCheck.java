package dev.poa.export;

import dev.poa.export.AdapterProblem.Code;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a PEFT LoRA adapter's weights against its config: every tensor is
 * {@code <prefix>.<module>.lora_A.weight} or {@code .lora_B.weight} of a target module (or belongs
 * to a {@code modules_to_save} module); each A has its B; every target module has at least one
 * pair; A is [r, in] and B is [out, r] with r the config's rank; float weights; no NaN or Inf.
 */
public final class LoraCheck {
  static final Pattern LORA = Pattern.compile("(.+)\\.([^.]+)\\.lora_([AB])\\.weight");

  /** What the weights hold: pairs per target module, parameters. */
  public record Summary(Map<String, Integer> pairsPerModule, long parameters) {}

  private LoraCheck() {}

  public static Summary check(LoraConfig config, Safetensors weights) throws AdapterProblem {
    Map<String, Safetensors.Tensor[]> pairs = new TreeMap<>(); // "<prefix>.<module>" → [A, B]
    Map<String, Integer> perModule = new TreeMap<>();
    config.targetModules().forEach(m -> perModule.put(m, 0));
    long parameters = 0;
    for (Safetensors.Tensor t : weights.tensors()) {
      if (config.modulesToSave().stream().anyMatch(m -> t.name().contains("." + m + "."))) {
        parameters += t.elements();
        continue;
      }
      Matcher m = LORA.matcher(t.name());
      if (!m.matches()) {
        throw new AdapterProblem(Code.UNEXPECTED_TENSOR, "tensor " + t.name() + " is not a LoRA weight"
            + " (<module>.lora_A.weight / <module>.lora_B.weight)");
      }
      String module = m.group(2);
      if (!perModule.containsKey(module)) {
        throw new AdapterProblem(Code.UNEXPECTED_TENSOR, "tensor " + t.name() + " adapts " + module
            + ", which is not in target_modules " + config.targetModules());
      }
      if (!t.dtype().isFloat()) {
        throw new AdapterProblem(Code.BAD_HEADER, "tensor " + t + " is not floating point");
      }
      pairs.computeIfAbsent(m.group(1) + "." + module, k -> new Safetensors.Tensor[2])[m.group(3).equals("A") ? 0 : 1] = t;
      parameters += t.elements();
    }
    for (Map.Entry<String, Safetensors.Tensor[]> e : pairs.entrySet()) {
      Safetensors.Tensor a = e.getValue()[0];
      Safetensors.Tensor b = e.getValue()[1];
      if (a == null || b == null) {
        throw new AdapterProblem(Code.MISSING_MODULE, e.getKey() + " has lora_" + (a == null ? "B" : "A") + " but no lora_"
            + (a == null ? "A" : "B"));
      }
      if (a.shape().length != 2 || b.shape().length != 2) {
        throw new AdapterProblem(Code.WRONG_RANK, e.getKey() + ": lora_A " + a + " and lora_B " + b + " must be matrices");
      }
      if (a.shape()[0] != config.r() || b.shape()[1] != config.r()) {
        throw new AdapterProblem(Code.WRONG_RANK, e.getKey() + ": lora_A is " + a.shape()[0] + " × " + a.shape()[1]
            + " and lora_B " + b.shape()[0] + " × " + b.shape()[1] + ", but r = " + config.r()
            + " (A must be r × in, B out × r)");
      }
      String module = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
      perModule.merge(module, 1, Integer::sum);
    }
    for (Map.Entry<String, Integer> e : perModule.entrySet()) {
      if (e.getValue() == 0) {
        throw new AdapterProblem(Code.MISSING_MODULE, "target module " + e.getKey() + " has no lora_A / lora_B weights");
      }
    }
    for (Safetensors.Tensor t : weights.tensors()) {
      if (t.dtype().isFloat()) {
        long[] count = new long[1];
        long first = weights.firstNonFinite(t, count);
        if (first >= 0) {
          throw new AdapterProblem(Code.NON_FINITE, "tensor " + t + " holds " + count[0] + " NaN/Inf value(s), the first at index "
              + first + " (" + weights.values(t)[(int) first] + ")");
        }
      }
    }
    return new Summary(perModule, parameters);
  }
}
