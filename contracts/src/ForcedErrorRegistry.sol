// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId, Role} from "./types/Types.sol";
import {IForcedErrorRegistry} from "./interfaces/IForcedErrorRegistry.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IStakeManager} from "./interfaces/IStakeManager.sol";

/// @title ForcedErrorRegistry
/// @notice The forced-error jackpot (see IForcedErrorRegistry).
/// @dev Solvency: `address(this).balance == pool` (jackpots and reimbursements leave as StakeManager
/// credits).
contract ForcedErrorRegistry is IForcedErrorRegistry {
    uint256 internal constant BPS = 10_000;

    address public immutable owner;
    IStakeManager public immutable stakes;
    IJobMarket public immutable market;

    /// @inheritdoc IForcedErrorRegistry
    uint256 public pool;

    Params internal _params;
    mapping(address account => bool) internal _whistleblowers;
    mapping(uint256 jobId => bool) internal _revealed;

    /// @dev Sliding-window rate limit: each whistleblower's reveal times, in order. A reveal is allowed
    /// iff the reveal `maxRevealsPerWindow` before it is at least `rateWindow` old, i.e. fewer than the
    /// maximum fall in the last window (a fixed window allowed twice the maximum across a boundary).
    mapping(address whistleblower => uint256) public revealCount;
    mapping(address whistleblower => mapping(uint256 index => uint64)) internal _revealTimes;

    modifier onlyOwner() {
        // INVARIANT: only governance decides who may label a job a forced error.
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        _;
    }

    constructor(address owner_, IStakeManager stakes_, IJobMarket market_, Params memory params_) {
        if (owner_ == address(0) || address(stakes_) == address(0) || address(market_) == address(0)) {
            revert ZeroAddress();
        }
        owner = owner_;
        stakes = stakes_;
        market = market_;
        _setParams(params_);
    }

    /// @inheritdoc IForcedErrorRegistry
    function fund() external payable {
        pool += msg.value;
        emit Funded(msg.sender, msg.value, pool);
    }

    /// @inheritdoc IForcedErrorRegistry
    function registerWhistleblower(address whistleblower) external onlyOwner {
        if (whistleblower == address(0)) revert ZeroAddress();
        if (_whistleblowers[whistleblower]) revert AlreadyRegistered(whistleblower);
        _checkStake(whistleblower);
        _whistleblowers[whistleblower] = true;
        emit WhistleblowerRegistered(whistleblower);
    }

    /// @inheritdoc IForcedErrorRegistry
    function removeWhistleblower(address whistleblower) external onlyOwner {
        if (!_whistleblowers[whistleblower]) revert NotWhistleblower(whistleblower);
        _whistleblowers[whistleblower] = false;
        emit WhistleblowerRemoved(whistleblower);
    }

    /// @inheritdoc IForcedErrorRegistry
    function reveal(JobId jobId, bytes32 salt, uint32 step, uint32 opIndex)
        external
        returns (uint256 jackpot, uint256 reimbursed)
    {
        // INVARIANT: only vetted whistleblowers can label a job forced (else any cheater would).
        if (!_whistleblowers[msg.sender]) revert NotWhistleblower(msg.sender);
        // INVARIANT: the stake that got the whistleblower registered must still be there, not leaving.
        _checkStake(msg.sender);
        // INVARIANT: a job is revealed at most once.
        if (_revealed[JobId.unwrap(jobId)]) revert AlreadyRevealed(jobId);
        IJobMarket.RevealTerms memory job = market.revealTerms(jobId);
        bytes32 computed = sealedTagFor(jobId, salt, msg.sender, step, opIndex);
        // INVARIANT: the tag (and the error's location) was sealed into the result before anyone
        // could know the outcome.
        if (computed != job.sealedTag) revert TagMismatch(jobId, job.sealedTag, computed);
        // INVARIANT: a reveal proves an error: a game was won by adjudication at the sealed location.
        if (!market.errorProvenAt(jobId, step, opIndex)) revert ErrorNotProven(jobId, step, opIndex);
        _consumeRate(msg.sender);
        _revealed[JobId.unwrap(jobId)] = true;

        // Reverts when the job is not in a revealable state or its reveal window has closed.
        (address[] memory winners, uint256 cost) = market.onForcedErrorRevealed(jobId, step, opIndex);
        uint256 n = winners.length;
        // Only drawn verifiers who found the error share the jackpot (never the whistleblower's own
        // challenger); an even split leaves the rounding dust in the pool.
        uint256 each = n == 0 ? 0 : jackpotAmount() / n;
        jackpot = each * n;
        // The reimbursement goes to the submitter, who paid the tax: a whistleblower revealing
        // someone else's job gains nothing from it.
        reimbursed = reimbursementAmount(cost, jackpot);
        // INVARIANT: the jackpot is at most its share of the pool and the reimbursement at most its
        // share of the rest, so a reveal never pays out more than the pool holds.
        pool -= jackpot + reimbursed;
        emit ForcedErrorRevealed(jobId, msg.sender, step, opIndex, n, jackpot);
        emit HoneypotReimbursed(jobId, job.submitter, cost, reimbursed);
        for (uint256 i; i < n; ++i) {
            emit JackpotPaid(jobId, winners[i], each);
            if (each > 0) stakes.credit{value: each}(winners[i]);
        }
        if (reimbursed > 0) stakes.credit{value: reimbursed}(job.submitter);
    }

    /// @inheritdoc IForcedErrorRegistry
    function sealedTagFor(JobId jobId, bytes32 salt, address whistleblower, uint32 step, uint32 opIndex)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(jobId, salt, whistleblower, step, opIndex));
    }

    /// @inheritdoc IForcedErrorRegistry
    function nextRevealAt(address whistleblower) public view returns (uint256) {
        uint256 n = revealCount[whistleblower];
        uint256 maximum = _params.maxRevealsPerWindow;
        if (n < maximum) return 0;
        return uint256(_revealTimes[whistleblower][n - maximum]) + _params.rateWindow;
    }

    /// @inheritdoc IForcedErrorRegistry
    function jackpotAmount() public view returns (uint256) {
        Params storage p = _params;
        // Truebit rule: expected payout (jackpot * p) must cover the cost of verifying.
        uint256 fair = uint256(p.verificationCost) * BPS / p.forcedErrorRateBps;
        uint256 cap = pool * p.maxJackpotShareBps / BPS;
        return fair < cap ? fair : cap;
    }

    /// @inheritdoc IForcedErrorRegistry
    function reimbursementAmount(uint256 cost, uint256 jackpot) public view returns (uint256) {
        uint256 left = jackpot < pool ? pool - jackpot : 0;
        uint256 cap = left * _params.maxReimbursementShareBps / BPS;
        return cost < cap ? cost : cap;
    }

    /// @inheritdoc IForcedErrorRegistry
    function isWhistleblower(address account) external view returns (bool) {
        return _whistleblowers[account];
    }

    /// @inheritdoc IForcedErrorRegistry
    function revealed(JobId jobId) external view returns (bool) {
        return _revealed[JobId.unwrap(jobId)];
    }

    /// @inheritdoc IForcedErrorRegistry
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IForcedErrorRegistry
    function setParams(Params calldata newParams) external onlyOwner {
        _setParams(newParams);
    }

    function _consumeRate(address whistleblower) internal {
        uint256 allowedAt = nextRevealAt(whistleblower);
        // INVARIANT: a whistleblower cannot mass-label jobs forced to shield cheating solvers: at most
        // maxRevealsPerWindow reveals in any rateWindow seconds.
        if (block.timestamp < allowedAt) {
            revert RateLimited(
                whistleblower, _params.maxRevealsPerWindow, _params.maxRevealsPerWindow, allowedAt
            );
        }
        uint256 n = revealCount[whistleblower];
        _revealTimes[whistleblower][n] = uint64(block.timestamp);
        revealCount[whistleblower] = n + 1;
    }

    function _checkStake(address whistleblower) internal view {
        IStakeManager.Stake memory s = stakes.stakeOf(whistleblower, Role.Whistleblower);
        // Stake on its way out does not count: a whistleblower that requested withdrawal stops revealing.
        uint256 staked = uint256(s.amount) - s.pendingWithdrawal;
        uint256 required = _params.minWhistleblowerStake;
        if (staked < required) revert InsufficientWhistleblowerStake(whistleblower, staked, required);
    }

    function _setParams(Params memory p) internal {
        // INVARIANT: a zero cost would make every jackpot zero, so nobody would hunt honeypots.
        if (p.verificationCost == 0) revert InvalidParams("verificationCost", 0);
        if (p.forcedErrorRateBps == 0 || p.forcedErrorRateBps > BPS) {
            revert InvalidParams("forcedErrorRateBps", p.forcedErrorRateBps);
        }
        if (p.maxJackpotShareBps == 0 || p.maxJackpotShareBps > BPS) {
            revert InvalidParams("maxJackpotShareBps", p.maxJackpotShareBps);
        }
        // Zero is allowed: governance may fund whistleblowers some other way.
        if (p.maxReimbursementShareBps > BPS) {
            revert InvalidParams("maxReimbursementShareBps", p.maxReimbursementShareBps);
        }
        if (p.maxRevealsPerWindow == 0) revert InvalidParams("maxRevealsPerWindow", 0);
        if (p.rateWindow == 0) revert InvalidParams("rateWindow", 0);
        // INVARIANT: registration must put something at stake.
        if (p.minWhistleblowerStake == 0) revert InvalidParams("minWhistleblowerStake", 0);
        _params = p;
        emit ParamsSet(p);
    }
}
