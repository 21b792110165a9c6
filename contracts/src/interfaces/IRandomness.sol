// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IRandomness
/// @notice Source of randomness for verifier and referee draws. Rollup-safe implementations must not
/// use `block.prevrandao` (constant on Arbitrum). The devnet implementation hashes blockhashes; a
/// production deployment plugs a VRF or a beacon in behind this interface.
///
/// Committee draws use the two-phase `randomWordAt`: a request schedules its draw at a block number
/// `b` chosen when the triggering transaction executes (its own block), and the draw happens in a later
/// transaction with the word for `b`. What any implementation MUST guarantee for `randomWordAt(b, p)`:
/// (1) unpredictability: nobody who can send or time a transaction that lands in block `b` (in
///     particular a dispute party whose move triggers a request) can know or bias the word before that
///     transaction is irreversibly included, so it cannot choose to send only when the draw suits it;
/// (2) determinism: once `availability(b)` is Ready, every call returns the same word for (b, p);
/// (3) no silent fallback: it never returns a default (e.g. 0) for an unavailable block; it reports
///     Expired so the caller re-schedules.
/// A VRF keyed to `b` or a beacon round published after `b` satisfies this; the devnet's blockhash
/// does too, except against the block producer itself (see DevnetRandomness).
interface IRandomness {
    /// @notice Whether `randomWordAt(blockNumber, ...)` can be answered now.
    enum Availability {
        Pending, // not yet: the block is not in the past (or the beacon has not published it)
        Ready,
        Expired // no longer retrievable: the caller must re-schedule on a newer block
    }

    /// @notice `randomWordAt` for a block that is not Ready.
    error RandomnessUnavailable(uint256 blockNumber, Availability availability);

    /// @notice A pseudo-random word for `purpose` (callers mix in their own ids so draws differ),
    /// drawn now. Grindable by whoever times the calling transaction; kept for draws whose timing the
    /// drawn-for party does not control. Must not revert in normal operation.
    function randomWord(bytes32 purpose) external view returns (uint256);

    /// @notice The word of block `blockNumber` for `purpose`. Reverts RandomnessUnavailable unless
    /// `availability(blockNumber)` is Ready.
    function randomWordAt(uint256 blockNumber, bytes32 purpose) external view returns (uint256);

    /// @notice Pending, Ready or Expired for `blockNumber` at the current block.
    function availability(uint256 blockNumber) external view returns (Availability);
}
