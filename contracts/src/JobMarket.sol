// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId, GameId, StateHash, JobStatus, Role} from "./types/Types.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IStakeManager} from "./interfaces/IStakeManager.sol";
import {IRandomness} from "./interfaces/IRandomness.sol";
import {IForcedErrorRegistry} from "./interfaces/IForcedErrorRegistry.sol";
import {IDisputeGame} from "./interfaces/IDisputeGame.sol";
import {JobMarketBase} from "./JobMarketBase.sol";

/// @title JobMarket
/// @notice Escrow and lifecycle of training jobs (see IJobMarket): the transitions of a job from
/// posting to settlement, and the callbacks of DisputeGame and ForcedErrorRegistry.
/// @dev Solvency: `address(this).balance == totalEscrow` (every payout leaves as a StakeManager credit).
/// Loops run only over a job's assignments, which are bounded by MAX_VERIFIERS.
contract JobMarket is JobMarketBase {
    constructor(address owner_, IStakeManager stakes_, IRandomness randomness_, Params memory params_)
        JobMarketBase(owner_, stakes_, randomness_, params_)
    {}

    // ---------------------------------------------------------------- submitter

    /// @inheritdoc IJobMarket
    function postJob(
        bytes32 specHash,
        string calldata specURI,
        uint32 steps,
        bytes32 graphHash,
        uint32 opsPerStep,
        StateHash initialState
    ) external payable returns (JobId jobId) {
        // INVARIANT: the tax needs a registry to go to.
        if (forcedErrorRegistry == address(0)) revert NotWired();
        if (msg.value == 0) revert BudgetTooSmall(0, 1);
        if (steps == 0) revert ZeroSteps();
        if (steps > MAX_STEPS) revert TooManySteps(steps, MAX_STEPS);
        if (specHash == bytes32(0)) revert EmptyHash("specHash");
        if (graphHash == bytes32(0)) revert EmptyHash("graphHash");
        if (StateHash.unwrap(initialState) == bytes32(0)) revert EmptyHash("initialState");
        // INVARIANT: N is fixed for the job before anyone claims it, and bounded, so phase 2 of every
        // game on it is bounded by ceil(log_k maxOpsPerStep) and no solver can choose its op count.
        if (opsPerStep == 0 || opsPerStep > _params.maxOpsPerStep) {
            revert InvalidOpsPerStep(opsPerStep, _params.maxOpsPerStep);
        }

        uint256 tax = msg.value * _params.protocolTaxBps / BPS;
        _checkVerifierFee(msg.value, msg.value - tax);
        jobId = _storeJob(specHash, specURI, steps, graphHash, opsPerStep, initialState, msg.value - tax, tax);
        _emitPosted(jobId, tax);

        if (tax > 0) IForcedErrorRegistry(forcedErrorRegistry).fund{value: tax}();
    }

    /// @inheritdoc IJobMarket
    function cancelJob(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Open);
        // INVARIANT: only the submitter may withdraw its offer.
        if (msg.sender != job.submitter) revert NotSubmitter(jobId, msg.sender, job.submitter);
        job.status = JobStatus.Cancelled;
        emit JobCancelled(jobId);
        _refundBudget(job);
    }

    /// @inheritdoc IJobMarket
    function expireJob(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Open);
        uint256 deadline = uint256(job.postedAt) + job.params.claimWindow;
        // INVARIANT: a job can be claimed up to and including its claim deadline.
        if (block.timestamp <= deadline) revert TooEarly(jobId, block.timestamp, deadline + 1);
        job.status = JobStatus.Expired;
        emit JobExpired(jobId);
        _refundBudget(job);
    }

    // ---------------------------------------------------------------- solver

    /// @inheritdoc IJobMarket
    function claimJob(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Open);
        uint256 claimDeadline = uint256(job.postedAt) + job.params.claimWindow;
        // INVARIANT: once expirable, a job cannot be claimed (expiry and claim never race).
        if (block.timestamp > claimDeadline) revert TooLate(jobId, block.timestamp, claimDeadline);
        job.solver = msg.sender;
        job.claimedAt = uint64(block.timestamp);
        job.status = JobStatus.Claimed;
        uint256 stake = job.params.solverStake;
        emit JobClaimed(jobId, msg.sender, stake, block.timestamp + job.params.solveWindow);
        // Reverts with InsufficientFreeStake when the caller has not staked enough as a Solver.
        stakes.lock(msg.sender, Role.Solver, stake);
    }

    /// @inheritdoc IJobMarket
    function submitResult(
        JobId jobId,
        StateHash finalState,
        bytes32 traceRoot,
        string calldata artifactURI,
        bytes32 sealedTag
    ) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Claimed);
        // INVARIANT: only the solver whose stake is locked can commit a result.
        if (msg.sender != job.solver) revert NotSolver(jobId, msg.sender, job.solver);
        uint256 solveDeadline = uint256(job.claimedAt) + job.params.solveWindow;
        // INVARIANT: after the solve window the job belongs to reportMissedDeadline.
        if (block.timestamp > solveDeadline) revert TooLate(jobId, block.timestamp, solveDeadline);
        // INVARIANT: a dispute needs a trace root and a final state to bisect against.
        if (traceRoot == bytes32(0)) revert EmptyHash("traceRoot");
        if (StateHash.unwrap(finalState) == bytes32(0)) revert EmptyHash("finalState");

        job.finalState = finalState;
        job.traceRoot = traceRoot;
        job.artifactURI = artifactURI;
        job.sealedTag = sealedTag;
        job.submittedAt = uint64(block.timestamp);
        job.windowStart = uint64(block.timestamp);
        job.status = JobStatus.Submitted;
        emit ResultSubmitted(
            jobId, msg.sender, finalState, traceRoot, sealedTag, artifactURI, _challengeDeadline(job)
        );
        // INVARIANT: the verifiers are not drawn here, where the solver picks the block (it could send
        // only when the draw seats its own verifiers): drawVerifiers draws them from the next block on,
        // seeded by the randomness of THIS block, which the solver cannot know when it sends this.
        job.drawBlock = uint64(block.number);
    }

    /// @inheritdoc IJobMarket
    function drawVerifiers(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Submitted);
        uint256 need = job.params.verifiersPerJob;
        uint256 have = _assignments[JobId.unwrap(jobId)].length;
        // INVARIANT: a full panel is never re-drawn (the solver cannot shop for verifiers).
        if (have >= need) revert SeatsFull(jobId, need);
        uint256 at = job.drawBlock;
        if (randomness.availability(at) == IRandomness.Availability.Expired) {
            // The word of the scheduled block is gone (256 blocks on the devnet): draw from this one.
            job.drawBlock = uint64(block.number);
            return;
        }
        // INVARIANT: seeded by a block that was still to come when the draw was scheduled (submission,
        // or the previous draw); reverts RandomnessUnavailable until that block is in the past.
        uint256 seed = randomness.randomWordAt(at, keccak256(abi.encode("verifiers", jobId, have)));
        // The window restarts from the last seat filled, so the new verifier has a whole window.
        job.windowStart = uint64(block.timestamp);
        // A later refill is seeded by this block, which this caller cannot know either.
        job.drawBlock = uint64(block.number);
        uint256 added = _fillSeats(jobId, job, seed);
        // INVARIANT: the window moves only when a seat was actually filled.
        if (added == 0) revert NoVerifierAvailable(jobId, need - have);
        emit ChallengeWindowRestarted(jobId, have + added, _challengeDeadline(job));
    }

    /// @dev Draw verifiers for the empty seats of `jobId` and lock their stake; returns how many.
    /// Bounded: at most verifiersPerJob (<= MAX_VERIFIERS) candidates, each checked against the seated.
    function _fillSeats(JobId jobId, Job storage job, uint256 seed) internal returns (uint256 added) {
        Params storage p = job.params;
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        uint256 have = assigned.length;
        uint256 want = p.verifiersPerJob;
        address[] memory fresh = new address[](want - have);
        if (want > have) {
            address[] memory parties = new address[](1);
            parties[0] = job.solver; // a solver never verifies its own result
            // Every seat is asked for: the exclusion list (MAX_EXCLUDE) cannot hold the seated verifiers,
            // so they are skipped here instead.
            address[] memory drawn = stakes.draw(Role.Verifier, want, p.verifierStake, seed, parties);
            for (uint256 i; i < drawn.length && have + added < want; ++i) {
                if (_isDrawn(jobId, drawn[i])) continue;
                assigned.push(Assignment({verifier: drawn[i], attested: false, challenged: false}));
                fresh[added++] = drawn[i];
            }
        }
        assembly ("memory-safe") {
            mstore(fresh, added)
        }
        emit VerifiersAssigned(jobId, fresh);
        for (uint256 i; i < added; ++i) {
            stakes.lock(fresh[i], Role.Verifier, p.verifierStake);
        }
    }

    /// @dev Reject budgets that offer a drawn verifier less than minVerifierFee (see postJob).
    function _checkVerifierFee(uint256 gross, uint256 net) internal view {
        Params storage p = _params;
        uint256 k = p.verifiersPerJob;
        if (k == 0 || p.minVerifierFee == 0) return;
        if (net * p.verifierFeeBps / BPS / k >= p.minVerifierFee) return;
        // INVARIANT: dust jobs cannot lock verifier stake for (next to) no fee.
        revert BudgetTooSmall(
            gross, paramsCheck.minBudget(p.minVerifierFee, k, p.verifierFeeBps, p.protocolTaxBps)
        );
    }

    /// @inheritdoc IJobMarket
    function reportMissedDeadline(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Claimed);
        uint256 solveDeadline = uint256(job.claimedAt) + job.params.solveWindow;
        // INVARIANT: the solver keeps the whole solve window, deadline included.
        if (block.timestamp <= solveDeadline) revert TooEarly(jobId, block.timestamp, solveDeadline + 1);
        job.status = JobStatus.Failed;
        job.settledAt = uint64(block.timestamp);
        job.solverSettled = true;
        // No verifiers were ever drawn for an unsubmitted job.
        job.verifiersReleased = true;
        emit JobFailed(jobId, job.solver, address(0), "missed deadline");
        // The share goes to the submitter, whose job was delayed (and who has every reason to
        // report): paying the caller would let a solver report itself and recover half its slash.
        stakes.slash(
            job.solver, Role.Solver, job.params.solverStake, job.submitter, job.params.slashWinnerShareBps
        );
        _refundBudget(job);
    }

    // ---------------------------------------------------------------- verifier

    /// @inheritdoc IJobMarket
    function attest(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Submitted);
        uint256 deadline = _challengeDeadline(job);
        // INVARIANT: attestations after the window could not be challenged against any more.
        if (block.timestamp > deadline) revert TooLate(jobId, block.timestamp, deadline);
        Assignment storage a = _assignmentOf(jobId, msg.sender);
        // INVARIANT: one verdict per verifier: attest once, and never after challenging.
        if (a.attested) revert AlreadyAttested(jobId, msg.sender);
        if (a.challenged) revert AlreadyChallenged(jobId, msg.sender);
        a.attested = true;
        emit Attested(jobId, msg.sender);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc IJobMarket
    function finalize(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Submitted);
        uint256 deadline = _challengeDeadline(job);
        // INVARIANT: nobody may be paid while a challenge can still be opened...
        if (block.timestamp <= deadline) revert TooEarly(jobId, block.timestamp, deadline + 1);
        // INVARIANT: ...or while a game that could fail the job is still running.
        if (job.openGames != 0) revert GamesStillOpen(jobId, job.openGames);
        uint256 seats = _assignments[JobId.unwrap(jobId)].length;
        uint256 needed = job.params.verifiersPerJob;
        // INVARIANT: nobody is paid for a result a full panel of drawn verifiers had no window to check
        // (else a dozen dust jobs that lock every verifier let a wrong job finalize unchecked).
        if (seats < needed) revert SeatsMissing(jobId, seats, needed);

        job.status = JobStatus.Finalized;
        job.settledAt = uint64(block.timestamp);
        job.solverSettled = true;
        uint256 budget = job.budget;
        totalEscrow -= budget;

        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        uint256 n = assigned.length;
        uint256 feeEach = n == 0 ? 0 : budget * job.params.verifierFeeBps / BPS / n;
        uint256 verifierPay;
        uint256 refund;
        for (uint256 i; i < n; ++i) {
            if (assigned[i].attested) verifierPay += feeEach;
            else refund += feeEach;
        }
        // Rounding dust of the fee split goes to the solver, so the shares sum exactly to the budget.
        uint256 solverPay = budget - feeEach * n;
        emit JobFinalized(jobId, job.solver, solverPay, verifierPay);

        stakes.unlock(job.solver, Role.Solver, job.params.solverStake);
        _pay(job.solver, solverPay);
        // Silent verifiers earned nothing; their share goes back to whoever paid for verification.
        _pay(job.submitter, refund);
        if (feeEach > 0) {
            for (uint256 i; i < n; ++i) {
                if (assigned[i].attested) _pay(assigned[i].verifier, feeEach);
            }
        }
    }

    /// @inheritdoc IJobMarket
    function expireUnverified(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Submitted);
        uint256 seats = _assignments[JobId.unwrap(jobId)].length;
        uint256 needed = job.params.verifiersPerJob;
        // INVARIANT: a job with a full panel is settled by finalize or a game, never sent back.
        if (seats >= needed) revert SeatsFilled(jobId);
        uint256 opensAt = _challengeDeadline(job) + job.params.claimWindow;
        // INVARIANT: seats get a claim window past the challenge deadline to fill before giving up.
        if (block.timestamp <= opensAt) revert TooEarly(jobId, block.timestamp, opensAt + 1);
        // INVARIANT: a running game could still fail the job (and slash the solver).
        if (job.openGames != 0) revert GamesStillOpen(jobId, job.openGames);
        job.status = JobStatus.Expired;
        job.settledAt = uint64(block.timestamp);
        job.solverSettled = true;
        job.verifiersReleased = true;
        emit JobUnverified(jobId, seats, needed);

        stakes.unlock(job.solver, Role.Solver, job.params.solverStake);
        _releaseVerifiers(jobId, job.params.verifierStake);
        _refundBudget(job);
    }

    /// @inheritdoc IJobMarket
    function settleFailure(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Failed);
        // INVARIANT: a solver stake is slashed or released exactly once.
        if (job.solverSettled) revert AlreadySettled(jobId);
        // INVARIANT: who is paid must not depend on which game resolved first: wait for all of them.
        if (job.openGames != 0) revert GamesStillOpen(jobId, job.openGames);
        uint256 revealEnd = _revealOpensAt(job) + job.params.revealWindow;
        // INVARIANT: a forced-error reveal (which spares the solver) must get its whole window first.
        if (block.timestamp <= revealEnd) revert TooEarly(jobId, block.timestamp, revealEnd + 1);
        job.solverSettled = true;
        job.verifiersReleased = true;

        Params storage p = job.params;
        uint256 solverSlashed = p.solverStake;
        uint256 drawnWinners = job.drawnWinners;
        // A job Failed by a game has a winner (a missed deadline was settled on the spot).
        uint256 sharers = drawnWinners > 0 ? drawnWinners : job.winners;
        uint256 share = solverSlashed * p.slashWinnerShareBps / BPS;
        if (drawnWinners == 0) job.winnerShareEach = uint128(share / sharers);
        emit FailureSettled(jobId, solverSlashed, share, sharers, drawnWinners > 0);

        // The winner share is credited to this contract, then passed on: drawn winners (at most
        // verifiersPerJob) right here, other winners each by claimWinnerShare.
        stakes.slash(job.solver, Role.Solver, solverSlashed, address(this), p.slashWinnerShareBps);
        // Attesters are released, not slashed: a solver can lose a game on purpose (time out, commit a
        // bad operator) from a second address, so a failed job does not prove its attesters lazy, and
        // slashing them would let that address pocket their stake. Only a forced-error reveal, which
        // must name where a game proved the error, shows an attester did not check.
        _releaseVerifiers(jobId, p.verifierStake);
        if (drawnWinners > 0) {
            // Drawn winners are paid here, so Win.paid is not needed for them (claimWinnerShare refuses
            // every claim on a job with a drawn winner).
            _splitCredit(jobId, _drawnWinners(jobId, true, 0), share);
        } else {
            uint256 dust = share - uint256(job.winnerShareEach) * sharers;
            if (dust > 0) stakes.transferCredit(stakes.treasury(), dust);
        }
    }

    /// @inheritdoc IJobMarket
    function claimWinnerShare(JobId jobId) external returns (uint256 amount) {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Failed);
        Win storage w = _wins[JobId.unwrap(jobId)][msg.sender];
        // INVARIANT: one claim per winner, only once settleFailure left the share to all winners
        // (drawn winners were credited there; a forced-error reveal spared the solver: no share).
        if (!job.solverSettled || !w.won || w.paid || job.drawnWinners != 0 || job.forcedError) {
            revert NothingToClaim(jobId, msg.sender);
        }
        w.paid = true;
        amount = job.winnerShareEach;
        emit WinnerSharePaid(jobId, msg.sender, amount);
        stakes.transferCredit(msg.sender, amount);
    }

    /// @inheritdoc IJobMarket
    function releaseVerifiers(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Finalized);
        // INVARIANT: verifier locks are released exactly once.
        if (job.verifiersReleased) revert AlreadySettled(jobId);
        uint256 revealEnd = uint256(job.settledAt) + job.params.revealWindow;
        // INVARIANT: attesters stay slashable until a forced error can no longer be revealed.
        if (block.timestamp <= revealEnd) revert TooEarly(jobId, block.timestamp, revealEnd + 1);
        job.verifiersReleased = true;
        emit VerifiersReleased(jobId);

        _releaseVerifiers(jobId, job.params.verifierStake);
    }

    // ---------------------------------------------------------------- protocol callbacks

    /// @inheritdoc IJobMarket
    function onChallengeOpened(JobId jobId, GameId gameId, address challenger) external onlyDisputeGame {
        Job storage job = _job(jobId);
        JobStatus status = job.status;
        if (status == JobStatus.Failed) {
            // INVARIANT: after a first win only drawn verifiers may still open games, so a sock puppet
            // that wins first cannot lock them out of the winner share (and copycats cannot pile on).
            if (job.solverSettled) revert AlreadySettled(jobId);
            if (!_isDrawn(jobId, challenger)) revert NotDrawnVerifier(jobId, challenger);
        } else if (status != JobStatus.Submitted) {
            revert WrongStatus(jobId, status, JobStatus.Submitted);
        }
        uint256 deadline = _challengeDeadline(job);
        // INVARIANT: games open only inside the challenge window, so finalize cannot be stalled later.
        if (block.timestamp > deadline) revert TooLate(jobId, block.timestamp, deadline);
        // INVARIANT: a solver cannot challenge itself (it would only game the slash shares).
        if (challenger == job.solver) revert ChallengerIsSolver(jobId, challenger);
        // INVARIANT: one win (hence one share) per challenger and job.
        if (_wins[JobId.unwrap(jobId)][challenger].won) revert AlreadyWon(jobId, challenger);
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        for (uint256 i; i < assigned.length; ++i) {
            if (assigned[i].verifier == challenger) {
                // INVARIANT: an attester vouched for the result and cannot turn around and dispute it.
                if (assigned[i].attested) revert AlreadyAttested(jobId, challenger);
                assigned[i].challenged = true;
                break;
            }
        }
        job.openGames += 1;
        emit ChallengeRegistered(jobId, gameId, challenger);
    }

    /// @inheritdoc IJobMarket
    function onGameResolved(JobId jobId, GameId gameId, address challenger, bool challengerWon)
        external
        onlyDisputeGame
    {
        Job storage job = _job(jobId);
        // INVARIANT: DisputeGame resolves each game it registered exactly once (underflow panics).
        job.openGames -= 1;
        // A Failed job's reveal window runs from its last game's resolution (see _revealOpensAt).
        if (job.status == JobStatus.Failed) job.settledAt = uint64(block.timestamp);
        emit GameResolved(jobId, gameId, challenger, challengerWon);
        if (!challengerWon) return;
        _recordWin(jobId, job, gameId, challenger);
        // Only the first winning game fails the job; later wins only add winners.
        if (job.status != JobStatus.Submitted) return;
        job.status = JobStatus.Failed;
        job.winningChallenger = challenger;
        job.settledAt = uint64(block.timestamp);
        emit JobFailed(jobId, job.solver, challenger, "challenger won");
        _refundBudget(job);
    }

    /// @dev Count `challenger`'s win (onChallengeOpened refuses a winner a second game, so once) and
    /// record where the adjudicator ruled the solver wrong, if it did.
    function _recordWin(JobId jobId, Job storage job, GameId gameId, address challenger) internal {
        Win storage w = _wins[JobId.unwrap(jobId)][challenger];
        w.won = true;
        job.winners += 1;
        if (_isDrawn(jobId, challenger)) {
            w.drawn = true;
            job.drawnWinners += 1;
        }
        (bool adjudicated, uint32 step, uint32 opIndex) = IDisputeGame(disputeGame).adjudicatedAt(gameId);
        if (!adjudicated) return;
        w.adjudicated = true;
        w.step = step;
        w.opIndex = opIndex;
        _errorProven[JobId.unwrap(jobId)][_location(step, opIndex)] = true;
    }

    /// @inheritdoc IJobMarket
    function onForcedErrorRevealed(JobId jobId, uint32 step, uint32 opIndex)
        external
        returns (address[] memory drawnWinners, uint256 honeypotCost)
    {
        // INVARIANT: only the registry, after checking the sealed tag and rate limit, can spare a solver.
        if (msg.sender != forcedErrorRegistry || msg.sender == address(0)) {
            revert NotForcedErrorRegistry(msg.sender);
        }
        Job storage job = _job(jobId);
        // INVARIANT: a job is marked a forced error at most once.
        if (job.forcedError) revert AlreadySettled(jobId);
        // INVARIANT: only a lost game proves an error: a job nobody beat (Finalized) proves nothing.
        _expectStatus(jobId, job, JobStatus.Failed);
        // A Failed job without a winning challenger (missed deadline) was settled on the spot.
        if (job.solverSettled) revert AlreadySettled(jobId);
        // INVARIANT: every game's outcome is in before the jackpot's winners are counted.
        if (job.openGames != 0) revert GamesStillOpen(jobId, job.openGames);
        uint256 deadline = _challengeDeadline(job);
        if (block.timestamp <= deadline) revert TooEarly(jobId, block.timestamp, deadline + 1);
        uint256 revealEnd = _revealOpensAt(job) + job.params.revealWindow;
        // INVARIANT: after the reveal window stakes may already be settled; a reveal cannot reopen them.
        if (block.timestamp > revealEnd) revert TooLate(jobId, block.timestamp, revealEnd);
        uint64 location = _location(step, opIndex);
        // INVARIANT: the sealed location is where the referee court ruled the solver wrong, and it is the
        // end state r_N = h_s of step s: the court recomputed the step and found the h_s the solver
        // committed in its traceRoot wrong, so the RESULT was wrong. A ruling at an operator j < N only
        // shows the op trace the solver committed during the game was wrong: a whistleblower's own
        // solver and challenger could stage that on a correct job and slash its honest attesters.
        if (opIndex != job.opsPerStep || !_errorProven[JobId.unwrap(jobId)][location]) {
            revert ErrorNotProven(jobId, step, opIndex);
        }

        job.forcedError = true;
        job.solverSettled = true;
        job.verifiersReleased = true;
        drawnWinners = _drawnWinners(jobId, false, location);

        Params storage p = job.params;
        // The honeypot solver erred on purpose: it is spared.
        stakes.unlock(job.solver, Role.Solver, p.solverStake);
        // The attesters' winner share goes only to drawn verifiers who found the error (a
        // whistleblower's own challenger address is no drawn verifier): else all to the treasury.
        (uint256 attesters, uint256 share) =
            _settleVerifiers(jobId, drawnWinners.length > 0, p.verifierStake, p.slashWinnerShareBps);
        emit ForcedErrorMarked(jobId, step, opIndex, drawnWinners.length, attesters * p.verifierStake);
        _splitCredit(jobId, drawnWinners, share);
        // The budget was refunded in full when the job failed: the honeypot cost the tax alone.
        honeypotCost = job.tax;
    }
}
