package dev.poa.export;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.export.AdapterProblem.Code;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of a PEFT {@code adapter_config.json} that serving needs, checked: {@code peft_type}
 * LORA, {@code r}, {@code lora_alpha}, {@code target_modules} (a list: a regex string cannot be
 * checked against the weights), {@code base_model_name_or_path}; {@code revision} and
 * {@code modules_to_save} when present.
 */
public record LoraConfig(int r, double loraAlpha, List<String> targetModules, String baseModel, String revision,
    List<String> modulesToSave) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  public static LoraConfig parse(byte[] file) throws AdapterProblem {
    JsonNode o;
    try {
      o = JSON.readTree(new String(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AdapterProblem(Code.BAD_CONFIG, "adapter_config.json is not valid JSON: " + e.getMessage().split("\n")[0]);
    }
    if (o == null || !o.isObject()) {
      throw new AdapterProblem(Code.BAD_CONFIG, "adapter_config.json is not a JSON object");
    }
    JsonNode type = o.get("peft_type");
    if (type == null || !"LORA".equals(type.asText())) {
      throw new AdapterProblem(Code.BAD_CONFIG, "peft_type is " + (type == null ? "missing" : type) + ", expected \"LORA\"");
    }
    JsonNode r = o.get("r");
    if (r == null || !r.isIntegralNumber() || r.intValue() < 1) {
      throw new AdapterProblem(Code.BAD_CONFIG, "r (the LoRA rank) must be a positive integer, got " + r);
    }
    JsonNode alpha = o.get("lora_alpha");
    if (alpha == null || !alpha.isNumber() || !(alpha.doubleValue() > 0)) {
      throw new AdapterProblem(Code.BAD_CONFIG, "lora_alpha must be a positive number, got " + alpha);
    }
    JsonNode modules = o.get("target_modules");
    if (modules == null || !modules.isArray() || modules.isEmpty()) {
      throw new AdapterProblem(Code.BAD_CONFIG, "target_modules must be a non-empty list of module names"
          + (modules != null && modules.isTextual() ? " (a regex string like " + modules + " cannot be checked: list them)" : ""));
    }
    List<String> targets = strings(modules, "target_modules");
    JsonNode base = o.get("base_model_name_or_path");
    if (base == null || !base.isTextual() || base.textValue().isBlank()) {
      throw new AdapterProblem(Code.BAD_CONFIG, "base_model_name_or_path must be a non-empty string");
    }
    JsonNode revision = o.get("revision");
    JsonNode save = o.get("modules_to_save");
    List<String> toSave = save == null || save.isNull() ? List.of() : strings(save, "modules_to_save");
    return new LoraConfig(r.intValue(), alpha.doubleValue(), targets, base.textValue(),
        revision == null || revision.isNull() ? null : revision.asText(), toSave);
  }

  private static List<String> strings(JsonNode a, String field) throws AdapterProblem {
    if (!a.isArray()) {
      throw new AdapterProblem(Code.BAD_CONFIG, field + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode x : a) {
      if (!x.isTextual() || x.textValue().isBlank()) {
        throw new AdapterProblem(Code.BAD_CONFIG, field + " must be a list of non-empty strings");
      }
      out.add(x.textValue());
    }
    return List.copyOf(out);
  }
}
