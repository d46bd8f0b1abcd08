package dev.poa.udfs.rewards;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One inference's fee, split exactly: first between the policy's four roles by basis points
 * (largest remainder, ties in role order contributor, owner, validator, treasury), then the
 * contributors' part between contributors by their attribution weights (largest remainder, ties
 * to the smaller address). The parts always sum to the fee.
 */
public final class FeeSplit {
  private FeeSplit() {}

  /** An amount owed to an address in a role; validators' amounts are pooled per epoch (address null). */
  public record Payout(String address, String role, BigInteger amount) {}

  /**
   * The fee split between the four roles alone: contributors, owner, validators, treasury (what
   * {@link #split} starts with; it does not depend on the weights, so the validators' pool of an
   * epoch can be summed from the fees before the contributors' parts are known).
   */
  public static BigInteger[] roles(BigInteger fee, RewardPolicy policy) {
    return LargestRemainder.split(fee, List.of(
        new LargestRemainder.Part("1-contributor", BigInteger.valueOf(policy.contributorsBps())),
        new LargestRemainder.Part("2-owner", BigInteger.valueOf(policy.ownerBps())),
        new LargestRemainder.Part("3-validator", BigInteger.valueOf(policy.validatorsBps())),
        new LargestRemainder.Part("4-treasury", BigInteger.valueOf(policy.treasuryBps()))));
  }

  /**
   * @param contributorWeights non-negative integer weight per contributor address (e.g. fixed-point
   *     shares); empty or all zero = unattributed
   */
  public static List<Payout> split(BigInteger fee, RewardPolicy policy, String owner, Map<String, BigInteger> contributorWeights) {
    BigInteger[] roles = roles(fee, policy);
    List<Payout> out = new ArrayList<>();
    Map<String, BigInteger> weights = new TreeMap<>();
    contributorWeights.forEach((a, w) -> {
      if (w.signum() > 0) {
        weights.merge(a.toLowerCase(java.util.Locale.ROOT), w, BigInteger::add);
      }
    });
    String ownerAddress = owner.toLowerCase(java.util.Locale.ROOT);
    if (weights.isEmpty()) {
      String to = "owner".equals(policy.unattributedTo()) ? ownerAddress : policy.treasury();
      out.add(new Payout(to, policy.unattributedTo(), roles[0]));
    } else {
      List<LargestRemainder.Part> parts = new ArrayList<>();
      weights.forEach((a, w) -> parts.add(new LargestRemainder.Part(a, w)));
      BigInteger[] amounts = LargestRemainder.split(roles[0], parts);
      for (int i = 0; i < parts.size(); i++) {
        out.add(new Payout(parts.get(i).key(), "contributor", amounts[i]));
      }
    }
    out.add(new Payout(ownerAddress, "owner", roles[1]));
    out.add(new Payout(null, "validator", roles[2]));
    out.add(new Payout(policy.treasury(), "treasury", roles[3]));
    return out;
  }
}
