package dev.poa.udfs.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class FeeSplitTest {
  static final String TREASURY = "0x" + "aa".repeat(20);
  static final String OWNER = "0x" + "bb".repeat(20);

  static BigInteger sum(List<FeeSplit.Payout> p) {
    return p.stream().map(FeeSplit.Payout::amount).reduce(BigInteger.ZERO, BigInteger::add);
  }

  @Test
  void defaultPolicySplitsAFeeExactly() {
    RewardPolicy p = RewardPolicy.defaults(TREASURY);
    List<FeeSplit.Payout> out = FeeSplit.split(BigInteger.valueOf(1001), p, OWNER,
        Map.of("0x" + "01".repeat(20), BigInteger.ONE, "0x" + "02".repeat(20), BigInteger.TWO));
    Map<String, BigInteger> by = new HashMap<>();
    out.forEach(x -> by.merge(x.role() + ":" + x.address(), x.amount(), BigInteger::add));
    // 1001 × 70% = 700.7, 20% = 200.2, 5% = 50.05 twice: floors 700+200+50+50 = 1000, the unit to
    // the largest remainder (.7): contributors get 701, split 1:2 = 233.67 / 467.33 → 234 / 467
    assertEquals(BigInteger.valueOf(234), by.get("contributor:0x" + "01".repeat(20)));
    assertEquals(BigInteger.valueOf(467), by.get("contributor:0x" + "02".repeat(20)));
    assertEquals(BigInteger.valueOf(200), by.get("owner:" + OWNER));
    assertEquals(BigInteger.valueOf(50), by.get("validator:null"));
    assertEquals(BigInteger.valueOf(50), by.get("treasury:" + TREASURY));
    assertEquals(BigInteger.valueOf(1001), sum(out));
  }

  /** The validators' pool of an epoch is summed from {@code roles} alone: it must be the part {@code split} pools. */
  @Property(tries = 300)
  void rolesAreWhatTheSplitGivesEachRole(@ForAll @LongRange(min = 0) long fee, @ForAll @IntRange(min = 1, max = 5) int n,
      @ForAll @LongRange(min = 1, max = 1L << 40) long weight) {
    Map<String, BigInteger> weights = new HashMap<>();
    for (int i = 0; i < n; i++) {
      weights.put(String.format("0x%040x", i + 1), BigInteger.valueOf(weight + i));
    }
    BigInteger f = BigInteger.valueOf(fee).shiftLeft(10); // beyond 64 bits too
    RewardPolicy p = RewardPolicy.defaults(TREASURY);
    BigInteger[] roles = FeeSplit.roles(f, p);
    Map<String, BigInteger> byRole = new HashMap<>();
    FeeSplit.split(f, p, OWNER, weights).forEach(x -> byRole.merge(x.role(), x.amount(), BigInteger::add));
    assertEquals(roles[0], byRole.get("contributor"));
    assertEquals(roles[1], byRole.get("owner"));
    assertEquals(roles[2], byRole.get("validator"));
    assertEquals(roles[3], byRole.get("treasury"));
    assertEquals(f, roles[0].add(roles[1]).add(roles[2]).add(roles[3]));
  }

  @Test
  void unattributedFeesGoWhereThePolicySays() {
    List<FeeSplit.Payout> t = FeeSplit.split(BigInteger.valueOf(100), RewardPolicy.defaults(TREASURY), OWNER, Map.of());
    assertEquals(new FeeSplit.Payout(TREASURY, "treasury", BigInteger.valueOf(70)), t.get(0));
    RewardPolicy toOwner = RewardPolicy.parse("{\"version\":\"v2\",\"basis_points\":{\"contributors\":6000,\"owner\":3000,"
        + "\"validators\":0,\"treasury\":1000},\"treasury\":\"" + TREASURY + "\",\"unattributed_to\":\"owner\"}");
    List<FeeSplit.Payout> o = FeeSplit.split(BigInteger.valueOf(100), toOwner, OWNER, Map.of("0x" + "01".repeat(20), BigInteger.ZERO));
    assertEquals(new FeeSplit.Payout(OWNER, "owner", BigInteger.valueOf(60)), o.get(0));
    assertEquals(BigInteger.valueOf(100), sum(o));
    assertEquals(toOwner, RewardPolicy.parse(toOwner.toJson()));
  }

  @Test
  void policiesAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new RewardPolicy("v", 7000, 2000, 500, 499, TREASURY, "treasury"));
    assertThrows(IllegalArgumentException.class, () -> new RewardPolicy("v", 10001, -1, 0, 0, TREASURY, "treasury"));
    assertThrows(IllegalArgumentException.class, () -> new RewardPolicy("v", 10000, 0, 0, 0, "0x12", "treasury"));
    assertThrows(IllegalArgumentException.class, () -> new RewardPolicy("v", 10000, 0, 0, 0, TREASURY, "nobody"));
    assertThrows(IllegalArgumentException.class, () -> RewardPolicy.parse("{\"version\":\"v\",\"basis_points\":{\"contributors\":10000},"
        + "\"treasury\":\"" + TREASURY + "\",\"bonus\":1}"));
    assertThrows(IllegalArgumentException.class, () -> RewardPolicy.parse("{\"version\":\"v\",\"basis_points\":{\"contributors\":9999.5,"
        + "\"owner\":0.5,\"validators\":0,\"treasury\":0},\"treasury\":\"" + TREASURY + "\"}"));
  }

  @Property(tries = 300)
  void everyFeeReconcilesToTheUnit(@ForAll @LongRange(min = 0) long fee, @ForAll @IntRange(min = 0, max = 10000) int c,
      @ForAll @IntRange(min = 0, max = 10000) int o, @ForAll @IntRange(min = 0, max = 12) int contributors, @ForAll long seed) {
    int owner = Math.min(o, 10000 - c);
    int rest = 10000 - c - owner;
    RewardPolicy p = new RewardPolicy("v", c, owner, rest / 2, rest - rest / 2, TREASURY, seed % 2 == 0 ? "treasury" : "owner");
    java.util.Random r = new java.util.Random(seed);
    Map<String, BigInteger> w = new HashMap<>();
    for (int i = 0; i < contributors; i++) {
      w.put(String.format("0x%040x", r.nextInt(5)), BigInteger.valueOf(r.nextInt(1000)));
    }
    BigInteger big = BigInteger.valueOf(fee).shiftLeft(40); // fees far beyond 64 bits
    List<FeeSplit.Payout> out = FeeSplit.split(big, p, OWNER, w);
    assertEquals(big, sum(out));
    assertTrue(out.stream().allMatch(x -> x.amount().signum() >= 0));
  }
}
