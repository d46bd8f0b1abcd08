package dev.poa.udfs.rewards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poa.schemas.BadInputException;
import dev.poa.udfs.Addresses;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How each inference's fee is split, in basis points summing to 10,000, between the data
 * contributors (by attribution share), the adapter's owner (the fine-tuner), the validators and
 * the protocol treasury; and who gets a part that has nobody to go to (the contributors' part of
 * an unattributed inference, the validators' part of an epoch without eligible attestations).
 * A policy has a version; the version and the policy's JSON are recorded with every epoch.
 *
 * <p>JSON: {@code {"version": "...", "basis_points": {"contributors": 7000, "owner": 2000,
 * "validators": 500, "treasury": 500}, "treasury": "0x…", "unattributed_to": "treasury"}}.
 */
public record RewardPolicy(String version, int contributorsBps, int ownerBps, int validatorsBps, int treasuryBps,
    String treasury, String unattributedTo) implements java.io.Serializable {
  public static final int TOTAL_BPS = 10_000;
  public static final List<String> ROLES = List.of("contributor", "owner", "validator", "treasury");

  public RewardPolicy {
    if (version == null || version.isBlank()) {
      throw new BadInputException("a reward policy needs a version");
    }
    for (int b : new int[] {contributorsBps, ownerBps, validatorsBps, treasuryBps}) {
      if (b < 0) {
        throw new BadInputException("basis points cannot be negative");
      }
    }
    if (contributorsBps + ownerBps + validatorsBps + treasuryBps != TOTAL_BPS) {
      throw new BadInputException("basis points must sum to 10000, not "
          + (contributorsBps + ownerBps + validatorsBps + treasuryBps));
    }
    String problem = Addresses.problem(treasury);
    if (problem != null) {
      throw new BadInputException("treasury: " + problem);
    }
    treasury = treasury.toLowerCase(java.util.Locale.ROOT);
    if (!"treasury".equals(unattributedTo) && !"owner".equals(unattributedTo)) {
      throw new BadInputException("unattributed_to must be treasury or owner, not " + unattributedTo);
    }
  }

  /** The defaults: 70% contributors, 20% owner, 5% validators, 5% treasury; unattributed → treasury. */
  public static RewardPolicy defaults(String treasury) {
    return new RewardPolicy("poa-default-v1", 7000, 2000, 500, 500, treasury, "treasury");
  }

  public static RewardPolicy parse(String json) {
    JsonNode o;
    try {
      o = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new BadInputException("reward policy is not valid JSON: " + e.getMessage());
    }
    if (o == null || !o.isObject()) {
      throw new BadInputException("a reward policy is a JSON object");
    }
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!List.of("version", "basis_points", "treasury", "unattributed_to").contains(f)) {
        throw new BadInputException("unknown reward policy field " + f);
      }
    }
    JsonNode bps = o.path("basis_points");
    for (Iterator<String> it = bps.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!List.of("contributors", "owner", "validators", "treasury").contains(f)) {
        throw new BadInputException("unknown basis_points field " + f);
      }
    }
    return new RewardPolicy(text(o, "version"), bps(bps, "contributors"), bps(bps, "owner"), bps(bps, "validators"),
        bps(bps, "treasury"), text(o, "treasury"), o.path("unattributed_to").asText("treasury"));
  }

  private static String text(JsonNode o, String f) {
    JsonNode v = o.get(f);
    if (v == null || !v.isTextual()) {
      throw new BadInputException("reward policy field " + f + " must be a string");
    }
    return v.textValue();
  }

  private static int bps(JsonNode o, String f) {
    JsonNode v = o.get(f);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new BadInputException("basis_points." + f + " must be an integer");
    }
    return v.intValue();
  }

  /** The policy as canonical JSON (fixed field order): what is recorded with an epoch. */
  public String toJson() {
    Map<String, Object> bps = new LinkedHashMap<>();
    bps.put("contributors", contributorsBps);
    bps.put("owner", ownerBps);
    bps.put("validators", validatorsBps);
    bps.put("treasury", treasuryBps);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("version", version);
    o.put("basis_points", bps);
    o.put("treasury", treasury);
    o.put("unattributed_to", unattributedTo);
    try {
      return new ObjectMapper().writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
