// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title poa rewards distributor
/// @notice Holds the reward token and the Merkle root of each finalised poa epoch. Leaves are
/// (account, cumulative amount over all epochs so far), hashed as OpenZeppelin's
/// StandardMerkleTree does; a claim against the latest root pays the difference between the
/// cumulative amount and what the account already claimed.
contract RewardsDistributor is AccessControl, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    IERC20 public immutable token;

    /// @notice The last committed epoch (epochs are numbered 1, 2, 3, ... in commit order; 0 = none).
    uint64 public lastEpoch;
    /// @notice The root of the last committed epoch: claims are proven against it.
    bytes32 public latestRoot;
    /// @notice The cumulative total of the last committed epoch (never decreases).
    uint256 public totalCommitted;
    /// @notice Everything paid out by claims.
    uint256 public totalClaimed;
    /// @notice What each account has claimed so far, cumulatively.
    mapping(address account => uint256) public claimed;
    /// @notice The sha256 of each epoch's manifest file.
    mapping(uint64 epoch => bytes32) public manifestHash;

    mapping(uint64 epoch => bytes32) private _roots;

    error EpochAlreadyCommitted(uint64 epoch, bytes32 root);
    error EpochOutOfSequence(uint64 epoch, uint64 expected);
    error ZeroRoot();
    error TotalDecreased(uint256 total, uint256 previous);
    error InvalidProof(address account, uint256 cumulativeAmount);
    error NothingToClaim(address account, uint256 cumulativeAmount, uint256 alreadyClaimed);
    error ZeroAddress();

    event EpochCommitted(uint64 indexed epoch, bytes32 root, uint256 total, bytes32 manifestHash);
    event Claimed(address indexed account, uint256 amount, uint256 cumulativeAmount, uint64 epoch);

    constructor(IERC20 token_, address admin, address settler, address pauser) {
        if (address(token_) == address(0) || admin == address(0)) revert ZeroAddress();
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (settler != address(0)) _grantRole(SETTLER_ROLE, settler);
        if (pauser != address(0)) _grantRole(PAUSER_ROLE, pauser);
    }

    /// @notice Commits an epoch's root, once: the epoch must be the next one, the root is
    /// write-once, the cumulative total never decreases.
    function commitEpoch(uint64 epoch, bytes32 root, uint256 total, bytes32 manifestHash_)
        external
        onlyRole(SETTLER_ROLE)
        whenNotPaused
    {
        bytes32 existing = _roots[epoch];
        if (existing != bytes32(0)) revert EpochAlreadyCommitted(epoch, existing);
        if (epoch != lastEpoch + 1) revert EpochOutOfSequence(epoch, lastEpoch + 1);
        if (root == bytes32(0)) revert ZeroRoot();
        if (total < totalCommitted) revert TotalDecreased(total, totalCommitted);
        _roots[epoch] = root;
        manifestHash[epoch] = manifestHash_;
        lastEpoch = epoch;
        latestRoot = root;
        totalCommitted = total;
        emit EpochCommitted(epoch, root, total, manifestHash_);
    }

    /// @notice Pays `account` its cumulative amount (proven against the latest root) minus what
    /// it already claimed. Anyone may submit the claim; the tokens go to `account`.
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 amount)
    {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, latestRoot, leaf)) revert InvalidProof(account, cumulativeAmount);
        uint256 already = claimed[account];
        if (cumulativeAmount <= already) revert NothingToClaim(account, cumulativeAmount, already);
        amount = cumulativeAmount - already;
        claimed[account] = cumulativeAmount;
        totalClaimed += amount;
        token.safeTransfer(account, amount);
        emit Claimed(account, amount, cumulativeAmount, lastEpoch);
    }

    /// @notice The root of an epoch (zero when not committed).
    function epochRoot(uint64 epoch) external view returns (bytes32) {
        return _roots[epoch];
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }
}
