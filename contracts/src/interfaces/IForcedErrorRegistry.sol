// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId} from "../types/Types.sol";

/// @title IForcedErrorRegistry
/// @notice The jackpot that keeps verifiers honest. Funded by the protocol tax on every job (and by
/// donations). Every `submitResult` carries a `sealedTag`; for a honeypot it is
/// `keccak256(abi.encode(jobId, salt, whistleblower))`, for an honest solver random, so honeypots look
/// like any other job. A registered whistleblower reveals `(jobId, salt)` inside the job's reveal
/// window: the challenger who won a game on the job gets the jackpot, verifiers who attested are
/// slashed, and the honeypot solver is spared. Reveals are rate-limited per whistleblower so a cheater
/// cannot hide a real error behind a "forced" label.
///
/// Jackpot (Truebit rule): `verificationCost * 10_000 / forcedErrorRateBps`, capped at
/// `maxJackpotShareBps` of the pool.
///
/// Honeypot funding: the whistleblower posts and solves honeypots from accounts other than its
/// registered one, and the pool pays nothing while a honeypot is live, so nothing on-chain marks one.
/// The reveal reimburses what the honeypot cost (the protocol tax it paid and, if it finalized, the
/// fees its attesters took; see IJobMarket.onForcedErrorRevealed) to the job's submitter, capped at
/// `maxReimbursementShareBps` of the pool left after the jackpot. So the pool funds honeypots, but
/// only once they are proven, and only to the account that paid.
interface IForcedErrorRegistry {
    struct Params {
        uint128 verificationCost; // estimated cost (wei) of verifying one job
        uint16 forcedErrorRateBps; // expected honeypot rate p (1..10_000)
        uint16 maxJackpotShareBps; // cap: share of the pool one jackpot may take
        uint16 maxReimbursementShareBps; // cap: share of the pool left after the jackpot (0: none)
        uint16 maxRevealsPerWindow; // rate limit per whistleblower
        uint64 rateWindow; // seconds
        uint128 minWhistleblowerStake; // Whistleblower-role stake needed to register
    }

    error NotOwner(address caller, address owner);
    error NotWhistleblower(address caller);
    error AlreadyRegistered(address whistleblower);
    error InsufficientWhistleblowerStake(address whistleblower, uint256 staked, uint256 required);
    /// @notice `keccak256(abi.encode(jobId, salt, msg.sender))` is not the job's sealed tag.
    error TagMismatch(JobId jobId, bytes32 expected, bytes32 computed);
    error AlreadyRevealed(JobId jobId);
    error RateLimited(address whistleblower, uint256 revealsInWindow, uint256 maximum, uint256 windowEndsAt);
    error InvalidParams(string name, uint256 value);
    error ZeroAddress();

    event Funded(address indexed from, uint256 amount, uint256 pool);
    event WhistleblowerRegistered(address indexed whistleblower);
    event WhistleblowerRemoved(address indexed whistleblower);
    event ForcedErrorRevealed(
        JobId indexed jobId, address indexed whistleblower, address indexed winningChallenger, uint256 jackpot
    );
    /// @notice The reveal of `jobId` credited `reimbursed` of the honeypot's `cost` to its `submitter`
    /// (less than `cost` when the pool share cap binds).
    event HoneypotReimbursed(
        JobId indexed jobId, address indexed submitter, uint256 cost, uint256 reimbursed
    );
    event ParamsSet(Params params);

    /// @notice Add `msg.value` to the jackpot pool (JobMarket sends the protocol tax here).
    function fund() external payable;

    function registerWhistleblower(address whistleblower) external;
    function removeWhistleblower(address whistleblower) external;

    /// @notice Reveal a honeypot. Pays the jackpot (credit in StakeManager) to the winning challenger
    /// and reimburses the honeypot's cost (credit) to the job's submitter, both from the pool.
    function reveal(JobId jobId, bytes32 salt) external returns (uint256 jackpot, uint256 reimbursed);

    /// @notice The tag a whistleblower seals into a honeypot result.
    function sealedTagFor(JobId jobId, bytes32 salt, address whistleblower) external pure returns (bytes32);
    function jackpotAmount() external view returns (uint256);
    /// @notice What a reveal would reimburse now for a honeypot that cost `cost`, after paying `jackpot`.
    function reimbursementAmount(uint256 cost, uint256 jackpot) external view returns (uint256);
    function pool() external view returns (uint256);
    function isWhistleblower(address account) external view returns (bool);
    function revealed(JobId jobId) external view returns (bool);
    function params() external view returns (Params memory);
    function setParams(Params calldata newParams) external;
}
