// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId, GameId, StateHash, JobStatus, Role} from "./types/Types.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IStakeManager} from "./interfaces/IStakeManager.sol";
import {IRandomness} from "./interfaces/IRandomness.sol";
import {IForcedErrorRegistry} from "./interfaces/IForcedErrorRegistry.sol";
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
        job.status = JobStatus.Submitted;
        emit ResultSubmitted(
            jobId,
            msg.sender,
            finalState,
            traceRoot,
            sealedTag,
            artifactURI,
            block.timestamp + job.params.challengeWindow
        );

        Params storage p = job.params;
        address[] memory drawn;
        if (p.verifiersPerJob > 0) {
            uint256 seed = randomness.randomWord(keccak256(abi.encode("verifiers", jobId)));
            // Fewer verifiers than asked (even none) is accepted: anyone can still challenge.
            address[] memory parties = new address[](1);
            parties[0] = msg.sender; // a solver never verifies its own result
            drawn = stakes.draw(Role.Verifier, p.verifiersPerJob, p.verifierStake, seed, parties);
        }
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        for (uint256 i; i < drawn.length; ++i) {
            assigned.push(Assignment({verifier: drawn[i], attested: false, challenged: false}));
            stakes.lock(drawn[i], Role.Verifier, p.verifierStake);
        }
        emit VerifiersAssigned(jobId, drawn);
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
    function settleFailure(JobId jobId) external {
        Job storage job = _job(jobId);
        _expectStatus(jobId, job, JobStatus.Failed);
        // INVARIANT: a solver stake is slashed or released exactly once.
        if (job.solverSettled) revert AlreadySettled(jobId);
        uint256 revealEnd = uint256(job.settledAt) + job.params.revealWindow;
        // INVARIANT: a forced-error reveal (which spares the solver) must get its whole window first.
        if (block.timestamp <= revealEnd) revert TooEarly(jobId, block.timestamp, revealEnd + 1);
        job.solverSettled = true;
        job.verifiersReleased = true;

        Params storage p = job.params;
        uint256 solverSlashed = p.solverStake;
        stakes.slash(job.solver, Role.Solver, solverSlashed, job.winningChallenger, p.slashWinnerShareBps);
        // Attesters are released, not slashed: a solver can lose a game on purpose (time out, commit a
        // bad operator) from a second address, so a failed job does not prove its attesters lazy, and
        // slashing them would let that address pocket their stake. Only a forced-error reveal, which
        // a solver cannot fake, proves an attester did not check (see onForcedErrorRevealed).
        _releaseVerifiers(jobId, p.verifierStake);
        emit FailureSettled(jobId, solverSlashed);
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
        _expectStatus(jobId, job, JobStatus.Submitted);
        uint256 deadline = _challengeDeadline(job);
        // INVARIANT: games open only inside the challenge window, so finalize cannot be stalled later.
        if (block.timestamp > deadline) revert TooLate(jobId, block.timestamp, deadline);
        // INVARIANT: a solver cannot challenge itself (it would only game the slash shares).
        if (challenger == job.solver) revert ChallengerIsSolver(jobId, challenger);
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
        emit GameResolved(jobId, gameId, challenger, challengerWon);
        // Only the first winning game fails the job; later wins change nothing.
        if (!challengerWon || job.status != JobStatus.Submitted) return;
        job.status = JobStatus.Failed;
        job.winningChallenger = challenger;
        job.settledAt = uint64(block.timestamp);
        emit JobFailed(jobId, job.solver, challenger, "challenger won");
        _refundBudget(job);
    }

    /// @inheritdoc IJobMarket
    function onForcedErrorRevealed(JobId jobId)
        external
        returns (address winningChallenger, uint256 honeypotCost)
    {
        // INVARIANT: only the registry, after checking the sealed tag and rate limit, can spare a solver.
        if (msg.sender != forcedErrorRegistry || msg.sender == address(0)) {
            revert NotForcedErrorRegistry(msg.sender);
        }
        Job storage job = _job(jobId);
        JobStatus status = job.status;
        // INVARIANT: a job is marked a forced error at most once.
        if (job.forcedError) revert AlreadySettled(jobId);
        if (status == JobStatus.Failed) {
            // A Failed job without a winning challenger (missed deadline) was settled on the spot.
            if (job.solverSettled || job.winningChallenger == address(0)) revert AlreadySettled(jobId);
        } else if (status == JobStatus.Finalized) {
            if (job.verifiersReleased) revert AlreadySettled(jobId);
        } else {
            revert WrongStatus(jobId, status, JobStatus.Failed);
        }
        uint256 revealEnd = uint256(job.settledAt) + job.params.revealWindow;
        // INVARIANT: after the reveal window stakes may already be settled; a reveal cannot reopen them.
        if (block.timestamp > revealEnd) revert TooLate(jobId, block.timestamp, revealEnd);

        bool solverLocked = !job.solverSettled;
        job.forcedError = true;
        job.solverSettled = true;
        job.verifiersReleased = true;
        winningChallenger = job.winningChallenger;

        Params storage p = job.params;
        // The honeypot solver erred on purpose: it is spared.
        if (solverLocked) stakes.unlock(job.solver, Role.Solver, p.solverStake);
        uint256 attesters = _settleVerifiers(jobId, winningChallenger, p.verifierStake, p.slashWinnerShareBps);
        uint256 attestersSlashed = attesters * p.verifierStake;
        emit ForcedErrorMarked(jobId, winningChallenger, attestersSlashed);

        honeypotCost = job.tax;
        if (status == JobStatus.Finalized && attesters > 0) {
            // finalize paid each attester the same share of the budget (see there).
            uint256 fees =
                attesters * (job.budget * p.verifierFeeBps / BPS / _assignments[JobId.unwrap(jobId)].length);
            // INVARIANT: the fees counted as lost never exceed the stake this reveal takes from the
            // attesters, so a whistleblower paying fees to its own verifier accounts cannot turn the
            // reimbursement into a profit.
            honeypotCost += fees < attestersSlashed ? fees : attestersSlashed;
        }
    }
}
