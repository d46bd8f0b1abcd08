package dev.poa.settlement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/** Reverts are reported by name and arguments, from the compiled ABI. */
class ContractArtifactTest {
  static String revertData(String signature, org.web3j.abi.datatypes.Type<?>... args) {
    String selector = Numeric.toHexString(Hash.sha3(signature.getBytes())).substring(0, 10);
    return selector + FunctionEncoder.encodeConstructor(List.of(args));
  }

  @Test
  void customErrorsOfTheDistributorAndOpenZeppelinAreDecoded() {
    byte[] root = new byte[32];
    root[31] = 7;
    assertEquals("EpochAlreadyCommitted(epoch=3, root=0x" + "00".repeat(31) + "07)", ContractArtifact.DISTRIBUTOR.decodeError(
        revertData("EpochAlreadyCommitted(uint64,bytes32)", new Uint64(3), new Bytes32(root))));
    String account = "0x" + "12".repeat(20);
    String role = Numeric.toHexString(Hash.sha3("SETTLER_ROLE".getBytes()));
    String denied = ContractArtifact.DISTRIBUTOR.decodeError(revertData("AccessControlUnauthorizedAccount(address,bytes32)",
        new Address(account), new Bytes32(Numeric.hexStringToByteArray(role))));
    assertEquals("AccessControlUnauthorizedAccount(account=" + account + ", neededRole=" + role + ")", denied);
    assertEquals("EnforcedPause()", ContractArtifact.DISTRIBUTOR.decodeError(revertData("EnforcedPause()")));
    assertEquals("NothingToClaim(account=" + account + ", cumulativeAmount=5, alreadyClaimed=5)",
        ContractArtifact.DISTRIBUTOR.decodeError(revertData("NothingToClaim(address,uint256,uint256)", new Address(account),
            new Uint256(BigInteger.valueOf(5)), new Uint256(BigInteger.valueOf(5)))));
    assertEquals("Error(message=boom)", ContractArtifact.DISTRIBUTOR.decodeError(revertData("Error(string)",
        new Utf8String("boom"))));
    assertTrue(ContractArtifact.DISTRIBUTOR.decodeError("0xdeadbeef").startsWith("unknown error 0xdeadbeef"));
    assertEquals("reverted without data", ContractArtifact.DISTRIBUTOR.decodeError("0x"));
  }

  @Test
  void theBytecodeIsTheCompiledContract() {
    assertTrue(ContractArtifact.DISTRIBUTOR.bytecode().startsWith("0x6"), "creation code");
    assertTrue(ContractArtifact.TOKEN.bytecode().length() > 1000);
  }
}
