// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {IOpAdjudicator} from "../../src/interfaces/IOpAdjudicator.sol";
import {JobId, GameId, RequestId, StateHash} from "../../src/types/Types.sol";

/// @notice Records adjudication requests; the test answers them through `answer`.
contract FakeAdjudicator is IOpAdjudicator {
    struct Call {
        GameId gameId;
        JobId jobId;
        uint32 step;
        uint32 opIndex;
        StateHash input;
        StateHash claimedOutput;
    }

    uint256 public requestCount;
    Call public last;
    uint256 public nextRequestId; // 0: sequential

    function setNextRequestId(uint256 id) external {
        nextRequestId = id;
    }

    function requestAdjudication(
        GameId gameId,
        JobId jobId,
        uint32 step,
        uint32 opIndex,
        StateHash input,
        StateHash claimedOutput
    ) external returns (RequestId) {
        requestCount += 1;
        last = Call(gameId, jobId, step, opIndex, input, claimedOutput);
        return RequestId.wrap(nextRequestId != 0 ? nextRequestId : requestCount);
    }

    function answer(IDisputeGame game, GameId gameId, StateHash output) external {
        game.onAdjudicated(gameId, output);
    }
}
