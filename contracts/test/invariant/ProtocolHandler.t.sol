// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "../utils/Vm.sol";
import {ProtocolSetup} from "./ProtocolInvariants.t.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {JobId, GameId, JobStatus, GameStatus} from "../../src/types/Types.sol";

/// @notice The handler can drive whole games to both outcomes (so the invariants are not vacuous).
contract ProtocolHandlerTest is ProtocolSetup {
    function _gameToEnd(uint256 mode) internal returns (IDisputeGame.Game memory g) {
        handler.postJob(7, 1 ether);
        handler.claimJob(0, 0);
        handler.submitResult(0, mode);
        require(market.jobStatus(JobId.wrap(1)) == JobStatus.Submitted, "not submitted");
        handler.challenge(0, 0);
        require(handler.gameCount() == 1, "no game");
        handler.play(0, 0, 23);
        handler.play(0, 1, 23);
        g = game.getGame(GameId.wrap(1));
    }

    function test_handler_dishonestSolverLosesToHonestChallenger() public {
        IDisputeGame.Game memory g = _gameToEnd(1); // mode % 3 != 0: the result is wrong
        require(g.status == GameStatus.ChallengerWon, "honest challenger must win");
        require(market.jobStatus(JobId.wrap(1)) == JobStatus.Failed, "job must fail");
        require(handler.ghostResolvedGames() == 1 && handler.ghostHonestLosses() == 0, "ghosts");
    }

    function test_handler_honestSolverBeatsDishonestChallenger() public {
        IDisputeGame.Game memory g = _gameToEnd(3); // mode % 3 == 0: the result is right
        require(g.status == GameStatus.SolverWon, "honest solver must win");
        require(market.jobStatus(JobId.wrap(1)) == JobStatus.Submitted, "job stays submitted");
        require(handler.ghostResolvedGames() == 1 && handler.ghostHonestLosses() == 0, "ghosts");
    }

    function test_handler_revealReimbursesTheHoneypotTax() public {
        _gameToEnd(1); // mode 1: a wrong result sealed as a honeypot, caught by the challenger
        (,,,,,, bool honeypot,,) = handler.info(1);
        require(honeypot, "mode 1 plants a honeypot");
        vm.warp(market.challengeDeadline(JobId.wrap(1)) + 1); // no more games can open
        handler.reveal(0);
        require(registry.revealed(JobId.wrap(1)), "revealed");
        uint256 tax = market.getJob(JobId.wrap(1)).tax;
        require(tax > 0 && handler.ghostReimbursed() == tax, "the tax came back");
        require(handler.ghostHoneypotCost() == tax && handler.ghostBadReimbursements() == 0, "ghosts");
    }

    function test_handler_moveAfterResolutionReverts() public {
        _gameToEnd(1);
        handler.moveAfterResolution(0);
        require(handler.ghostMovesAfterResolution() == 0, "moved after resolution");
    }
}
