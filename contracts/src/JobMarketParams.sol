// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IJobMarket} from "./interfaces/IJobMarket.sol";

/// @title JobMarketParams
/// @notice Validates JobMarket's governance parameters (reverts IJobMarket.InvalidParams). A separate,
/// stateless contract that JobMarket deploys in its constructor, so the checks do not count against
/// JobMarket's runtime code size (EIP-170).
contract JobMarketParams {
    uint256 public constant MAX_VERIFIERS = 16;
    uint256 public constant MAX_ARITY = 16;
    uint256 internal constant BPS = 10_000;

    /// @notice Revert InvalidParams(name, value) for the first parameter out of bounds.
    function check(IJobMarket.Params calldata p) external pure {
        // INVARIANT: a stake of zero would make claims, assignments and challenges free to abandon.
        if (p.solverStake == 0) revert IJobMarket.InvalidParams("solverStake", 0);
        if (p.verifierStake == 0) revert IJobMarket.InvalidParams("verifierStake", 0);
        if (p.challengeBond == 0) revert IJobMarket.InvalidParams("challengeBond", 0);
        // INVARIANT: every phase of the lifecycle must be reachable.
        if (p.claimWindow == 0) revert IJobMarket.InvalidParams("claimWindow", 0);
        if (p.solveWindow == 0) revert IJobMarket.InvalidParams("solveWindow", 0);
        if (p.challengeWindow == 0) revert IJobMarket.InvalidParams("challengeWindow", 0);
        if (p.revealWindow == 0) revert IJobMarket.InvalidParams("revealWindow", 0);
        // INVARIANT: chess clocks must let a party make at least one move after each extension.
        if (p.minClockExtension == 0) revert IJobMarket.InvalidParams("minClockExtension", 0);
        if (p.clockBudget < p.minClockExtension) {
            revert IJobMarket.InvalidParams("clockBudget", p.clockBudget);
        }
        // INVARIANT: assignment loops stay bounded.
        if (p.verifiersPerJob > MAX_VERIFIERS) {
            revert IJobMarket.InvalidParams("verifiersPerJob", p.verifiersPerJob);
        }
        if (p.bisectionArity < 2 || p.bisectionArity > MAX_ARITY) {
            revert IJobMarket.InvalidParams("bisectionArity", p.bisectionArity);
        }
        if (p.verifierFeeBps > BPS) revert IJobMarket.InvalidParams("verifierFeeBps", p.verifierFeeBps);
        if (p.protocolTaxBps > BPS) revert IJobMarket.InvalidParams("protocolTaxBps", p.protocolTaxBps);
        // INVARIANT: a slashed party never recovers its whole stake by being its own beneficiary.
        if (p.slashWinnerShareBps >= BPS) {
            revert IJobMarket.InvalidParams("slashWinnerShareBps", p.slashWinnerShareBps);
        }
        if (p.maxOpsPerStep == 0) revert IJobMarket.InvalidParams("maxOpsPerStep", 0);
        if (p.minVerifierFee > 0 && p.verifiersPerJob > 0) {
            // INVARIANT: a minimum fee must be payable by some budget, else no job could be posted.
            if (p.verifierFeeBps == 0) revert IJobMarket.InvalidParams("verifierFeeBps", 0);
            if (p.protocolTaxBps == BPS) revert IJobMarket.InvalidParams("protocolTaxBps", BPS);
        }
        // INVARIANT: a job's window stays computable: steps (< 2^31) times the per-step time fits easily,
        // but a per-step time above a day is a mistaken unit, not a policy.
        if (p.challengeWindowPerStep > 1 days) {
            revert IJobMarket.InvalidParams("challengeWindowPerStep", p.challengeWindowPerStep);
        }
    }

    /// @notice A budget (gross of the tax) that offers each of `k` verifiers at least `minFee`:
    /// fee(net) >= minFee iff net * feeBps >= minFee * k * BPS, and the net of a gross budget g is at
    /// least g * (BPS - taxBps) / BPS (check keeps both divisors nonzero when a minimum fee is set).
    function minBudget(uint256 minFee, uint256 k, uint256 feeBps, uint256 taxBps)
        external
        pure
        returns (uint256)
    {
        uint256 netMin = _ceilDiv(minFee * k * BPS, feeBps);
        return _ceilDiv(netMin * BPS, BPS - taxBps);
    }

    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a + b - 1) / b;
    }
}
