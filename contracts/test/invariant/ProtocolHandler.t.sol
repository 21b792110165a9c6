// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "../utils/Vm.sol";
import {ProtocolSetup} from "./ProtocolInvariants.t.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {JobId, GameId, JobStatus, GameStatus} from "../../src/types/Types.sol";
import {IJobMarket} from "../../src/interfaces/IJobMarket.sol";

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
        (,,,,,, bool honeypot,,,) = handler.info(1);
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

    /// Review finding: the whistleblower seals a CORRECT job at an operator (s, j < N), its own solver
    /// lies at that operator in the op trace it commits during the game, and its own challenger steers
    /// the bisection there and wins by adjudication. The court's ruling is right (that record is wrong),
    /// but the result is correct: the reveal must not slash the honest attesters.
    function test_handler_stagedGameOnCorrectJobCannotBeRevealed() public {
        handler.postJob(7 + (3 << 8), 1 ether); // 8 steps, N = 4
        handler.claimJob(0, 0);
        // correct result (mode % 3 == 0), sealed as a honeypot at (1, 1): a staged lie, not the end state
        handler.submitResult(0, (uint256(1) << 48) + 2);
        (,,,,,, bool honeypot,,, bool staged) = handler.info(1);
        require(honeypot && staged, "mode plants a staged honeypot");
        handler.attest(0, 0); // an honest attester (the result is correct)
        for (uint256 i; handler.gameCount() == 0 && i < 8; ++i) {
            handler.challenge(0, i); // the whistleblower's challenger: any account but the attester
        }
        require(market.assignments(JobId.wrap(1))[0].attested, "attested");
        for (uint256 i; i < 6; ++i) {
            handler.play(0, i, 23);
        }
        IDisputeGame.Game memory g = game.getGame(GameId.wrap(1));
        require(g.status == GameStatus.ChallengerWon && g.step == 1 && g.hi == 1, "staged win at (1, 1)");
        vm.warp(market.challengeDeadline(JobId.wrap(1)) + 1);
        handler.reveal(0);
        require(!registry.revealed(JobId.wrap(1)) && handler.ghostFalseReveals() == 0, "correct job revealed");
    }
}
