// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId} from "../types/Types.sol";

/// @title IForcedErrorRegistry
/// @notice The jackpot that keeps verifiers honest. Funded by the protocol tax on every job (and by
/// donations). Every `submitResult` carries a `sealedTag`; for a honeypot it is
/// `sealedTagFor(jobId, salt, whistleblower, step, opIndex)`, committing where the honeypot solver
/// erred on purpose; for an honest solver it is random, so honeypots look like any other job. A
/// honeypot errs at the END STATE of step `step`: its op records of that step are honest and its
/// h_step (in its traceRoot) is wrong, so `opIndex` is the job's opsPerStep N. A registered whistleblower
/// reveals `(jobId, salt, step, opIndex)` inside the job's reveal window, and the reveal counts only if
/// a game on the job was won by ADJUDICATION exactly there: the referee court recomputed step `step`
/// and ruled the solver's h_step wrong (else ErrorNotProven). A reveal thus proves the committed result
/// wrong, so a whistleblower cannot post a correct job under a sealed tag and have its honest attesters
/// slashed — not even with its own solver and challenger staging a game: a ruling at an operator j < N
/// only proves the op trace committed during the game wrong, and a correct h_step wins at N. If nobody challenged its honeypot, the whistleblower challenges it
/// itself before the challenge window closes, so lazy attesters are still proven lazy.
///
/// A reveal slashes the verifiers who attested, spares the honeypot solver, and pays the jackpot in
/// equal parts to the DRAWN verifiers of the job (assigned by its random draw) who won a game at the
/// forced location; with none, no jackpot is paid (it stays in the pool). The whistleblower's own
/// challenger is not a drawn verifier, so it collects neither the jackpot nor the attesters' slash
/// (that goes to the treasury): planting honeypots pays the whistleblower nothing beyond its costs.
/// Reveals are rate-limited per whistleblower (a sliding window: at most `maxRevealsPerWindow` in any
/// `rateWindow` seconds) so a cheater colluding with a whistleblower cannot hide many real errors
/// behind a "forced" label (that still needs a real, adjudicated error at the sealed location).
///
/// Whistleblower stake: counted less any pending withdrawal, so a whistleblower that starts to leave
/// stops revealing. It is not slashed for a false reveal because a false reveal cannot succeed: the
/// location must carry an adjudicated error. (Residual: op traces are committed in the game, so a
/// whistleblower that controls both the solver and a challenger of a CORRECT job can lose that game
/// at an operator of its choosing; it gains nothing by it, since the jackpot and the attesters'
/// winner share go only to drawn verifiers who won there, but honest attesters would be slashed.
/// Closing it needs op-trace roots committed with the result; see docs/protocol.md.)
///
/// Jackpot (Truebit rule): `verificationCost * 10_000 / forcedErrorRateBps`, capped at
/// `maxJackpotShareBps` of the pool.
///
/// Honeypot funding: the whistleblower posts and solves honeypots from accounts other than its
/// registered one, and the pool pays nothing while a honeypot is live, so nothing on-chain marks one.
/// The reveal reimburses what the honeypot cost (the protocol tax it paid; its budget was refunded when
/// it failed; see IJobMarket.onForcedErrorRevealed) to the job's submitter, capped at
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
    /// @notice `sealedTagFor(jobId, salt, msg.sender, step, opIndex)` is not the job's sealed tag.
    error TagMismatch(JobId jobId, bytes32 expected, bytes32 computed);
    /// @notice No game on `jobId` was won by adjudication at (`step`, `opIndex`), or `opIndex` is not the
    /// end state N of the step (only an end-state ruling proves the committed result wrong).
    error ErrorNotProven(JobId jobId, uint32 step, uint32 opIndex);
    error AlreadyRevealed(JobId jobId);
    error RateLimited(address whistleblower, uint256 revealsInWindow, uint256 maximum, uint256 windowEndsAt);
    error InvalidParams(string name, uint256 value);
    error ZeroAddress();

    event Funded(address indexed from, uint256 amount, uint256 pool);
    event WhistleblowerRegistered(address indexed whistleblower);
    event WhistleblowerRemoved(address indexed whistleblower);
    /// @notice `jobId` was revealed a forced error at operator `opIndex` of step `step`; `jackpot` was
    /// split equally among the `winners` drawn verifiers who won a game there (0 when none did).
    event ForcedErrorRevealed(
        JobId indexed jobId,
        address indexed whistleblower,
        uint32 step,
        uint32 opIndex,
        uint256 winners,
        uint256 jackpot
    );
    /// @notice `winner`'s part of the jackpot of `jobId`'s reveal was credited.
    event JackpotPaid(JobId indexed jobId, address indexed winner, uint256 amount);
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

    /// @notice Reveal a honeypot whose error was forced at operator `opIndex` of step `step`. Reverts
    /// ErrorNotProven unless a game on the job was won by adjudication there. Pays the jackpot (credits
    /// in StakeManager) in equal parts to the drawn verifiers who won there (none: no jackpot) and
    /// reimburses the honeypot's cost (credit) to the job's submitter, both from the pool.
    function reveal(JobId jobId, bytes32 salt, uint32 step, uint32 opIndex)
        external
        returns (uint256 jackpot, uint256 reimbursed);

    /// @notice The tag a whistleblower seals into a honeypot result that errs at (step, opIndex):
    /// `keccak256(abi.encode(jobId, salt, whistleblower, step, opIndex))`.
    function sealedTagFor(JobId jobId, bytes32 salt, address whistleblower, uint32 step, uint32 opIndex)
        external
        pure
        returns (bytes32);
    /// @notice The earliest time `whistleblower`'s next reveal passes the rate limit (at or before now:
    /// it may reveal now).
    function nextRevealAt(address whistleblower) external view returns (uint256);
    function jackpotAmount() external view returns (uint256);
    /// @notice What a reveal would reimburse now for a honeypot that cost `cost`, after paying `jackpot`.
    function reimbursementAmount(uint256 cost, uint256 jackpot) external view returns (uint256);
    function pool() external view returns (uint256);
    function isWhistleblower(address account) external view returns (bool);
    function revealed(JobId jobId) external view returns (bool);
    function params() external view returns (Params memory);
    function setParams(Params calldata newParams) external;
}
