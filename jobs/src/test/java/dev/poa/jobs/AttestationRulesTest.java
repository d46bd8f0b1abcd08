package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.eval.SpanEval;
import dev.poa.jobs.ingest.DatanetRegistry;
import dev.poa.jobs.rewards.Audit;
import dev.poa.jobs.rewards.ValidationIngestJob;
import dev.poa.jobs.rewards.ValidatorRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Attestations sign everything that pays, and only registered validators count: a replay with
 * another time fails its signature, times in the future or before the contribution are rejected,
 * unregistered validators (never registered, registered for another DataNet, or no longer) are
 * rejected; a contribution is slashed only from the epoch in which a quorum of distinct validators
 * attested it invalid, and the validators' pool goes only to validators registered in the epoch.
 */
class AttestationRulesTest {
  static ECKeyPair key(int i) {
    return ECKeyPair.create(BigInteger.valueOf(5000 + i));
  }

  static String address(int i) {
    return "0x" + Keys.getAddress(key(i));
  }

  static String attest(int signer, String contribution, String verdict, String at) {
    return IngestFixtures.attestation(key(signer), address(signer), contribution, verdict, at);
  }

  @Test
  void onlyRegisteredValidatorsSignedTimesAndQuorumsCount(@TempDir Path dir) throws Exception {
    TestLakehouse t = SharedSpark.lakehouse(dir);
    List<Row> training = IngestFixtures.notesWithAdapter(t, dir, 53, 8, 60);
    // three contributions of three different contributors
    List<Row> picked = new ArrayList<>();
    Set<String> contributors = new HashSet<>();
    for (Row r : training) {
      if (contributors.add(r.getString(2))) {
        picked.add(r);
      }
    }
    String c0 = picked.get(0).getString(0);
    String c2 = picked.get(1).getString(0);
    String c3 = picked.get(2).getString(0);
    String c1 = training.stream().map(r -> r.getString(0)).filter(c -> !List.of(c0, c2, c3).contains(c)).findFirst().orElseThrow();

    DatanetRegistry.create(t.lakehouse(), new DatanetRegistry.Datanet("other-net", "other", null, List.of(), false));
    CliTest.Run add = CliTest.poa(t.warehouse(), t.config().catalogName(), "validators", "add", "--address", address(0),
        "--datanets", "notes", "--from", "2026-03-01T00:00:00Z");
    assertEquals(0, add.code(), add.err());
    IngestFixtures.validator(t, address(1), "2026-03-01T00:00:00Z", "notes");
    IngestFixtures.validator(t, address(2), "2026-03-01T00:00:00Z", "notes");
    IngestFixtures.validator(t, address(3), "2026-03-01T00:00:00Z", "other-net");
    assertEquals(1, ValidatorRegistry.remove(t.lakehouse(), address(1), Instant.parse("2026-05-01T00:00:00Z"), Progress.SILENT));

    String a1 = attest(0, c0, "valid", "2026-04-01T00:00:00Z");
    List<String> lines = List.of(
        a1,
        a1.replace("2026-04-01T00:00:00Z", "2026-03-15T00:00:00Z"), // a replay, backdated: not what was signed
        attest(0, c1, "invalid", Instant.now().plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            .toString()),
        attest(0, c1, "invalid", "2026-02-01T00:00:00Z"), // before c1 was submitted
        attest(3, c1, "invalid", "2026-04-01T00:00:00Z"), // registered for another DataNet
        attest(4, c0, "valid", "2026-04-01T00:00:00Z"), // never registered
        attest(1, c2, "invalid", "2026-05-15T00:00:00Z"), // after its registration was closed
        attest(1, c2, "invalid", "2026-04-01T00:00:00Z"),
        attest(2, c0, "valid", "2026-04-01T00:00:00Z"),
        attest(0, c2, "invalid", "2026-06-10T12:00:00Z"), // the second distinct validator: a quorum from 2026-06-10
        attest(2, c3, "invalid", "2026-04-01T00:00:00Z")); // one only: below the quorum
    ValidationIngestJob.Result v = IngestFixtures.attestations(t, dir, "v1", lines);
    assertEquals(5, v.accepted());
    assertEquals(Map.of("signature_mismatch", 1L, "attested_in_future", 1L, "attested_before_contribution", 1L,
        "unknown_validator", 3L), v.rejectedByReason());
    assertEquals(Set.of("eip712-v1"), new HashSet<>(t.spark().sql("SELECT DISTINCT scheme FROM " + t.table("datanet.validations"))
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList()));
    // v2's registration ends between the two epochs below
    ValidatorRegistry.remove(t.lakehouse(), address(2), Instant.parse("2026-06-07T00:00:00Z"), Progress.SILENT);
    CliTest.Run list = CliTest.poa(t.warehouse(), t.config().catalogName(), "validators", "list", "--format", "csv");
    assertEquals(0, list.code(), list.err());
    assertEquals(5, list.out().strip().lines().count(), list.out()); // header + 4 registrations

    Random random = new Random(8);
    Map<String, Map<String, BigInteger>> byEpoch = new TreeMap<>();
    for (String e : List.of("2026-06-05", "2026-06-11")) {
      List<String> logs = new ArrayList<>();
      int i = 0;
      for (String c : List.of(c0, c2, c3)) {
        String content = training.stream().filter(r -> r.getString(0).equals(c)).findFirst().orElseThrow().getString(1);
        logs.add(MoneyPathGuardsTest.log(e + "-" + i, e + "T0" + i + ":00:00Z",
            "So: " + SpanEval.verbatim(content, 20, random) + " done.", "1000000"));
        i++;
      }
      MoneyPathGuardsTest.logs(t, dir, "l" + e, logs);
      MoneyPathGuardsTest.attribute(t, e);
      MoneyPathGuardsTest.rewards(t, dir, e);
      Map<String, BigInteger> paid = new TreeMap<>();
      for (Row r : t.spark().table(t.table("rewards.epoch_payouts")).filter("epoch = '" + e + "'").collectAsList()) {
        paid.merge(r.getAs("role") + " " + r.getAs("address"), ((BigDecimal) r.getAs("amount_wei")).toBigIntegerExact(),
            BigInteger::add);
      }
      byEpoch.put(e, paid);
    }
    String contributorOfC2 = "contributor " + picked.get(1).getString(2);
    String contributorOfC3 = "contributor " + picked.get(2).getString(2);
    Map<String, BigInteger> e1 = byEpoch.get("2026-06-05");
    Map<String, BigInteger> e2 = byEpoch.get("2026-06-11");
    // one invalid verdict (before 06-10) is not a quorum: c2 and c3 earn in the first epoch
    assertTrue(e1.containsKey(contributorOfC2), e1.toString());
    assertTrue(e1.containsKey(contributorOfC3), e1.toString());
    // from the epoch in which the second validator declared c2 invalid, it earns nothing; c3 still does
    assertTrue(!e2.containsKey(contributorOfC2), e2.toString());
    assertTrue(e2.containsKey(contributorOfC3), e2.toString());
    // the pool: both validators who vouched for the earning c0 while registered; in the second epoch only v0 is
    assertEquals(Set.of(address(0), address(2)), validators(e1));
    assertEquals(Set.of(address(0)), validators(e2));
    // the first epoch audits clean after the registry and the attestations moved on
    assertTrue(new Audit(t.lakehouse()).run("2026-06-05", Progress.SILENT).clean());
  }

  static Set<String> validators(Map<String, BigInteger> paid) {
    return paid.keySet().stream().filter(k -> k.startsWith("validator ")).map(k -> k.substring("validator ".length()))
        .collect(Collectors.toSet());
  }
}
