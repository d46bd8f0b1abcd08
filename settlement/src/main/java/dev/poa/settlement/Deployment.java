package dev.poa.settlement;

import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.datatypes.Address;

/**
 * Deploys the reward token (test token: dev chains only) and the distributor, grants the
 * settler and pauser roles, and funds the distributor with {@code supply} tokens.
 */
public record Deployment(long chainId, String token, String distributor, String admin, String settler, String pauser,
    long block) {
  public static Deployment deploy(DevTransactor admin, String settler, String pauser, BigInteger supply) {
    var tokenReceipt = admin.send(null, Distributor.deployData(ContractArtifact.TOKEN, List.of(new Address(admin.address()))));
    String token = tokenReceipt.getContractAddress();
    var d = admin.send(null, Distributor.deployData(ContractArtifact.DISTRIBUTOR, List.of(new Address(token),
        new Address(admin.address()), new Address(settler), new Address(pauser))));
    String distributor = d.getContractAddress();
    admin.send(token, Distributor.encode(Distributor.mint(distributor, supply)));
    return new Deployment(admin.chainId(), token, distributor, admin.address(), settler, pauser,
        d.getBlockNumber().longValueExact());
  }
}
