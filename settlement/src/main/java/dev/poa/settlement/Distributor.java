package dev.poa.settlement;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.utils.Numeric;

/** ABI encodings of the RewardsDistributor's and the test token's functions (Web3j FunctionEncoder). */
public final class Distributor {
  private Distributor() {}

  /** topic 0 of {@code EpochCommitted(uint64 indexed epoch, bytes32 root, uint256 total, bytes32 manifestHash)}. */
  public static final String EPOCH_COMMITTED_TOPIC =
      org.web3j.crypto.Hash.sha3String("EpochCommitted(uint64,bytes32,uint256,bytes32)");

  /** The indexed epoch of an EpochCommitted event, as its topic. */
  public static String epochTopic(long epoch) {
    return Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(epoch), 64);
  }

  public static Function commitEpoch(long epoch, String root, BigInteger total, String manifestHash) {
    return new Function("commitEpoch", List.of(new Uint64(epoch), bytes32(root), new Uint256(total), bytes32(manifestHash)),
        List.of());
  }

  public static Function claim(String account, BigInteger cumulative, List<String> proof) {
    List<Bytes32> p = new ArrayList<>();
    proof.forEach(x -> p.add(bytes32(x)));
    return new Function("claim", List.of(new Address(account), new Uint256(cumulative),
        new DynamicArray<>(Bytes32.class, p)), List.of(new TypeReference<Uint256>() {}));
  }

  public static Function epochRoot(long epoch) {
    return new Function("epochRoot", List.of(new Uint64(epoch)), List.of(new TypeReference<Bytes32>() {}));
  }

  public static Function lastEpoch() {
    return view("lastEpoch", new TypeReference<Uint64>() {});
  }

  public static Function latestRoot() {
    return view("latestRoot", new TypeReference<Bytes32>() {});
  }

  public static Function totalCommitted() {
    return view("totalCommitted", new TypeReference<Uint256>() {});
  }

  public static Function totalClaimed() {
    return view("totalClaimed", new TypeReference<Uint256>() {});
  }

  public static Function token() {
    return view("token", new TypeReference<Address>() {});
  }

  public static Function paused() {
    return view("paused", new TypeReference<Bool>() {});
  }

  public static Function claimed(String account) {
    return new Function("claimed", List.of(new Address(account)), List.of(new TypeReference<Uint256>() {}));
  }

  public static Function pause() {
    return new Function("pause", List.of(), List.of());
  }

  public static Function unpause() {
    return new Function("unpause", List.of(), List.of());
  }

  public static Function balanceOf(String account) {
    return new Function("balanceOf", List.of(new Address(account)), List.of(new TypeReference<Uint256>() {}));
  }

  public static Function mint(String to, BigInteger amount) {
    return new Function("mint", List.of(new Address(to), new Uint256(amount)), List.of());
  }

  /** Creation data: the bytecode followed by the ABI-encoded constructor arguments. */
  @SuppressWarnings("rawtypes")
  public static String deployData(ContractArtifact contract, List<Type> constructorArgs) {
    return contract.bytecode() + FunctionEncoder.encodeConstructor(constructorArgs);
  }

  public static String encode(Function f) {
    return FunctionEncoder.encode(f);
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static Function view(String name, TypeReference<?> out) {
    return new Function(name, Collections.emptyList(), List.of((TypeReference) out));
  }

  static Bytes32 bytes32(String hex) {
    byte[] b = Numeric.hexStringToByteArray(hex);
    if (b.length != 32) {
      throw new IllegalArgumentException("not 32 bytes: " + hex);
    }
    return new Bytes32(b);
  }
}
