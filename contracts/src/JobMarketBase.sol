// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId, GameId, StateHash, JobStatus, Role} from "./types/Types.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IStakeManager} from "./interfaces/IStakeManager.sol";
import {IRandomness} from "./interfaces/IRandomness.sol";
import {IForcedErrorRegistry} from "./interfaces/IForcedErrorRegistry.sol";
import {IDisputeGame} from "./interfaces/IDisputeGame.sol";
import {LibDisputeTerms} from "./libraries/LibDisputeTerms.sol";
import {JobMarketParams} from "./JobMarketParams.sol";

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
    /// @notice The pure validator of governance parameters, deployed by the constructor (a separate
    /// contract keeps JobMarket under the EIP-170 code size limit).
    JobMarketParams public immutable paramsCheck;
    address public disputeGame;
    address public forcedErrorRegistry;

    /// @inheritdoc IJobMarket
    uint256 public totalEscrow;

    Params internal _params;
    uint256 internal _jobCount;
    mapping(uint256 id => Job) internal _jobs;
    mapping(uint256 id => Assignment[]) internal _assignments;
    mapping(uint256 id => mapping(address challenger => Win)) internal _wins;
    /// @dev Locations (step << 32 | opIndex) where a game on the job was won by adjudication.
    mapping(uint256 id => mapping(uint64 location => bool)) internal _errorProven;

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
        paramsCheck = new JobMarketParams();
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
    function revealTerms(JobId jobId) external view returns (RevealTerms memory t) {
        Job storage job = _job(jobId);
        (t.submitter, t.status, t.sealedTag) = (job.submitter, job.status, job.sealedTag);
    }

    /// @inheritdoc IJobMarket
    function errorProvenAt(JobId jobId, uint32 step, uint32 opIndex) external view returns (bool) {
        return _errorProven[JobId.unwrap(jobId)][_location(step, opIndex)];
    }

    /// @inheritdoc IJobMarket
    function winOf(JobId jobId, address challenger) external view returns (Win memory) {
        return _wins[JobId.unwrap(jobId)][challenger];
    }

    /// @inheritdoc IJobMarket
    function challengeDeadline(JobId jobId) external view returns (uint256) {
        return _challengeDeadline(_job(jobId));
    }

    /// @inheritdoc IJobMarket
    function assignments(JobId jobId) external view returns (Assignment[] memory) {
        return _assignments[JobId.unwrap(jobId)];
    }

    /// @inheritdoc IJobMarket
    function isAssigned(JobId jobId, address verifier) external view returns (bool) {
        return _isDrawn(jobId, verifier);
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

    /// @dev The window scales with the job (a longer job takes longer to replay) and restarts when
    /// drawVerifiers fills a seat, so every drawn verifier has a whole window.
    function _challengeDeadline(Job storage job) internal view returns (uint256) {
        Params storage p = job.params;
        return uint256(job.windowStart) + p.challengeWindow + uint256(job.steps) * p.challengeWindowPerStep;
    }

    /// @dev When the reveal window of a settled job opens. A Failed job can still take games from
    /// drawn verifiers until its challenge window closes, and `settledAt` moves to each later game
    /// resolution, so a reveal (and settlement) sees every game's outcome.
    function _revealOpensAt(Job storage job) internal view returns (uint256 opensAt) {
        opensAt = job.settledAt;
        if (job.status == JobStatus.Failed) {
            uint256 deadline = _challengeDeadline(job);
            if (deadline > opensAt) opensAt = deadline;
        }
    }

    function _location(uint32 step, uint32 opIndex) internal pure returns (uint64) {
        return (uint64(step) << 32) | opIndex;
    }

    function _isDrawn(JobId jobId, address account) internal view returns (bool) {
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        for (uint256 i; i < assigned.length; ++i) {
            if (assigned[i].verifier == account) return true;
        }
        return false;
    }

    function _assignmentOf(JobId jobId, address verifier) internal view returns (Assignment storage) {
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        for (uint256 i; i < assigned.length; ++i) {
            if (assigned[i].verifier == verifier) return assigned[i];
        }
        revert NotAssignedVerifier(jobId, verifier);
    }

    /// @dev Slash every attester (winner share credited to this contract when `toWinners`, else all to
    /// the treasury), release the rest. Returns the number of attesters slashed and the winner share.
    function _settleVerifiers(JobId jobId, bool toWinners, uint256 stake, uint256 winnerShareBps)
        internal
        returns (uint256 attesters, uint256 winnerShare)
    {
        address beneficiary = toWinners ? address(this) : address(0);
        Assignment[] storage assigned = _assignments[JobId.unwrap(jobId)];
        for (uint256 i; i < assigned.length; ++i) {
            if (assigned[i].attested) {
                winnerShare += stakes.slash(
                    assigned[i].verifier, Role.Verifier, stake, beneficiary, winnerShareBps
                );
                ++attesters;
            } else {
                stakes.unlock(assigned[i].verifier, Role.Verifier, stake);
            }
        }
    }

    /// @dev The drawn verifiers of `jobId` who won a game on it: any win (`anywhere`), else only wins by
    /// adjudication at `location`. Bounded by the assignments (<= MAX_VERIFIERS).
    function _drawnWinners(JobId jobId, bool anywhere, uint64 location)
        internal
        view
        returns (address[] memory winners)
    {
        uint256 id = JobId.unwrap(jobId);
        Assignment[] storage assigned = _assignments[id];
        winners = new address[](assigned.length);
        uint256 n;
        for (uint256 i; i < assigned.length; ++i) {
            Win storage w = _wins[id][assigned[i].verifier];
            bool counts = anywhere ? w.won : w.adjudicated && _location(w.step, w.opIndex) == location;
            if (counts) winners[n++] = assigned[i].verifier;
        }
        assembly ("memory-safe") {
            mstore(winners, n)
        }
    }

    /// @dev Pass `total` of this contract's StakeManager credit on to `winners` in equal parts; the
    /// rounding dust goes to the treasury. Bounded: `winners` are drawn verifiers (<= MAX_VERIFIERS).
    function _splitCredit(JobId jobId, address[] memory winners, uint256 total) internal {
        if (total == 0) return;
        uint256 each = total / winners.length;
        for (uint256 i; i < winners.length; ++i) {
            emit WinnerSharePaid(jobId, winners[i], each);
            stakes.transferCredit(winners[i], each);
        }
        uint256 dust = total - each * winners.length;
        if (dust > 0) stakes.transferCredit(stakes.treasury(), dust);
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
        // Reverts InvalidParams (see JobMarketParams): kept out of this contract's code size.
        paramsCheck.check(p);
        _params = p;
        emit ParamsSet(p);
    }
}
