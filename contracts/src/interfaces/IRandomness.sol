// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IRandomness
/// @notice Source of randomness for verifier and referee draws. Rollup-safe implementations must not
/// use `block.prevrandao` (constant on Arbitrum). The devnet implementation hashes recent blockhashes;
/// a production deployment plugs a VRF or a commit-reveal beacon in behind this interface.
interface IRandomness {
    /// @notice A pseudo-random word for `purpose` (callers mix in their own ids so draws differ).
    /// @dev Must not revert in normal operation; may be grindable on the devnet implementation.
    function randomWord(bytes32 purpose) external view returns (uint256);
}
