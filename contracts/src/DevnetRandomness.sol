// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRandomness} from "./interfaces/IRandomness.sol";

/// @title DevnetRandomness
/// @notice Blockhash-based randomness for the local devnet and tests.
/// @dev NOT for production: the block producer (sequencer) can grind blockhashes, e.g. to pick who is
/// drawn. Against everyone else it keeps the IRandomness timing guarantees: `randomWordAt(b, p)` is
/// keccak(blockhash(b), p), and blockhash(b) commits to every transaction in block b, so the party
/// whose transaction lands in b (a request scheduled "at its own block") cannot know the word when it
/// sends that transaction. On an automining devnet (one block per transaction) the word of the
/// request's block is Ready in the very next block, so the next transaction can already draw.
/// blockhash is only available for the 256 most recent blocks: older blocks are Expired, never 0.
/// It avoids `block.prevrandao`, which is constant on Arbitrum, so the same code path works on every
/// rollup devnet. Stateless, so every function is a view: callers make draws differ through `purpose`.
contract DevnetRandomness is IRandomness {
    /// @notice How many recent blocks the EVM keeps blockhashes for.
    uint256 public constant BLOCKHASH_WINDOW = 256;

    /// @inheritdoc IRandomness
    function randomWord(bytes32 purpose) external view returns (uint256) {
        // blockhash(block.number - 1) would underflow in the genesis block; 0 is as good a mix there.
        bytes32 prev = block.number > 0 ? blockhash(block.number - 1) : bytes32(0);
        return uint256(keccak256(abi.encode(prev, block.timestamp, purpose)));
    }

    /// @inheritdoc IRandomness
    function randomWordAt(uint256 blockNumber, bytes32 purpose) external view returns (uint256) {
        Availability a = _availability(blockNumber);
        // INVARIANT: never a word for a block whose hash is unknown yet or forgotten (would be 0).
        if (a != Availability.Ready) revert RandomnessUnavailable(blockNumber, a);
        return uint256(keccak256(abi.encode(blockhash(blockNumber), purpose)));
    }

    /// @inheritdoc IRandomness
    function availability(uint256 blockNumber) external view returns (Availability) {
        return _availability(blockNumber);
    }

    function _availability(uint256 blockNumber) private view returns (Availability) {
        if (blockNumber >= block.number) return Availability.Pending;
        if (block.number - blockNumber > BLOCKHASH_WINDOW) return Availability.Expired;
        return Availability.Ready;
    }
}
