// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {JobId, GameId, RequestId, StateHash} from "../types/Types.sol";

/// @title IOpAdjudicator
/// @notice Decides one disputed operator. The DisputeGame calls `requestAdjudication` when phase 2 has
/// isolated operator `opIndex` of step `step`; the adjudicator later calls back
/// `IDisputeGame.onAdjudicated(gameId, correctOutput)`.
/// RefereeCourt (a staked committee) is the first implementation; a later one can go down to a single
/// IEEE-754 operation evaluated on-chain, removing the referees' trust.
interface IOpAdjudicator {
    /// @param input the agreed record r_{opIndex-1} (commits to the operator's inputs)
    /// @param claimedOutput the solver's record r_{opIndex}
    function requestAdjudication(
        GameId gameId,
        JobId jobId,
        uint32 step,
        uint32 opIndex,
        StateHash input,
        StateHash claimedOutput
    ) external returns (RequestId requestId);
}
