package dev.poa.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * A compiled contract (infra/contracts/build/*.json, on the classpath under poa/contracts): its
 * ABI and creation bytecode, and the decoding of its custom errors, so a revert is reported as
 * {@code EpochAlreadyCommitted(epoch=3, root=0x…)} rather than as hex.
 */
public final class ContractArtifact {
  public static final ContractArtifact DISTRIBUTOR = load("RewardsDistributor");
  public static final ContractArtifact TOKEN = load("PoaTestToken");

  private final String name;
  private final String bytecode;
  /** selector (0x + 8 hex) → error signature and its parameter names/types. */
  private final Map<String, ErrorDef> errors = new LinkedHashMap<>();

  record ErrorDef(String name, List<String> paramNames, List<String> paramTypes) {}

  private ContractArtifact(String name, JsonNode artifact) {
    this.name = name;
    this.bytecode = artifact.path("bytecode").asText();
    List<JsonNode> abi = new ArrayList<>();
    artifact.path("abi").forEach(abi::add);
    // Error(string) and Panic(uint256) are Solidity's own
    addError("Error", List.of("message"), List.of("string"));
    addError("Panic", List.of("code"), List.of("uint256"));
    for (JsonNode e : abi) {
      if ("error".equals(e.path("type").asText())) {
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        e.path("inputs").forEach(i -> {
          names.add(i.path("name").asText());
          types.add(i.path("type").asText());
        });
        addError(e.path("name").asText(), names, types);
      }
    }
  }

  private void addError(String name, List<String> names, List<String> types) {
    String signature = name + "(" + String.join(",", types) + ")";
    errors.put(Numeric.toHexString(Hash.sha3(signature.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 10),
        new ErrorDef(name, names, types));
  }

  static ContractArtifact load(String name) {
    try (InputStream in = ContractArtifact.class.getResourceAsStream("/poa/contracts/" + name + ".json")) {
      if (in == null) {
        throw new IllegalStateException("contract artifact poa/contracts/" + name + ".json is not on the classpath");
      }
      return new ContractArtifact(name, new ObjectMapper().readTree(in));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String name() {
    return name;
  }

  /** Creation bytecode, 0x-prefixed. */
  public String bytecode() {
    return bytecode;
  }

  /** Names a revert: the custom error with its arguments, or the raw data when unknown. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  public String decodeError(String revertData) {
    if (revertData == null || revertData.length() < 10) {
      return "reverted without data";
    }
    String data = revertData.startsWith("0x") ? revertData : "0x" + revertData;
    ErrorDef def = errors.get(data.substring(0, 10).toLowerCase(java.util.Locale.ROOT));
    if (def == null) {
      return "unknown error " + data;
    }
    try {
      List<TypeReference<Type>> refs = new ArrayList<>();
      for (String t : def.paramTypes()) {
        refs.add((TypeReference) TypeReference.makeTypeReference(t));
      }
      List<Type> values = FunctionReturnDecoder.decode("0x" + data.substring(10), refs);
      StringBuilder b = new StringBuilder(def.name()).append('(');
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          b.append(", ");
        }
        Object v = values.get(i).getValue();
        String shown = v instanceof byte[] bytes ? Numeric.toHexString(bytes) : String.valueOf(v);
        b.append(def.paramNames().get(i).isEmpty() ? "" : def.paramNames().get(i) + "=").append(shown);
      }
      return b.append(')').toString();
    } catch (RuntimeException | ClassNotFoundException e) {
      return def.name() + " (undecodable arguments " + data + ")";
    }
  }

  /** The custom error's name alone, or null. */
  public String errorName(String revertData) {
    if (revertData == null || revertData.length() < 10) {
      return null;
    }
    String data = revertData.startsWith("0x") ? revertData : "0x" + revertData;
    ErrorDef def = errors.get(data.substring(0, 10).toLowerCase(java.util.Locale.ROOT));
    return def == null ? null : def.name();
  }
}
