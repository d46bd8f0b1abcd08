package dev.poa.cli;

import dev.poa.jobs.settlement.ChainDeployment;
import dev.poa.settlement.Chain;
import dev.poa.settlement.ContractArtifact;
import dev.poa.settlement.Deployment;
import dev.poa.settlement.DevChain;
import dev.poa.settlement.DevTransactor;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "chain",
    mixinStandardHelpOptions = true,
    description = "Development chain operations.",
    subcommands = {ChainCommand.Deploy.class})
final class ChainCommand extends CliCommand implements Runnable {
  @ParentCommand PoaCli root;

  @Override
  public void run() {
    throw PoaCli.missingSubcommand(spec, "poa chain deploy");
  }

  @Command(
      name = "deploy",
      mixinStandardHelpOptions = true,
      description = {
        "Deploy the test reward token and the rewards distributor to a development chain.",
        "",
        "The deployer (env POA_DEPLOYER_KEY, or --keystore; on chain 31337 the first",
        "test account by default) becomes admin; the settler role goes to --settler",
        "(default: the address of POA_SETTLER_KEY), the pauser role to --pauser",
        "(default: the admin). The distributor is funded with --supply tokens. The",
        "addresses are recorded in <warehouse>/chain/deployment.json, which settle and",
        "claim use when --contract is not given.",
      })
  static final class Deploy extends CliCommand implements Callable<Integer> {
    @ParentCommand ChainCommand parent;

    @Mixin ChainOptions chain;

    @Option(names = "--settler", paramLabel = "ADDRESS", description = "Settler address (default: of POA_SETTLER_KEY).")
    String settler;

    @Option(names = "--pauser", paramLabel = "ADDRESS", description = "Pauser address (default: the admin).")
    String pauser;

    @Option(names = "--supply", defaultValue = "1000000000000000000000000000", paramLabel = "WEI",
        description = "Tokens minted to the distributor (default ${DEFAULT-VALUE}).")
    BigInteger supply;

    @Override
    public Integer call() throws Exception {
      var c = parent.root.config();
      try (Chain node = new Chain(chain.rpc(c, parent.root.env()), ContractArtifact.DISTRIBUTOR)) {
        long chainId = node.chainId();
        Credentials admin = parent.root.env().get("POA_DEPLOYER_KEY") == null && chain.keystore == null && chainId == 31337
            ? Credentials.create(DevChain.DEV_KEYS.get(0)) : chain.key(parent.root.env(), "POA_DEPLOYER_KEY");
        String settlerAddress = settler != null ? settler : chain.key(parent.root.env(), "POA_SETTLER_KEY").getAddress();
        Deployment d = Deployment.deploy(new DevTransactor(node, admin, ContractArtifact.DISTRIBUTOR), settlerAddress,
            pauser != null ? pauser : admin.getAddress(), supply);
        ChainDeployment.save(c.warehouse(), d);
        out().printf("chain %d: token %s, distributor %s (block %d); admin %s, settler %s, pauser %s%nrecorded in %s%n",
            d.chainId(), d.token(), d.distributor(), d.block(), d.admin(), d.settler(), d.pauser(),
            ChainDeployment.file(c.warehouse()));
      }
      return 0;
    }
  }
}
