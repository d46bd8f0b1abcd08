package dev.poa.jobs.rewards;

import dev.poa.schemas.BadInputException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The validation rules an epoch is derived under, recorded with its manifest row (settings) so
 * that an audit re-derives it under the same rules:
 *
 * <ul>
 *   <li>{@code quorum}: a contribution is slashed from the epoch in which this many distinct
 *       validators had attested it invalid ({@code poa.validation.quorum}, default 2);
 *   <li>{@code registry}: only attestations of validators registered for the contribution's
 *       DataNet at their time count (slashing and the validators' pool), and the pool goes only
 *       to validators registered during the epoch.
 * </ul>
 *
 * Epochs finalised before the rules were recorded were derived with a quorum of 1 and no registry.
 */
public record RewardRules(int quorum, boolean registry) {
  public static final RewardRules DEFAULT = new RewardRules(2, true);
  public static final RewardRules LEGACY = new RewardRules(1, false);

  public RewardRules {
    if (quorum < 1) {
      throw new BadInputException("poa.validation.quorum must be at least 1, got " + quorum);
    }
  }

  public Map<String, String> toMap() {
    Map<String, String> m = new TreeMap<>();
    m.put("validation.quorum", Integer.toString(quorum));
    m.put("validation.registry", Boolean.toString(registry));
    return m;
  }

  /** The rules recorded in a manifest row's settings; null (an epoch from before) = {@link #LEGACY}. */
  public static RewardRules of(Map<String, String> settings) {
    if (settings == null || settings.isEmpty()) {
      return LEGACY;
    }
    return new RewardRules(Integer.parseInt(settings.getOrDefault("validation.quorum", "1")),
        Boolean.parseBoolean(settings.getOrDefault("validation.registry", "false")));
  }
}
