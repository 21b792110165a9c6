// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId, GameId, StateHash, JobStatus, Role} from "./types/Types.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IStakeManager} from "./interfaces/IStakeManager.sol";
import {IRandomness} from "./interfaces/IRandomness.sol";
import {IForcedErrorRegistry} from "./interfaces/IForcedErrorRegistry.sol";
import {LibDisputeTerms} from "./libraries/LibDisputeTerms.sol";

/// @title JobMarketBase
/// @notice JobMarket's state, governance, views and the bookkeeping helpers its transitions share
/// (escrow accounting, pull payouts, verifier settlement, parameter validation). The lifecycle
/// transitions themselves live in JobMarket.
abstract contract JobMarketBase is IJobMarket {
    uint256 public constant MAX_VERIFIERS = 16;
    uint256 public constant MAX_ARITY = 16;
    uint256 public constant MAX_STEPS = 2 ** 31;
    uint256 internal constant BPS = 10_000;

    address public immutable owner;
    IStakeManager public immutable stakes;
    IRandomness public immutable randomness;
    address public disputeGame;
    address public forcedErrorRegistry;

    /// @inheritdoc IJobMarket
    uint256 public totalEscrow;

    Params internal _params;
    uint256 internal _jobCount;
    mapping(uint256 id => Job) internal _jobs;
    mapping(uint256 id => Assignment[]) internal _assignments;

    modifier onlyOwner() {
        // INVARIANT: governance actions come from the owner only.
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        _;
    }

    modifier onlyDisputeGame() {
        // INVARIANT: game bookkeeping can only be driven by the wired DisputeGame.
        if (msg.sender != disputeGame || msg.sender == address(0)) revert NotDisputeGame(msg.sender);
        _;
    }

    constructor(address owner_, IStakeManager stakes_, IRandomness randomness_, Params memory params_) {
        if (owner_ == address(0) || address(stakes_) == address(0) || address(randomness_) == address(0)) {
            revert ZeroAddress();
        }
        owner = owner_;
        stakes = stakes_;
        randomness = randomness_;
        _setParams(params_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IJobMarket
    function getJob(JobId jobId) external view returns (Job memory) {
        return _job(jobId);
    }

    /// @inheritdoc IJobMarket
    function disputeTerms(JobId jobId) external view returns (DisputeTerms memory) {
        return LibDisputeTerms.fromJob(_job(jobId));
    }

    /// @inheritdoc IJobMarket
    function jobStatus(JobId jobId) external view returns (JobStatus) {
        return _jobs[JobId.unwrap(jobId)].status;
    }

    /// @inheritdoc IJobMarket
    function assignments(JobId jobId) external view returns (Assignment[] memory) {
        return _assignments[JobId.unwrap(jobId)];
    }

    /// @inheritdoc IJobMarket
    function isAssigned(JobId jobId, address verifier) external view returns (bool) {
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        for (uint256 i; i < assigned.length; ++i) {
            if (assigned[i].verifier == verifier) return true;
        }
        return false;
    }

    /// @inheritdoc IJobMarket
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IJobMarket
    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc IJobMarket
    function setParams(Params calldata newParams) external onlyOwner {
        _setParams(newParams);
    }

    /// @inheritdoc IJobMarket
    function wire(address disputeGame_, address forcedErrorRegistry_) external onlyOwner {
        // INVARIANT: the protocol contracts are fixed once jobs can reference them.
        if (forcedErrorRegistry != address(0)) revert AlreadyWired();
        if (disputeGame_ == address(0) || forcedErrorRegistry_ == address(0)) revert ZeroAddress();
        disputeGame = disputeGame_;
        forcedErrorRegistry = forcedErrorRegistry_;
        emit Wired(disputeGame_, forcedErrorRegistry_);
    }

    // ---------------------------------------------------------------- internal

    function _storeJob(
        bytes32 specHash,
        string calldata specURI,
        uint32 steps,
        bytes32 graphHash,
        uint32 opsPerStep,
        StateHash initialState,
        uint256 budget,
        uint256 tax
    ) internal returns (JobId jobId) {
        uint256 id = ++_jobCount;
        jobId = JobId.wrap(id);
        Job storage job = _jobs[id];
        job.submitter = msg.sender;
        job.status = JobStatus.Open;
        job.postedAt = uint64(block.timestamp);
        job.steps = steps;
        job.opsPerStep = opsPerStep;
        // Total ETH supply is far below 2^128, so the narrowings cannot truncate.
        job.budget = uint128(budget);
        job.tax = uint128(tax);
        job.specHash = specHash;
        job.graphHash = graphHash;
        job.initialState = initialState;
        job.specURI = specURI;
        // Snapshot: later governance changes never touch a live job.
        job.params = _params;
        totalEscrow += budget;
    }

    function _emitPosted(JobId jobId, uint256 tax) internal {
        Job storage job = _jobs[JobId.unwrap(jobId)];
        emit JobPosted(
            jobId,
            job.submitter,
            job.budget,
            tax,
            job.steps,
            job.specHash,
            job.graphHash,
            job.opsPerStep,
            job.initialState,
            job.specURI
        );
    }

    function _job(JobId jobId) internal view returns (Job storage job) {
        job = _jobs[JobId.unwrap(jobId)];
        // INVARIANT: status 0 is never a job, so ids outside 1..jobCount are rejected here.
        if (job.status == JobStatus.None) revert UnknownJob(jobId);
    }

    function _expectStatus(JobId jobId, Job storage job, JobStatus expected) internal view {
        // INVARIANT: every transition starts from exactly one state of the lifecycle.
        if (job.status != expected) revert WrongStatus(jobId, job.status, expected);
    }

    function _challengeDeadline(Job storage job) internal view returns (uint256) {
        return uint256(job.submittedAt) + job.params.challengeWindow;
    }

    function _assignmentOf(JobId jobId, address verifier) internal view returns (Assignment storage) {
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        for (uint256 i; i < assigned.length; ++i) {
            if (assigned[i].verifier == verifier) return assigned[i];
        }
        revert NotAssignedVerifier(jobId, verifier);
    }

    /// @dev Slash every attester (share to `winner`, all to the treasury when zero), release the rest.
    /// Returns the number of attesters slashed.
    function _settleVerifiers(JobId jobId, address winner, uint256 stake, uint256 winnerShareBps)
        internal
        returns (uint256 attesters)
    {
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        for (uint256 i; i < assigned.length; ++i) {
            if (assigned[i].attested) {
                stakes.slash(assigned[i].verifier, Role.Verifier, stake, winner, winnerShareBps);
                ++attesters;
            } else {
                stakes.unlock(assigned[i].verifier, Role.Verifier, stake);
            }
        }
    }

    /// @dev Unlock every assigned verifier's stake.
    function _releaseVerifiers(JobId jobId, uint256 stake) internal {
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        for (uint256 i; i < assigned.length; ++i) {
            stakes.unlock(assigned[i].verifier, Role.Verifier, stake);
        }
    }

    function _refundBudget(Job storage job) internal {
        uint256 budget = job.budget;
        totalEscrow -= budget;
        _pay(job.submitter, budget);
    }

    /// @dev Every payout is a pull-payment credit in StakeManager; empty shares are skipped.
    function _pay(address to, uint256 amount) internal {
        if (amount > 0) stakes.credit{value: amount}(to);
    }

    function _setParams(Params memory p) internal {
        // INVARIANT: a stake of zero would make claims, assignments and challenges free to abandon.
        if (p.solverStake == 0) revert InvalidParams("solverStake", 0);
        if (p.verifierStake == 0) revert InvalidParams("verifierStake", 0);
        if (p.challengeBond == 0) revert InvalidParams("challengeBond", 0);
        // INVARIANT: every phase of the lifecycle must be reachable.
        if (p.claimWindow == 0) revert InvalidParams("claimWindow", 0);
        if (p.solveWindow == 0) revert InvalidParams("solveWindow", 0);
        if (p.challengeWindow == 0) revert InvalidParams("challengeWindow", 0);
        if (p.revealWindow == 0) revert InvalidParams("revealWindow", 0);
        // INVARIANT: chess clocks must let a party make at least one move after each extension.
        if (p.minClockExtension == 0) revert InvalidParams("minClockExtension", 0);
        if (p.clockBudget < p.minClockExtension) revert InvalidParams("clockBudget", p.clockBudget);
        // INVARIANT: assignment loops stay bounded.
        if (p.verifiersPerJob > MAX_VERIFIERS) revert InvalidParams("verifiersPerJob", p.verifiersPerJob);
        if (p.bisectionArity < 2 || p.bisectionArity > MAX_ARITY) {
            revert InvalidParams("bisectionArity", p.bisectionArity);
        }
        if (p.verifierFeeBps > BPS) revert InvalidParams("verifierFeeBps", p.verifierFeeBps);
        if (p.protocolTaxBps > BPS) revert InvalidParams("protocolTaxBps", p.protocolTaxBps);
        // INVARIANT: a slashed party never recovers its whole stake by being its own beneficiary.
        if (p.slashWinnerShareBps >= BPS) revert InvalidParams("slashWinnerShareBps", p.slashWinnerShareBps);
        if (p.maxOpsPerStep == 0) revert InvalidParams("maxOpsPerStep", 0);
        _params = p;
        emit ParamsSet(p);
    }
}
