// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IJobMarket} from "../interfaces/IJobMarket.sol";

/// @title LibDisputeTerms
/// @notice The compact view of a job that DisputeGame reads (no URI strings to copy).
library LibDisputeTerms {
    function fromJob(IJobMarket.Job storage job) internal view returns (IJobMarket.DisputeTerms memory t) {
        t.solver = job.solver;
        t.status = job.status;
        t.steps = job.steps;
        t.bisectionArity = job.params.bisectionArity;
        t.slashWinnerShareBps = job.params.slashWinnerShareBps;
        t.opsPerStep = job.opsPerStep;
        t.challengeBond = job.params.challengeBond;
        t.clockBudget = job.params.clockBudget;
        t.minClockExtension = job.params.minClockExtension;
        t.initialState = job.initialState;
        t.finalState = job.finalState;
        t.traceRoot = job.traceRoot;
    }
}
