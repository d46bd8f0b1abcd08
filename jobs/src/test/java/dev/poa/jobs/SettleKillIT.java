package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import dev.poa.SharedSpark.TestLakehouse;
import dev.poa.jobs.rewards.RewardsJob;
import dev.poa.fixtures.ChainFixture;
import dev.poa.settlement.Chain;
import dev.poa.settlement.ContractArtifact;
import dev.poa.settlement.Deployment;
import dev.poa.settlement.DevChain;
import dev.poa.settlement.DevTransactor;
import dev.poa.settlement.Distributor;
import dev.poa.udfs.rewards.RewardPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;

/**
 * {@code poa settle} as its own process, killed with SIGKILL at chosen steps (just journalled,
 * just broadcast, mined but not confirmed) and at random moments, then run to the end: the chain
 * ends with exactly one commit of the epoch and the settler's nonce used once.
 */
class SettleKillIT {
  static final String EPOCH = "2026-06-02";

  @Test
  void settleKilledAnywhereEndsWithExactlyOneCommit(@TempDir Path dir) throws Exception {
    Path warehouse = dir.resolve("lakehouse");
    TestLakehouse t = SharedSpark.lakehouse(new dev.poa.jobs.PoaConfig(warehouse, "poa", Map.of()));
    List<Row> training = IngestFixtures.notesWithAdapter(t, dir, 41, 8, 60);
    new RewardsTest().logsAndAttribution(t, dir, EPOCH, training, "k1", new Random(3));
    String root = new RewardsJob(t.lakehouse(), Progress.SILENT).run(new RewardsJob.Config(EPOCH,
        RewardPolicy.defaults(RewardsTest.TREASURY), dir.resolve("manifests").toUri().toString())).root();

    Credentials settler = Credentials.create(DevChain.DEV_KEYS.get(1));
    try (ChainFixture node = ChainFixture.start(dir.resolve("anvil"));
        Chain chain = new Chain(node.url(), ContractArtifact.DISTRIBUTOR)) {
      Deployment d = Deployment.deploy(new DevTransactor(chain, Credentials.create(DevChain.DEV_KEYS.get(0)),
          ContractArtifact.DISTRIBUTOR), settler.getAddress(), settler.getAddress(), BigInteger.TEN.pow(30));
      BigInteger nonce = chain.nonce(settler.getAddress(), false);
      AtomicBoolean stop = new AtomicBoolean();
      CompletableFuture<Void> miner = SettlementTest.miner(chain, stop, 400);
      List<String> outputs = new ArrayList<>();
      try {
        Random random = new Random(7);
        List<Object> killPoints = List.of("journalled", 1500L + random.nextInt(6000), "broadcast ",
            1500L + random.nextInt(6000), "mined in block");
        for (Object killAt : killPoints) {
          outputs.add(run(warehouse, node.url(), d.distributor(), settler, killAt));
        }
        // the last run takes the key from an encrypted keystore instead of the environment
        Path keystore = dir.resolve("keystore");
        java.nio.file.Files.createDirectories(keystore);
        String file = org.web3j.crypto.WalletUtils.generateWalletFile("k3y-pass", settler.getEcKeyPair(), keystore.toFile(),
            false);
        String last = run(warehouse, node.url(), d.distributor(), settler, keystore.resolve(file));
        assertTrue(last.contains("epoch committed") || last.contains("already committed"), String.join("\n---\n", outputs)
            + "\n---\n" + last);
      } finally {
        stop.set(true);
        miner.get(10, TimeUnit.SECONDS);
      }
      // what each run did, in the test report
      System.out.println(String.join("\n---\n", outputs));
      BigInteger used = chain.nonce(settler.getAddress(), false).subtract(nonce);
      assertEquals(BigInteger.ONE, used, "one transaction from the settler in all:\n" + String.join("\n---\n", outputs));
      @SuppressWarnings("rawtypes")
      List<org.web3j.abi.datatypes.Type> onChain = chain.call(settler.getAddress(), d.distributor(), Distributor.epochRoot(1));
      assertEquals(root, org.web3j.utils.Numeric.toHexString((byte[]) onChain.get(0).getValue()));
      assertEquals(BigInteger.ONE, chain.call(settler.getAddress(), d.distributor(), Distributor.lastEpoch()).get(0).getValue());
    }
  }

  /**
   * Runs poa settle; kills it (SIGKILL) when a line contains {@code killAt} (a String), or after
   * {@code killAt} ms (a Long); a Path is a keystore to sign with, and the run goes to the end.
   */
  static String run(Path warehouse, String rpc, String contract, Credentials key, Object killAt) throws Exception {
    List<String> cmd = new ArrayList<>(KillAndRerunIT.command(warehouse, "settle", "--epoch", EPOCH, "--rpc", rpc,
        "--contract", contract, "--confirmations", "3", "--timeout", "60"));
    if (killAt instanceof Path keystore) {
      cmd.addAll(List.of("--keystore", keystore.toString()));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (killAt instanceof Path) {
      pb.environment().put("POA_KEYSTORE_PASSWORD", "k3y-pass");
    } else {
      pb.environment().put("POA_SETTLER_KEY", org.web3j.utils.Numeric.toHexStringWithPrefixZeroPadded(
          key.getEcKeyPair().getPrivateKey(), 64));
    }
    Process p = pb.start();
    if (killAt instanceof Long ms) {
      CompletableFuture.runAsync(() -> {
        try {
          if (!p.waitFor(ms, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
          }
        } catch (InterruptedException e) {
          p.destroyForcibly();
        }
      });
    }
    StringBuilder out = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.append(line).append('\n');
        if (killAt instanceof String s && line.contains(s)) {
          p.destroyForcibly(); // SIGKILL: no shutdown hooks
          break;
        }
      }
    }
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "poa settle did not finish:\n" + out);
    assertTrue(!out.toString().contains(key.getEcKeyPair().getPrivateKey().toString(16)), "the key must never be printed");
    return "kill at " + killAt + ", exit " + p.exitValue() + ":\n" + out;
  }
}
