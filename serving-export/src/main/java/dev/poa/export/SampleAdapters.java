package dev.poa.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.schemas.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Realistic sample LoRA adapters for the demo, tests and benchmarks: PEFT's tensor names and
 * shapes for a Llama-style base model, random weights (A ~ N(0, 1/in) as after training from a
 * Kaiming start; B small and non-zero), fp32, as {@code peft}'s {@code save_pretrained} writes.
 */
public final class SampleAdapters {
  /** A Llama-style base model's shapes. */
  public record Base(String name, String hubId, int hidden, int intermediate, int layers, int heads, int kvHeads) {
    /** (in, out) features of a projection. */
    int[] features(String module) {
      int kv = hidden / heads * kvHeads;
      return switch (module) {
        case "q_proj", "o_proj" -> new int[] {hidden, hidden};
        case "k_proj", "v_proj" -> new int[] {hidden, kv};
        case "gate_proj", "up_proj" -> new int[] {hidden, intermediate};
        case "down_proj" -> new int[] {intermediate, hidden};
        default -> throw new IllegalArgumentException("module " + module + " is not a Llama projection");
      };
    }

    String path(String module) {
      return module.endsWith("_proj") && List.of("gate_proj", "up_proj", "down_proj").contains(module) ? "mlp" : "self_attn";
    }
  }

  /** TinyLlama-1.1B's shapes (22 layers, hidden 2048, GQA with 4 KV heads). */
  public static final Base TINY_LLAMA = new Base("tiny-llama", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", 2048, 5632, 22, 32, 4);
  /** A miniature of the same architecture, for fast tests. */
  public static final Base MICRO_LLAMA = new Base("micro-llama", "poa/micro-llama", 64, 176, 2, 4, 2);

  public static final Map<String, Base> BASES = Map.of(TINY_LLAMA.name(), TINY_LLAMA, MICRO_LLAMA.name(), MICRO_LLAMA);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The two files of one adapter. */
  public record Files(byte[] adapterConfig, byte[] weights) {}

  private SampleAdapters() {}

  public static Base base(String name) {
    Base b = BASES.get(name);
    if (b == null) {
      throw new BadInputException("unknown base '" + name + "': known " + new java.util.TreeSet<>(BASES.keySet()));
    }
    return b;
  }

  public static Files generate(Base base, int rank, double alpha, List<String> modules, long seed) {
    ObjectNode c = JSON.createObjectNode();
    c.put("base_model_name_or_path", base.hubId());
    c.put("bias", "none");
    c.put("fan_in_fan_out", false);
    c.put("inference_mode", true);
    c.put("lora_alpha", alpha);
    c.put("lora_dropout", 0.05);
    c.putNull("modules_to_save");
    c.put("peft_type", "LORA");
    c.put("r", rank);
    c.put("revision", "main");
    var t = c.putArray("target_modules");
    modules.forEach(t::add);
    c.put("task_type", "CAUSAL_LM");
    Random r = new Random(seed);
    List<Safetensors.Output> tensors = new ArrayList<>();
    for (int layer = 0; layer < base.layers(); layer++) {
      for (String m : modules) {
        int[] f = base.features(m);
        String prefix = "base_model.model.model.layers." + layer + "." + base.path(m) + "." + m;
        tensors.add(new Safetensors.Output(prefix + ".lora_A.weight", Dtype.F32, new long[] {rank, f[0]},
            gaussian(r, rank * f[0], 1 / Math.sqrt(f[0]))));
        tensors.add(new Safetensors.Output(prefix + ".lora_B.weight", Dtype.F32, new long[] {f[1], rank},
            gaussian(r, f[1] * rank, 0.01)));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      Safetensors.write(out, Map.of("format", "pt"), tensors);
      return new Files(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c), out.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] gaussian(Random r, int n, double scale) {
    ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putFloat((float) (r.nextGaussian() * scale));
    }
    return b.array();
  }
}
