// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRandomness} from "./interfaces/IRandomness.sol";

/// @title DevnetRandomness
/// @notice Blockhash-based randomness for the local devnet and tests.
/// @dev NOT for production: the block producer (and anyone who can choose the block a transaction
/// lands in) can grind the word, e.g. to pick which verifiers are drawn. It deliberately avoids
/// `block.prevrandao`, which is constant on Arbitrum, so the same code path works on every rollup
/// devnet. Production deployments plug a VRF or commit-reveal beacon in behind IRandomness.
/// Stateless (no counter), so `randomWord` stays a view: callers make draws differ through `purpose`.
contract DevnetRandomness is IRandomness {
    /// @inheritdoc IRandomness
    function randomWord(bytes32 purpose) external view returns (uint256) {
        // blockhash(block.number - 1) would underflow in the genesis block; 0 is as good a mix there.
        bytes32 prev = block.number > 0 ? blockhash(block.number - 1) : bytes32(0);
        return uint256(keccak256(abi.encode(prev, block.timestamp, purpose)));
    }
}
