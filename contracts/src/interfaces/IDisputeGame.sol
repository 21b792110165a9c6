// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId, GameId, RequestId, StateHash, GameStatus, Party} from "../types/Types.sol";

/// @title IDisputeGame
/// @notice One independent 1-vs-1 game per (job, challenger); games on a job run in parallel and the
/// job cannot finalize while any is open.
///
/// Phase 1 (StepBisection): the interval (lo, hi) over step indices, with the agreed hash h_lo and the
/// disputed hash h_hi, starts at (0, T) with h_0 = job.initialState and h_T = job.finalState.
/// Each round the solver opens m = min(k-1, hi-lo-1) interior points p_i = lo + i*(hi-lo)/(m+1)
/// (integer division, i = 1..m) with Merkle proofs against job.traceRoot (`open`), then the
/// challenger names the first point it disagrees with (`choose`): index d in [0, m] means it agrees with
/// p_1..p_d and disagrees with p_{d+1} (p_{m+1} = hi). When hi = lo + 1 the disputed step is s = hi.
///
/// Phase 2 (AwaitingOpTrace, OpBisection): the solver commits the op-trace root of step s, a LibMerkle
/// tree over N+1 leaves r_0..r_N where r_0 must equal h_{s-1} and r_N must equal h_s (both checked here,
/// with proofs), then the same bisection runs over (0, N) against that root. N is the job's
/// `opsPerStep`, committed by the submitter at posting and checked by the solver before claiming; the
/// solver cannot choose it (with a free N, an honest prefix r_0..r_{N'} ending at a claimed h_s would
/// win every round).
///
/// Phase 3 (Adjudicating): when the op interval is (j-1, j), the adjudicator recomputes position j
/// from the agreed r_{j-1}. Two kinds of position exist, and the adjudicator tells them apart by
/// `opIndex` against N: 1 <= j < N is operator j of the step's graph (recomputed from its agreed inputs);
/// j == N is the end state: h_s, the state hash after the step's last operator (recomputed by
/// re-running step s from h_{s-1}, since agreeing on r_{N-1} agrees on every record of the step).
/// If the answer equals the solver's r_j the solver wins, else the challenger wins.
///
/// Chess clocks: each party has `clockBudget` seconds; the mover's clock runs from the last move.
/// After every move the opponent's remaining time is topped up to at least `minClockExtension`.
/// `timeout` ends the game against a party whose clock ran out.
///
/// Bounded: a game takes at most ceil(log_k T) + ceil(log_k N) rounds (one `open` + one `choose`
/// each) plus MOVE_OVERHEAD other moves (challenge, commitOpTrace, adjudication).
///
/// Payouts (pull, credited in StakeManager): challenger wins -> bond back, and (through JobMarket)
/// the solver's stake is slashed after the reveal window. Solver wins -> the challenger's bond is
/// split: `slashWinnerShareBps` to the solver, the rest to the treasury.
interface IDisputeGame {
    /// @notice A game as seen from outside. Storage is packed differently (see DisputeGame): this is
    /// the decoded view `getGame` returns.
    struct Game {
        address challenger;
        GameStatus status;
        Party turn;
        uint32 lo; // agreed position
        uint32 hi; // disputed position
        uint16 rounds; // open+choose rounds played so far
        address solver; // the job's solver (copied at `challenge`)
        JobId jobId;
        uint64 lastMoveAt;
        uint64 solverClock; // seconds left on the solver's clock as of lastMoveAt
        uint64 challengerClock; // seconds left on the challenger's clock as of lastMoveAt
        uint32 step; // disputed step s (phase 2+), 0 before
        uint32 nOps; // N: records r_0..r_N of step s's op trace (phase 2+), 0 before
        StateHash loHash; // agreed hash at lo
        StateHash hiHash; // disputed hash at hi (the solver's claim)
        bytes32 opRoot; // phase 2 op-trace root (0 before)
        bytes32 openingsHash; // keccak256(abi.encode(openings)) of the pending or last `open`
        uint128 bond;
        RequestId requestId; // adjudication request (phase 3)
    }

    // ---------------------------------------------------------------- errors
    error UnknownGame(GameId gameId);
    error NotJobMarket(address caller);
    error NotAdjudicator(address caller);
    /// @notice The job's result is `actual`, the move named `named` (reorg safety).
    error WrongFinalState(JobId jobId, StateHash named, StateHash actual);
    error WrongBond(uint256 sent, uint256 required);
    error ChallengerIsSolver(JobId jobId, address challenger);
    error WrongStatus(GameId gameId, GameStatus actual);
    /// @notice It is `turn`'s move, not the caller's.
    error NotYourTurn(GameId gameId, address caller, Party turn);
    /// @notice The move named an interval that is not the game's current one (reorg safety).
    error StaleMove(GameId gameId, uint256 lo, uint256 hi, uint256 namedLo, uint256 namedHi);
    /// @notice `open` with the wrong number of openings or proofs.
    error WrongOpeningCount(GameId gameId, uint256 given, uint256 expected);
    /// @notice The Merkle proof of position `position` does not verify against the committed root.
    error InvalidProof(GameId gameId, uint256 position);
    /// @notice `choose` re-sent openings different from the ones the solver opened.
    error OpeningsMismatch(GameId gameId);
    error IndexOutOfRange(GameId gameId, uint256 index, uint256 maximum);
    /// @notice The named disputed hash is not the one at the chosen position (reorg safety).
    error WrongDisputedHash(GameId gameId, StateHash named, StateHash actual);
    /// @notice The op trace's leaf `leaf` (0 or N) is not proven to be `expected` (h_{s-1} or h_s).
    error OpTraceNotBound(GameId gameId, uint256 leaf, StateHash expected);
    /// @notice `commitOpTrace` named `nOps` records, but every step of the job has `expected`
    /// (IJobMarket.Job.opsPerStep, committed when the job was posted).
    error WrongOpCount(GameId gameId, uint256 nOps, uint256 expected);
    /// @notice `timeout` while the mover still has time.
    error ClockNotExpired(GameId gameId, Party turn, uint256 remaining);
    error ZeroRoot();
    /// @notice `challenger` already plays the unresolved game `gameId` on `jobId`.
    error GameAlreadyOpen(JobId jobId, address challenger, GameId gameId);
    /// @notice `party` moved after its clock ran out (the opponent can call `timeout`).
    error ClockExpired(GameId gameId, Party party);
    /// @notice The job has no steps to dispute.
    error NoSteps(JobId jobId);
    /// @notice A value does not fit the game's packed storage.
    error TooLarge(string name, uint256 value);

    // ---------------------------------------------------------------- events
    event GameStarted(
        GameId indexed gameId, JobId indexed jobId, address indexed challenger, uint32 steps, uint256 bond
    );
    /// @notice The solver opened `hashes` at `positions` (phase 1 steps or phase 2 ops).
    event Opened(GameId indexed gameId, GameStatus phase, uint32[] positions, StateHash[] hashes);
    /// @notice The challenger narrowed the interval to (lo, hi).
    event Narrowed(
        GameId indexed gameId, GameStatus phase, uint32 lo, uint32 hi, StateHash loHash, StateHash hiHash
    );
    event StepIsolated(GameId indexed gameId, uint32 step, StateHash before, StateHash claimedAfter);
    event OpTraceCommitted(GameId indexed gameId, bytes32 opRoot, uint32 nOps);
    event AdjudicationRequested(
        GameId indexed gameId, RequestId indexed requestId, uint32 step, uint32 opIndex
    );
    event GameResolved(GameId indexed gameId, JobId indexed jobId, GameStatus outcome, string reason);

    // ---------------------------------------------------------------- moves
    /// @notice Open a game against `jobId`'s result, naming the final state you dispute.
    /// `msg.value` must equal the job's `challengeBond`.
    function challenge(JobId jobId, StateHash disputedFinal) external payable returns (GameId gameId);

    /// @notice Solver: open the interior points of (lo, hi) with proofs against the current root.
    function open(
        GameId gameId,
        uint32 lo,
        uint32 hi,
        StateHash[] calldata hashes,
        bytes32[][] calldata proofs
    ) external;

    /// @notice Challenger: agree with openings[0..index-1], disagree with openings[index] (index ==
    /// openings.length disputes hi again). Re-sends the pending openings and names the disputed hash.
    function choose(
        GameId gameId,
        uint32 lo,
        uint32 hi,
        StateHash[] calldata openings,
        uint256 index,
        StateHash disputed
    ) external;

    /// @notice Solver: commit the op trace r_0..r_N of the isolated step; `nOps` must equal the job's
    /// `opsPerStep` (reverts WrongOpCount otherwise).
    function commitOpTrace(
        GameId gameId,
        bytes32 opRoot,
        uint32 nOps,
        bytes32[] calldata firstProof,
        bytes32[] calldata lastProof
    ) external;

    /// @notice End the game against the party whose clock ran out.
    function timeout(GameId gameId) external;

    /// @notice Adjudicator only: the correct output of the disputed operator.
    function onAdjudicated(GameId gameId, StateHash correctOutput) external;

    // ---------------------------------------------------------------- views
    function getGame(GameId gameId) external view returns (Game memory);
    /// @notice Positions the solver must open next (empty if not in a bisection phase).
    function nextPositions(GameId gameId) external view returns (uint32[] memory);
    /// @notice Seconds left on each clock now.
    function clocks(GameId gameId) external view returns (uint256 solverLeft, uint256 challengerLeft);
    function gameCount() external view returns (uint256);
    function gameOf(JobId jobId, address challenger) external view returns (GameId);
    /// @notice Whether the challenger won `gameId` by adjudication (the adjudicator ruled the solver's
    /// operator `opIndex` of step `step` wrong), and where. False (and zeros) for a game still running,
    /// won by the solver, or won on time. JobMarket records it when the game resolves, and a
    /// forced-error reveal must name such a location (IForcedErrorRegistry.reveal).
    function adjudicatedAt(GameId gameId) external view returns (bool won, uint32 step, uint32 opIndex);
    /// @notice Upper bound on moves for (T, N, k): ceil(log_k T) + ceil(log_k N) rounds + overhead.
    function maxRounds(uint256 steps, uint256 nOps, uint256 k) external pure returns (uint256);
    /// @notice Sum of bonds held (for the solvency invariant).
    function totalBonds() external view returns (uint256);
}
