// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId, GameId, StateHash, JobStatus} from "../types/Types.sol";

/// @title IJobMarket
/// @notice Escrow and lifecycle of training jobs.
///
/// Lifecycle: `postJob` (budget escrowed, protocol tax sent to the jackpot) -> `claimJob` (solver stake
/// locked) -> `submitResult` (k verifiers drawn and their stake locked, challenge window opens) ->
/// verifiers `attest` or challenge through DisputeGame -> `finalize` (solver and attesters credited)
/// or, if a challenger wins a game, the job is Failed: the submitter is refunded at once and, after the
/// reveal window, `settleFailure` slashes the solver (share to the winning challenger) and releases the
/// verifiers. A forced-error reveal (ForcedErrorRegistry) inside the reveal window spares the honeypot
/// solver and slashes the attesters: only a forced error proves an attester did not check, since a
/// solver can lose a game on purpose from a second address.
///
/// Every economic parameter is snapshotted into the job at `postJob`.
interface IJobMarket {
    /// @notice Governance parameters; a copy is stored in every job when it is posted.
    struct Params {
        uint128 solverStake; // stake locked from the solver at claim
        uint128 verifierStake; // stake locked from each assigned verifier
        uint128 challengeBond; // bond a challenger posts to open a game
        uint64 claimWindow; // seconds after posting during which the job can be claimed
        uint64 solveWindow; // seconds after claiming within which the result must be submitted
        uint64 challengeWindow; // seconds after submission during which verifiers attest / anyone challenges
        uint64 revealWindow; // seconds after failure/finalization during which a forced error can be revealed
        uint64 clockBudget; // seconds on each party's chess clock in a game
        uint64 minClockExtension; // a party's clock is topped up to at least this after each opponent move
        uint16 verifiersPerJob; // k verifiers drawn at submission (0..MAX_VERIFIERS)
        uint16 bisectionArity; // k-ary bisection (2..MAX_ARITY)
        uint16 verifierFeeBps; // share of the budget paid to attesting verifiers (split evenly)
        uint16 protocolTaxBps; // share of the budget sent to the ForcedErrorRegistry jackpot at posting
        uint16 slashWinnerShareBps; // share of a slash credited to the winner (< 10_000: rest to treasury)
        uint32 maxOpsPerStep; // upper bound on a job's `opsPerStep` (bounds phase 2 of every game)
    }

    struct Job {
        // slot: who and state
        address submitter;
        JobStatus status;
        uint64 postedAt;
        address solver;
        uint64 claimedAt;
        uint64 submittedAt;
        uint64 settledAt; // finalization or failure time (start of the reveal window)
        uint32 steps; // T: training steps; the trace has T+1 state hashes h_0..h_T
        uint32 opsPerStep; // N: every step's op trace is r_0..r_N (fixed by the graph, committed at posting)
        uint16 openGames; // games not yet resolved
        bool verifiersReleased; // assigned verifiers' locks released or slashed
        bool forcedError; // revealed as a forced error
        bool solverSettled; // solver's locked stake unlocked or slashed
        uint128 budget; // escrowed, net of the protocol tax
        uint128 tax; // protocol tax paid at posting (sent to the jackpot pool)
        address winningChallenger; // first challenger who won a game (Failed jobs)
        bytes32 specHash; // hash of the canonical job spec
        bytes32 graphHash; // hash of the per-step operator graph
        StateHash initialState; // h_0, derived from the spec
        StateHash finalState; // h_T claimed by the solver
        bytes32 traceRoot; // Merkle root over h_0..h_T (LibMerkle)
        bytes32 sealedTag; // random, or keccak(jobId, salt, whistleblower) for a honeypot
        string specURI;
        string artifactURI;
        Params params;
    }

    /// @notice The part of a job a dispute needs, without the URI strings (cheap to read on-chain).
    struct DisputeTerms {
        address solver;
        JobStatus status;
        uint32 steps;
        uint16 bisectionArity;
        uint16 slashWinnerShareBps;
        uint32 opsPerStep;
        uint128 challengeBond;
        uint64 clockBudget;
        uint64 minClockExtension;
        StateHash initialState;
        StateHash finalState;
        bytes32 traceRoot;
    }

    struct Assignment {
        address verifier;
        bool attested;
        bool challenged;
    }

    // ---------------------------------------------------------------- errors
    error NotOwner(address caller, address owner);
    error ZeroAddress();
    error UnknownJob(JobId jobId);
    /// @notice The job is in `actual` but the call needs `expected`.
    error WrongStatus(JobId jobId, JobStatus actual, JobStatus expected);
    error NotSubmitter(JobId jobId, address caller, address submitter);
    error NotSolver(JobId jobId, address caller, address solver);
    error NotDisputeGame(address caller);
    error NotForcedErrorRegistry(address caller);
    /// @notice Budget is zero or too small to cover the fees.
    error BudgetTooSmall(uint256 budget, uint256 minimum);
    error ZeroSteps();
    error TooManySteps(uint256 steps, uint256 maximum);
    /// @notice `opsPerStep` must be in 1..`maximum` (params.maxOpsPerStep).
    error InvalidOpsPerStep(uint256 opsPerStep, uint256 maximum);
    error EmptyHash(string field);
    /// @notice The call came before `opensAt`.
    error TooEarly(JobId jobId, uint256 nowTs, uint256 opensAt);
    /// @notice The call came after `closedAt`.
    error TooLate(JobId jobId, uint256 nowTs, uint256 closedAt);
    error NotAssignedVerifier(JobId jobId, address caller);
    error AlreadyAttested(JobId jobId, address verifier);
    error AlreadyChallenged(JobId jobId, address challenger);
    error GamesStillOpen(JobId jobId, uint256 openGames);
    error AlreadySettled(JobId jobId);
    error InvalidParams(string name, uint256 value);
    error TransferFailed(address to, uint256 amount);
    /// @notice The solver of `jobId` cannot challenge its own result.
    error ChallengerIsSolver(JobId jobId, address solver);
    /// @notice `wire` was already called.
    error AlreadyWired();
    /// @notice The protocol contracts are not wired yet (`wire` must come before the first job).
    error NotWired();

    // ---------------------------------------------------------------- events
    event JobPosted(
        JobId indexed jobId,
        address indexed submitter,
        uint256 budget,
        uint256 tax,
        uint32 steps,
        bytes32 specHash,
        bytes32 graphHash,
        uint32 opsPerStep,
        StateHash initialState,
        string specURI
    );
    event JobClaimed(JobId indexed jobId, address indexed solver, uint256 stakeLocked, uint256 deadline);
    event ResultSubmitted(
        JobId indexed jobId,
        address indexed solver,
        StateHash finalState,
        bytes32 traceRoot,
        bytes32 sealedTag,
        string artifactURI,
        uint256 challengeDeadline
    );
    event VerifiersAssigned(JobId indexed jobId, address[] verifiers);
    event Attested(JobId indexed jobId, address indexed verifier);
    event ChallengeRegistered(JobId indexed jobId, GameId indexed gameId, address indexed challenger);
    event GameResolved(
        JobId indexed jobId, GameId indexed gameId, address indexed challenger, bool challengerWon
    );
    event JobFinalized(JobId indexed jobId, address indexed solver, uint256 solverPay, uint256 verifierPay);
    event JobFailed(JobId indexed jobId, address indexed solver, address indexed challenger, string reason);
    event JobCancelled(JobId indexed jobId);
    event JobExpired(JobId indexed jobId);
    event FailureSettled(JobId indexed jobId, uint256 solverSlashed);
    event VerifiersReleased(JobId indexed jobId);
    event ForcedErrorMarked(JobId indexed jobId, address indexed winningChallenger, uint256 attestersSlashed);
    event ParamsSet(Params params);
    event Wired(address indexed disputeGame, address indexed forcedErrorRegistry);

    // ---------------------------------------------------------------- submitter
    /// @notice Post a job; `msg.value` is the budget. `protocolTaxBps` of it funds the jackpot.
    /// @dev `steps`, `graphHash`, `opsPerStep` and `initialState` are what the chain needs from the
    /// spec behind `specHash`; the chain cannot check them against the spec, so a solver recomputes all
    /// four from the spec before claiming and refuses a job whose parameters disagree (a submitter who
    /// lies only gets an unclaimed job back after the claim window). `opsPerStep` is N: the op trace of
    /// every step has the N+1 leaves r_0..r_N (one chained record per operator of the step's graph,
    /// then the state hash), and DisputeGame.commitOpTrace accepts no other N.
    function postJob(
        bytes32 specHash,
        string calldata specURI,
        uint32 steps,
        bytes32 graphHash,
        uint32 opsPerStep,
        StateHash initialState
    ) external payable returns (JobId jobId);

    /// @notice Cancel an Open (unclaimed) job and credit the budget back to the submitter.
    function cancelJob(JobId jobId) external;

    /// @notice Mark an Open job Expired after its claim window; credits the budget back.
    function expireJob(JobId jobId) external;

    // ---------------------------------------------------------------- solver
    /// @notice Claim an Open job; locks `params.solverStake` of the caller's Solver stake.
    function claimJob(JobId jobId) external;

    /// @notice Submit the result. Draws `verifiersPerJob` verifiers and locks their stake.
    function submitResult(
        JobId jobId,
        StateHash finalState,
        bytes32 traceRoot,
        string calldata artifactURI,
        bytes32 sealedTag
    ) external;

    /// @notice Fail a Claimed job whose solver missed the solve window: the solver's stake is slashed
    /// (share to the submitter, never the caller: a solver must not profit from reporting itself) and the
    /// budget is credited back to the submitter.
    function reportMissedDeadline(JobId jobId) external;

    // ---------------------------------------------------------------- verifier
    /// @notice An assigned verifier attests the result is correct (within the challenge window).
    function attest(JobId jobId) external;

    // ---------------------------------------------------------------- settlement
    /// @notice After the challenge window with no open game and no lost game: credit the solver
    /// (budget minus verifier fees) and the attesters; unlock the solver stake.
    function finalize(JobId jobId) external;

    /// @notice After the reveal window of a Failed job: slash the solver (winner share to the winning
    /// challenger) and release every assigned verifier.
    function settleFailure(JobId jobId) external;

    /// @notice After the reveal window of a Finalized job: release the verifiers' locks.
    function releaseVerifiers(JobId jobId) external;

    // ---------------------------------------------------------------- protocol callbacks
    /// @notice DisputeGame only: a challenge was opened on `jobId` by `challenger`.
    function onChallengeOpened(JobId jobId, GameId gameId, address challenger) external;

    /// @notice DisputeGame only: a game on `jobId` resolved.
    function onGameResolved(JobId jobId, GameId gameId, address challenger, bool challengerWon) external;

    /// @notice ForcedErrorRegistry only: `jobId` was revealed as a forced error. Spares the solver,
    /// slashes attesters. Returns the challenger who won a game on it (zero if none) and what the
    /// honeypot cost its submitter and solver: the protocol tax, plus, for a Finalized job, the
    /// verifier fees its attesters were paid (at most the stake this reveal slashes from them). A
    /// Failed job's budget was refunded in full, so its cost is the tax alone.
    function onForcedErrorRevealed(JobId jobId)
        external
        returns (address winningChallenger, uint256 honeypotCost);

    // ---------------------------------------------------------------- views
    function getJob(JobId jobId) external view returns (Job memory);
    /// @notice What DisputeGame reads of a job (reverts UnknownJob like getJob).
    function disputeTerms(JobId jobId) external view returns (DisputeTerms memory);
    function jobStatus(JobId jobId) external view returns (JobStatus);
    function assignments(JobId jobId) external view returns (Assignment[] memory);
    function isAssigned(JobId jobId, address verifier) external view returns (bool);
    function params() external view returns (Params memory);
    function jobCount() external view returns (uint256);
    /// @notice Sum of escrowed budgets not yet paid out (for the solvency invariant).
    function totalEscrow() external view returns (uint256);

    // ---------------------------------------------------------------- owner
    function setParams(Params calldata newParams) external;
    /// @notice One-time wiring of the protocol contracts.
    function wire(address disputeGame, address forcedErrorRegistry) external;
}
