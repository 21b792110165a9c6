// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId, GameId, StateHash, JobStatus} from "../types/Types.sol";

/// @title IJobMarket
/// @notice Escrow and lifecycle of training jobs.
///
/// Lifecycle: `postJob` (budget escrowed, protocol tax sent to the jackpot) -> `claimJob` (solver stake
/// locked) -> `submitResult` (k verifiers drawn and their stake locked, challenge window opens) ->
/// verifiers `attest` or challenge through DisputeGame -> `finalize` (solver and attesters credited)
/// or, if a challenger wins a game, the job is Failed: the submitter is refunded at once and, once
/// every game on it is resolved and the reveal window passed, `settleFailure` slashes the solver and
/// releases the verifiers. A forced-error reveal (ForcedErrorRegistry) inside the reveal window spares
/// the honeypot solver and slashes the attesters: only a forced error proves an attester did not check,
/// since a solver can lose a game on purpose from a second address.
///
/// Who is paid for a failed job (the solver cannot choose it): the solver controls which of the games
/// on its job resolves first, and it can open games from addresses of its own (sock puppets) and lose
/// them on purpose. So nothing depends on the order of resolution: settlement waits until every game
/// is resolved (games are bounded by chess clocks, and open only inside the challenge window), and the
/// slash's winner share is split equally among the challengers who won a game on the job, where
/// winners that were DRAWN verifiers of the job (assigned by the random draw at submission, which
/// the solver cannot steer) take precedence: if any drawn verifier won, only drawn winners share;
/// otherwise all winners share. A sock puppet (or a copycat that repeats a drawn verifier's
/// challenge) is paid only when no drawn verifier won, and then never more than an equal share. Once
/// a challenger won, the job is Failed and only drawn verifiers may still open games (until the
/// challenge window closes), so a sock that wins first cannot lock the drawn verifiers out. Drawn
/// winners are credited by `settleFailure` itself (at most `verifiersPerJob` of them); other winners
/// claim their share with `claimWinnerShare`.
///
/// Verification cannot be starved: every drawn verifier must be offered at least `minVerifierFee`
/// (`postJob` rejects smaller budgets), a job that was drawn fewer verifiers than `verifiersPerJob`
/// cannot finalize (anyone may fill the missing seats with `drawVerifiers`; the challenge window
/// restarts from the last seat filled), and a job whose seats stay empty for `claimWindow` past its
/// challenge deadline is returned to its submitter by `expireUnverified` (the solver is released
/// unpaid and unslashed: it did nothing wrong, but nobody checked its work).
///
/// The challenge window scales with the job: `challengeWindow + steps * challengeWindowPerStep`, so a
/// job whose replay takes longer than a fixed window can still be challenged.
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
        uint64 challengeWindowPerStep; // seconds added to challengeWindow per training step of the job
        uint128 minVerifierFee; // least fee (wei) a job must offer each of its verifiersPerJob verifiers
    }

    struct Job {
        // slot: who and state
        address submitter;
        JobStatus status;
        uint64 postedAt;
        address solver;
        uint64 claimedAt;
        uint64 submittedAt;
        uint64 windowStart; // start of the challenge window: submission, or the last verifier seat filled
        uint64 drawBlock; // the block whose randomness seeds the next verifier draw (drawVerifiers)
        uint64 settledAt; // finalization or failure time; for a Failed job, its last game's resolution
        uint32 steps; // T: training steps; the trace has T+1 state hashes h_0..h_T
        uint32 opsPerStep; // N: every step's op trace is r_0..r_N (fixed by the graph, committed at posting)
        uint16 openGames; // games not yet resolved
        bool verifiersReleased; // assigned verifiers' locks released or slashed
        bool forcedError; // revealed as a forced error
        bool solverSettled; // solver's locked stake unlocked or slashed
        uint128 budget; // escrowed, net of the protocol tax
        uint128 tax; // protocol tax paid at posting (sent to the jackpot pool)
        address winningChallenger; // first challenger who won a game (Failed jobs; informational only)
        uint32 winners; // distinct challengers who won a game on the job
        uint32 drawnWinners; // of those, drawn verifiers of the job
        uint128 winnerShareEach; // what each winner may claim with claimWinnerShare (no drawn winner)
        bytes32 specHash; // hash of the canonical job spec
        bytes32 graphHash; // hash of the per-step operator graph
        StateHash initialState; // h_0, derived from the spec
        StateHash finalState; // h_T claimed by the solver
        bytes32 traceRoot; // Merkle root over h_0..h_T (LibMerkle)
        bytes32 sealedTag; // random, or sealedTagFor(jobId, salt, whistleblower, step, opIndex) (honeypot)
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

    /// @notice What ForcedErrorRegistry reads of a job at a reveal (no URI strings to copy).
    struct RevealTerms {
        address submitter;
        JobStatus status;
        bytes32 sealedTag;
    }

    /// @notice A challenger's win on a job (at most one per challenger and job).
    struct Win {
        bool won; // won a game on the job
        bool drawn; // was a drawn verifier of the job
        bool adjudicated; // won by adjudication (the solver's operator ruled wrong), at (step, opIndex)
        bool paid; // its share of the solver slash has been credited (or claimed)
        uint32 step;
        uint32 opIndex;
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
    /// @notice `finalize` while fewer than `needed` verifier seats are filled (`filled`): see drawVerifiers.
    error SeatsMissing(JobId jobId, uint256 filled, uint256 needed);
    /// @notice `drawVerifiers` on a job whose seats are all filled.
    error SeatsFull(JobId jobId, uint256 seats);
    /// @notice `drawVerifiers` found no staked verifier with enough free stake for a missing seat.
    error NoVerifierAvailable(JobId jobId, uint256 missing);
    /// @notice `expireUnverified` on a job whose seats are all filled (it can finalize instead).
    error SeatsFilled(JobId jobId);
    /// @notice Only drawn verifiers may still challenge a job that already failed.
    error NotDrawnVerifier(JobId jobId, address challenger);
    /// @notice `challenger` already won a game on `jobId` (one win, hence one share, per challenger).
    error AlreadyWon(JobId jobId, address challenger);
    /// @notice `claimWinnerShare` by an account with nothing to claim on `jobId`.
    error NothingToClaim(JobId jobId, address account);
    /// @notice No game on `jobId` was won by adjudication at (step, opIndex).
    error ErrorNotProven(JobId jobId, uint32 step, uint32 opIndex);

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
    /// @notice `verifiers` were drawn for `jobId` (at submission, or later by `drawVerifiers`, which
    /// adds to the earlier ones and moves the challenge deadline to `challengeDeadline`).
    event VerifiersAssigned(JobId indexed jobId, address[] verifiers);
    /// @notice `drawVerifiers` filled seats: the challenge window now ends at `challengeDeadline`.
    event ChallengeWindowRestarted(JobId indexed jobId, uint256 seatsFilled, uint256 challengeDeadline);
    /// @notice `expireUnverified`: the job's verifier seats stayed empty; the budget went back to its
    /// submitter and the solver was released.
    event JobUnverified(JobId indexed jobId, uint256 seatsFilled, uint256 seatsNeeded);
    /// @notice `winner`'s share of the solver's (or, on a reveal, the attesters') slash was credited.
    event WinnerSharePaid(JobId indexed jobId, address indexed winner, uint256 amount);
    event Attested(JobId indexed jobId, address indexed verifier);
    event ChallengeRegistered(JobId indexed jobId, GameId indexed gameId, address indexed challenger);
    event GameResolved(
        JobId indexed jobId, GameId indexed gameId, address indexed challenger, bool challengerWon
    );
    event JobFinalized(JobId indexed jobId, address indexed solver, uint256 solverPay, uint256 verifierPay);
    event JobFailed(JobId indexed jobId, address indexed solver, address indexed challenger, string reason);
    event JobCancelled(JobId indexed jobId);
    event JobExpired(JobId indexed jobId);
    /// @notice The solver's `solverSlashed` was slashed; `winnerShare` of it goes to `winners`
    /// challengers (`drawnOnly`: only the drawn verifiers among them, already credited; otherwise all
    /// winners, each claiming `winnerShare / winners` with claimWinnerShare).
    event FailureSettled(
        JobId indexed jobId, uint256 solverSlashed, uint256 winnerShare, uint256 winners, bool drawnOnly
    );
    event VerifiersReleased(JobId indexed jobId);
    /// @notice `jobId` was revealed a forced error at operator `opIndex` of step `step`: attesters lost
    /// `attestersSlashed`, whose winner share went to the `drawnWinners` drawn verifiers who won a game
    /// there (to the treasury if none).
    event ForcedErrorMarked(
        JobId indexed jobId, uint32 step, uint32 opIndex, uint256 drawnWinners, uint256 attestersSlashed
    );
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
    /// Reverts `BudgetTooSmall(msg.value, minimum)` when the budget offers a drawn verifier less than
    /// `minVerifierFee` (`budget * verifierFeeBps / 10_000 / verifiersPerJob`, budget net of the tax):
    /// dust jobs would lock verifier stake for no fee and starve real jobs of verifiers.
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

    /// @notice Submit the result; the challenge window opens. The verifiers are drawn by a later
    /// `drawVerifiers` (anyone, from the next block: the solver's agent sends it), seeded by the
    /// randomness of this transaction's block, so the solver cannot time its submission to pick them. For a honeypot, `sealedTag` is ForcedErrorRegistry.sealedTagFor(...).
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

    /// @notice Anyone, while the job is Submitted: draw verifiers for its empty seats and lock their
    /// stake, seeded by `IRandomness.randomWordAt(job.drawBlock)`: the block of the submission (or of
    /// the previous draw), whose randomness nobody could know when that transaction was sent. Reverts
    /// RandomnessUnavailable until that block is in the past; if its word expired, re-schedules on
    /// this block and returns. Restarts the challenge window, so every drawn verifier gets a whole
    /// window. Reverts SeatsFull or NoVerifierAvailable. A job finalizes only with every seat filled.
    function drawVerifiers(JobId jobId) external;

    // ---------------------------------------------------------------- settlement
    /// @notice After the challenge window with no open game, no lost game and every verifier seat
    /// filled: credit the solver (budget minus verifier fees) and the attesters; unlock the solver stake.
    function finalize(JobId jobId) external;

    /// @notice Anyone, once a Submitted job's seats stayed short of `verifiersPerJob` for `claimWindow`
    /// past its challenge deadline (and no game is open): credit the budget back to the submitter,
    /// release the solver (unpaid, unslashed) and the drawn verifiers. The job ends Expired.
    function expireUnverified(JobId jobId) external;

    /// @notice Once every game of a Failed job is resolved and its reveal window passed: slash the
    /// solver and release every assigned verifier. The slash's winner share is split equally among the
    /// drawn verifiers who won a game (credited here), or, if none did, among all winners (who claim).
    function settleFailure(JobId jobId) external;

    /// @notice A challenger who won a game on a settled Failed job on which no drawn verifier won:
    /// credit its equal part of the solver slash's winner share.
    function claimWinnerShare(JobId jobId) external returns (uint256 amount);

    /// @notice After the reveal window of a Finalized job: release the verifiers' locks.
    function releaseVerifiers(JobId jobId) external;

    // ---------------------------------------------------------------- protocol callbacks
    /// @notice DisputeGame only: a challenge was opened on `jobId` by `challenger`.
    function onChallengeOpened(JobId jobId, GameId gameId, address challenger) external;

    /// @notice DisputeGame only: a game on `jobId` resolved. A challenger win is recorded once per
    /// challenger, with where the adjudicator ruled the solver wrong (IDisputeGame.adjudicatedAt).
    function onGameResolved(JobId jobId, GameId gameId, address challenger, bool challengerWon) external;

    /// @notice ForcedErrorRegistry only: `jobId` was revealed as a forced error at (step, opIndex),
    /// where a game was won by adjudication (else ErrorNotProven). Only a Failed job qualifies (a job
    /// nobody challenged proves no error: its whistleblower challenges it itself), once every game on
    /// it resolved and the challenge window closed, inside the reveal window. Spares the solver,
    /// slashes the attesters (winner share to the drawn verifiers who won at that location, else the
    /// treasury). Returns those drawn winners (who share the jackpot) and what the honeypot cost its
    /// submitter: the protocol tax (the budget was refunded in full when the job failed).
    function onForcedErrorRevealed(JobId jobId, uint32 step, uint32 opIndex)
        external
        returns (address[] memory drawnWinners, uint256 honeypotCost);

    // ---------------------------------------------------------------- views
    function getJob(JobId jobId) external view returns (Job memory);
    /// @notice What DisputeGame reads of a job (reverts UnknownJob like getJob).
    function disputeTerms(JobId jobId) external view returns (DisputeTerms memory);
    function jobStatus(JobId jobId) external view returns (JobStatus);
    /// @notice What ForcedErrorRegistry reads at a reveal (reverts UnknownJob like getJob).
    function revealTerms(JobId jobId) external view returns (RevealTerms memory);
    /// @notice Whether some game on `jobId` was won by adjudication at operator `opIndex` of `step`.
    function errorProvenAt(JobId jobId, uint32 step, uint32 opIndex) external view returns (bool);
    /// @notice `challenger`'s win on `jobId` (all false/zero if it won none).
    function winOf(JobId jobId, address challenger) external view returns (Win memory);
    /// @notice When the challenge window of `jobId` closes: windowStart + challengeWindow +
    /// steps * challengeWindowPerStep.
    function challengeDeadline(JobId jobId) external view returns (uint256);
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
