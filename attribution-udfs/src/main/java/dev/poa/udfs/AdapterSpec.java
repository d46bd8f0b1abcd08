package dev.poa.udfs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.schemas.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A LoRA adapter registration ({@code poa adapters register --file adapter.json}). Parsing
 * checks every field and names the first one that is wrong.
 *
 * @param trainingSet explicit contribution ids, or null for "all accepted contributions of its
 *     DataNets"
 */
public record AdapterSpec(
    String adapterId,
    String baseModel,
    String owner,
    List<String> datanets,
    int rank,
    double alpha,
    List<String> targetModules,
    String artifactUri,
    List<String> trainingSet) {
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
  private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  public static AdapterSpec parse(String json) {
    JsonNode o;
    try {
      o = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new BadInputException("adapter file is not valid JSON: " + e.getOriginalMessage());
    }
    if (o == null || !o.isObject()) {
      throw new BadInputException("adapter file must hold one JSON object");
    }
    String id = text(o, "adapter_id");
    if (!ID.matcher(id).matches()) {
      throw new BadInputException("adapter_id '" + id + "' must be 1-128 letters, digits and . _ : -");
    }
    String owner = text(o, "owner");
    String problem = Addresses.problem(owner);
    if (problem != null) {
      throw new BadInputException("owner '" + owner + "': " + problem);
    }
    List<String> datanets = strings(o, "datanets", true);
    for (String d : datanets) {
      if (!DatanetPolicy.SLUG.matcher(d).matches()) {
        throw new BadInputException("datanets: '" + d + "' is not a DataNet slug");
      }
    }
    JsonNode rank = o.get("rank");
    if (rank == null || !rank.isIntegralNumber() || rank.intValue() < 1) {
      throw new BadInputException("rank must be a positive integer");
    }
    JsonNode alpha = o.get("alpha");
    if (alpha == null || !alpha.isNumber() || !(alpha.doubleValue() > 0)) {
      throw new BadInputException("alpha must be a positive number");
    }
    List<String> modules = strings(o, "target_modules", true);
    JsonNode ts = o.get("training_set");
    List<String> trainingSet = ts == null || ts.isNull() ? null : strings(o, "training_set", true);
    return new AdapterSpec(id, text(o, "base_model"), Addresses.canonical(owner), datanets, rank.intValue(),
        alpha.doubleValue(), modules, text(o, "artifact_uri"), trainingSet);
  }

  private static String text(JsonNode o, String f) {
    JsonNode v = o.get(f);
    if (v == null || v.isNull()) {
      throw new BadInputException("missing required field " + f);
    }
    if (!v.isTextual() || v.textValue().isBlank()) {
      throw new BadInputException(f + " must be a non-empty string");
    }
    return v.textValue();
  }

  private static List<String> strings(JsonNode o, String f, boolean nonEmpty) {
    JsonNode v = o.get(f);
    if (v == null || !v.isArray() || (nonEmpty && v.isEmpty())) {
      throw new BadInputException(f + " must be a non-empty list of strings");
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (JsonNode x : v) {
      if (!x.isTextual() || x.textValue().isBlank()) {
        throw new BadInputException(f + " must hold only non-empty strings");
      }
      out.add(x.textValue());
    }
    return new ArrayList<>(out);
  }
}
