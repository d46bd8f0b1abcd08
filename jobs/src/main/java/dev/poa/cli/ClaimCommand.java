package dev.poa.cli;

import dev.poa.jobs.rewards.Audit;
import dev.poa.settlement.Chain;
import dev.poa.settlement.ContractArtifact;
import dev.poa.settlement.DevTransactor;
import dev.poa.settlement.Distributor;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "claim",
    mixinStandardHelpOptions = true,
    description = {
      "Build (and with --send, send) an address's claim from an epoch's manifest.",
      "",
      "Prints the claim's target and calldata: claim(address, cumulative amount,",
      "proof) against the distributor's latest root. With --send, signs it with",
      "env POA_CLAIM_KEY (or --keystore): anyone may submit a claim, the tokens go to",
      "the address. Use the latest committed epoch: earlier proofs no longer verify.",
    })
final class ClaimCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  @Mixin ChainOptions chain;

  @Option(names = "--epoch", required = true, paramLabel = "E", description = "Epoch id (the latest committed one).")
  String epoch;

  @Option(names = "--address", required = true, paramLabel = "A", description = "The recipient.")
  String address;

  @Option(names = "--send", description = "Send it (needs --rpc and a key).")
  boolean send;

  @Override
  @SuppressWarnings("rawtypes")
  public Integer call() throws Exception {
    var c = root.config();
    Audit.Proof p = new Audit(root.lakehouse()).proof(epoch, address);
    String contract = chain.contract(c);
    String data = Distributor.encode(Distributor.claim(p.address(), p.cumulative(), p.proof()));
    out().printf("claim of %s: cumulative %s wei (this epoch %s)%nto   %s%ndata %s%n", p.address(), p.cumulative(),
        p.epochAmount(), contract, data);
    if (!send) {
      return 0;
    }
    try (Chain node = new Chain(chain.rpc(c, root.env()), ContractArtifact.DISTRIBUTOR)) {
      DevTransactor claimer = new DevTransactor(node, chain.key(root.env(), "POA_CLAIM_KEY"), ContractArtifact.DISTRIBUTOR);
      String token = (String) node.call(claimer.address(), contract, Distributor.token()).get(0).getValue();
      BigInteger before = (BigInteger) node.call(claimer.address(), token, Distributor.balanceOf(p.address())).get(0).getValue();
      var receipt = claimer.send(contract, data);
      BigInteger after = (BigInteger) node.call(claimer.address(), token, Distributor.balanceOf(p.address())).get(0).getValue();
      out().printf("claimed in block %s (%s): %s wei paid to %s%n", receipt.getBlockNumber(),
          receipt.getTransactionHash(), after.subtract(before), p.address());
    }
    return 0;
  }
}
