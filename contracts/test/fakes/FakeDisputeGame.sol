// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IOpAdjudicator} from "../../src/interfaces/IOpAdjudicator.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {JobId, GameId, RequestId, StateHash} from "../../src/types/Types.sol";

/// @notice Stands in for DisputeGame in front of an adjudicator: opens requests, records answers.
contract FakeDisputeGame {
    uint256 public answers;
    address public solver;
    address public challenger;

    function setParties(address solver_, address challenger_) external {
        (solver, challenger) = (solver_, challenger_);
    }

    /// @dev Only the parties matter to the court (it keeps them off the committee).
    function getGame(GameId) external view returns (IDisputeGame.Game memory g) {
        (g.solver, g.challenger) = (solver, challenger);
    }
    GameId public lastGame;
    StateHash public lastOutput;

    function request(IOpAdjudicator adjudicator, GameId gameId, StateHash input, StateHash claimed)
        external
        returns (RequestId)
    {
        return adjudicator.requestAdjudication(gameId, JobId.wrap(1), 7, 3, input, claimed);
    }

    function onAdjudicated(GameId gameId, StateHash correctOutput) external {
        answers += 1;
        lastGame = gameId;
        lastOutput = correctOutput;
    }
}
