// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {DisputeHarness} from "./utils/DisputeHarness.sol";
import {FakeJobMarket} from "./fakes/FakeJobMarket.sol";
import {IDisputeGame} from "../src/interfaces/IDisputeGame.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {LibBisection} from "../src/libraries/LibBisection.sol";
import {JobId, GameId, RequestId, StateHash, GameStatus, Party} from "../src/types/Types.sol";

contract DisputeGameTest is DisputeHarness {
    using MerkleTree for bytes32[][];

    uint256 internal constant T = 8;
    uint256 internal constant S = 5; // the dishonest trace diverges from step S on
    bytes32[] internal honest;
    bytes32[] internal bad;
    bytes32[][] internal badLevels;

    function setUp() public {
        _deploy();
        honest = _honestTrace(T);
        bad = _diverge(honest, S, "D");
        _setJob(JOB, bad, 2, 16);
        badLevels = MerkleTree.build(bad);
    }

    function _g(GameId id) internal view returns (IDisputeGame.Game memory) {
        return game.getGame(id);
    }

    function _start() internal returns (GameId) {
        return _challenge(JOB, bad[T]);
    }

    function _editJob(function(IJobMarket.Job memory) internal pure edit) internal {
        IJobMarket.Job memory job = market.getJob(JOB);
        edit(job);
        market.setJob(JOB, job);
    }

    /// @dev Plays phase 1 (dishonest solver, honest challenger) down to the isolated step S.
    function _toOpTrace() internal returns (GameId id) {
        id = _start();
        while (_g(id).status == GameStatus.StepBisection) {
            _choose(id, _open(id, bad, badLevels), honest);
        }
    }

    /// @dev An op trace of step S with `n` records, and the job's opsPerStep set to `n`.
    function _ops(uint256 n) internal returns (bytes32[] memory) {
        _setOpsPerStep(JOB, uint32(n));
        return _opTrace(n, bad[S - 1], bad[S], "O");
    }

    // ------------------------------------------------------------------ challenge

    function test_challenge_startsGame() public {
        GameId id = _start();
        IDisputeGame.Game memory g = _g(id);
        require(GameId.unwrap(id) == 1 && game.gameCount() == 1, "id");
        require(g.status == GameStatus.StepBisection && g.turn == Party.Solver, "status");
        require(g.challenger == CHALLENGER && g.solver == SOLVER, "parties");
        require(g.lo == 0 && g.hi == T && g.rounds == 0, "interval");
        require(StateHash.unwrap(g.loHash) == bad[0] && StateHash.unwrap(g.hiHash) == bad[T], "hashes");
        require(
            g.solverClock == BUDGET && g.challengerClock == BUDGET && g.lastMoveAt == block.timestamp,
            "clocks"
        );
        require(g.bond == BOND && game.totalBonds() == BOND && address(game).balance == BOND, "bond");
        require(GameId.unwrap(game.gameOf(JOB, CHALLENGER)) == 1, "gameOf");
        require(GameId.unwrap(market.lastGame()) == 1 && market.lastChallenger() == CHALLENGER, "callback");
        uint32[] memory ps = game.nextPositions(id);
        require(ps.length == 1 && ps[0] == 4, "positions");
    }

    function test_challenge_wrongFinalState_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeGame.WrongFinalState.selector, JOB, StateHash.wrap(honest[T]), StateHash.wrap(bad[T])
            )
        );
        _challenge(JOB, honest[T]);
    }

    function test_challenge_wrongBond_reverts() public {
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.WrongBond.selector, BOND - 1, BOND));
        game.challenge{value: BOND - 1}(JOB, StateHash.wrap(bad[T]));
    }

    function test_challenge_bySolver_reverts() public {
        vm.deal(SOLVER, BOND);
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.ChallengerIsSolver.selector, JOB, SOLVER));
        game.challenge{value: BOND}(JOB, StateHash.wrap(bad[T]));
    }

    function test_challenge_whileOwnGameOpen_reverts() public {
        GameId id = _start();
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.GameAlreadyOpen.selector, JOB, CHALLENGER, id));
        _start();
    }

    function test_challenge_afterOwnGameResolved_opensNewGame() public {
        GameId id = _start();
        vm.warp(block.timestamp + BUDGET);
        game.timeout(id);
        GameId id2 = _start();
        require(GameId.unwrap(id2) == 2 && GameId.unwrap(game.gameOf(JOB, CHALLENGER)) == 2, "second");
    }

    function test_challenge_challengeWindowClosed_reverts() public {
        market.setChallengeWindowClosed(true);
        vm.expectRevert(abi.encodeWithSelector(FakeJobMarket.TooLate.selector, JOB, block.timestamp, 0));
        _start();
    }

    function _zeroSteps(IJobMarket.Job memory j) internal pure {
        j.steps = 0;
    }

    function test_challenge_noSteps_reverts() public {
        _editJob(_zeroSteps);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.NoSteps.selector, JOB));
        _start();
    }

    function _zeroRoot(IJobMarket.Job memory j) internal pure {
        j.traceRoot = bytes32(0);
    }

    function test_challenge_zeroTraceRoot_reverts() public {
        _editJob(_zeroRoot);
        vm.expectRevert(IDisputeGame.ZeroRoot.selector);
        _start();
    }

    function _arityOne(IJobMarket.Job memory j) internal pure {
        j.params.bisectionArity = 1;
    }

    function test_challenge_arityBelowTwo_reverts() public {
        _editJob(_arityOne);
        vm.expectRevert(abi.encodeWithSelector(LibBisection.InvalidArity.selector, 1));
        _start();
    }

    function test_challenge_jobIdTooLarge_reverts() public {
        JobId big = JobId.wrap(uint256(type(uint48).max) + 1);
        market.setJob(big, market.getJob(JOB));
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.TooLarge.selector, "jobId", JobId.unwrap(big)));
        _challenge(big, bad[T]);
    }

    function test_challenge_singleStep_goesToOpTrace() public {
        bytes32[] memory two = _honestTrace(1);
        two[1] = keccak256("wrong");
        _setJob(JobId.wrap(2), two, 2, 16);
        GameId id = _challenge(JobId.wrap(2), two[1]);
        IDisputeGame.Game memory g = _g(id);
        require(g.status == GameStatus.AwaitingOpTrace && g.step == 1 && g.turn == Party.Solver, "isolated");
        require(StateHash.unwrap(g.loHash) == two[0], "h0");
        require(game.nextPositions(id).length == 0, "no positions");
    }

    // ------------------------------------------------------------------ open

    function test_open_recordsOpeningsAndPassesTurn() public {
        GameId id = _start();
        vm.warp(block.timestamp + 100);
        StateHash[] memory hashes = _open(id, bad, badLevels);
        IDisputeGame.Game memory g = _g(id);
        require(g.turn == Party.Challenger && g.openingsHash == keccak256(abi.encode(hashes)), "pending");
        require(g.solverClock == BUDGET - 100 && g.challengerClock == BUDGET, "clock");
        require(game.nextPositions(id).length == 0, "not solver's turn");
    }

    function test_open_byAnyone_isAForcedMove() public {
        GameId id = _start();
        (StateHash[] memory hashes, bytes32[][] memory proofs) = _openings(id, bad, badLevels);
        vm.prank(address(0xBEEF));
        game.open(id, 0, uint32(T), hashes, proofs);
        require(_g(id).turn == Party.Challenger, "opened");
    }

    function test_open_unknownGame_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.UnknownGame.selector, GameId.wrap(9)));
        game.open(GameId.wrap(9), 0, 1, new StateHash[](0), new bytes32[][](0));
    }

    function test_open_wrongTurn_reverts() public {
        GameId id = _start();
        (StateHash[] memory hashes, bytes32[][] memory proofs) = _openings(id, bad, badLevels);
        vm.prank(SOLVER);
        game.open(id, 0, uint32(T), hashes, proofs);
        vm.prank(SOLVER);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.NotYourTurn.selector, id, SOLVER, Party.Challenger)
        );
        game.open(id, 0, uint32(T), hashes, proofs);
    }

    function test_open_staleInterval_reverts() public {
        GameId id = _start();
        (StateHash[] memory hashes, bytes32[][] memory proofs) = _openings(id, bad, badLevels);
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.StaleMove.selector, id, 0, T, 0, 4));
        game.open(id, 0, 4, hashes, proofs);
    }

    function test_open_wrongCount_reverts() public {
        GameId id = _start();
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.WrongOpeningCount.selector, id, 2, 1));
        game.open(id, 0, uint32(T), new StateHash[](2), new bytes32[][](2));
        (StateHash[] memory hashes,) = _openings(id, bad, badLevels);
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.WrongOpeningCount.selector, id, 0, 1));
        game.open(id, 0, uint32(T), hashes, new bytes32[][](0));
    }

    function test_open_wrongProof_reverts() public {
        GameId id = _start();
        (StateHash[] memory hashes, bytes32[][] memory proofs) = _openings(id, bad, badLevels);
        hashes[0] = StateHash.wrap(keccak256("never committed"));
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.InvalidProof.selector, id, 4));
        game.open(id, 0, uint32(T), hashes, proofs);
    }

    function test_open_afterClockRanOut_reverts() public {
        GameId id = _start();
        (StateHash[] memory hashes, bytes32[][] memory proofs) = _openings(id, bad, badLevels);
        vm.warp(block.timestamp + BUDGET);
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.ClockExpired.selector, id, Party.Solver));
        game.open(id, 0, uint32(T), hashes, proofs);
    }

    function test_open_inAwaitingOpTrace_reverts() public {
        GameId id = _toOpTrace();
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.WrongStatus.selector, id, GameStatus.AwaitingOpTrace)
        );
        game.open(id, uint32(S - 1), uint32(S), new StateHash[](0), new bytes32[][](0));
    }

    function test_moves_afterResolution_revert() public {
        GameId id = _start();
        vm.warp(block.timestamp + BUDGET);
        game.timeout(id);
        bytes memory err =
            abi.encodeWithSelector(IDisputeGame.WrongStatus.selector, id, GameStatus.ChallengerWon);
        vm.expectRevert(err);
        game.open(id, 0, uint32(T), new StateHash[](1), new bytes32[][](1));
        vm.prank(CHALLENGER);
        vm.expectRevert(err);
        game.choose(id, 0, uint32(T), new StateHash[](1), 0, StateHash.wrap(0));
        vm.prank(SOLVER);
        vm.expectRevert(err);
        game.commitOpTrace(id, bytes32(uint256(1)), 1, new bytes32[](0), new bytes32[](0));
        vm.expectRevert(err);
        game.timeout(id);
        vm.prank(address(adj));
        vm.expectRevert(err);
        game.onAdjudicated(id, StateHash.wrap(0));
    }

    // ------------------------------------------------------------------ choose

    function _opened() internal returns (GameId id, StateHash[] memory hashes) {
        id = _start();
        hashes = _open(id, bad, badLevels);
    }

    function test_choose_disagreeWithOpening_narrowsLeft() public {
        (GameId id, StateHash[] memory hashes) = _opened();
        vm.prank(CHALLENGER);
        game.choose(id, 0, uint32(T), hashes, 0, hashes[0]);
        IDisputeGame.Game memory g = _g(id);
        require(g.lo == 0 && g.hi == 4 && g.hiHash == hashes[0] && g.rounds == 1, "left");
        require(StateHash.unwrap(g.loHash) == bad[0] && g.turn == Party.Solver, "lo kept");
    }

    function test_choose_agreeWithAll_narrowsRight() public {
        (GameId id, StateHash[] memory hashes) = _opened();
        vm.prank(CHALLENGER);
        game.choose(id, 0, uint32(T), hashes, 1, StateHash.wrap(bad[T]));
        IDisputeGame.Game memory g = _g(id);
        require(
            g.lo == 4 && g.hi == T && g.loHash == hashes[0] && StateHash.unwrap(g.hiHash) == bad[T], "right"
        );
    }

    function test_choose_bySolver_reverts() public {
        (GameId id, StateHash[] memory hashes) = _opened();
        vm.prank(SOLVER);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.NotYourTurn.selector, id, SOLVER, Party.Challenger)
        );
        game.choose(id, 0, uint32(T), hashes, 0, hashes[0]);
    }

    function test_choose_beforeOpen_reverts() public {
        GameId id = _start();
        vm.prank(CHALLENGER);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.NotYourTurn.selector, id, CHALLENGER, Party.Solver)
        );
        game.choose(id, 0, uint32(T), new StateHash[](1), 0, StateHash.wrap(0));
    }

    function test_choose_staleInterval_reverts() public {
        (GameId id, StateHash[] memory hashes) = _opened();
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.StaleMove.selector, id, 0, T, 4, T));
        game.choose(id, 4, uint32(T), hashes, 0, hashes[0]);
    }

    function test_choose_openingsMismatch_reverts() public {
        (GameId id, StateHash[] memory hashes) = _opened();
        hashes[0] = StateHash.wrap(keccak256("not opened"));
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.OpeningsMismatch.selector, id));
        game.choose(id, 0, uint32(T), hashes, 0, hashes[0]);
    }

    function test_choose_indexOutOfRange_reverts() public {
        (GameId id, StateHash[] memory hashes) = _opened();
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.IndexOutOfRange.selector, id, 2, 1));
        game.choose(id, 0, uint32(T), hashes, 2, hashes[0]);
    }

    function test_choose_wrongDisputedHash_reverts() public {
        (GameId id, StateHash[] memory hashes) = _opened();
        vm.prank(CHALLENGER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeGame.WrongDisputedHash.selector, id, StateHash.wrap(bad[T]), hashes[0]
            )
        );
        game.choose(id, 0, uint32(T), hashes, 0, StateHash.wrap(bad[T]));
        vm.prank(CHALLENGER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeGame.WrongDisputedHash.selector, id, hashes[0], StateHash.wrap(bad[T])
            )
        );
        game.choose(id, 0, uint32(T), hashes, 1, hashes[0]);
    }

    function test_choose_afterClockRanOut_reverts() public {
        (GameId id, StateHash[] memory hashes) = _opened();
        vm.warp(block.timestamp + BUDGET);
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.ClockExpired.selector, id, Party.Challenger));
        game.choose(id, 0, uint32(T), hashes, 0, hashes[0]);
    }

    function test_choose_isolatesStep() public {
        GameId id = _toOpTrace();
        IDisputeGame.Game memory g = _g(id);
        require(g.status == GameStatus.AwaitingOpTrace && g.step == S && g.lo == S - 1 && g.hi == S, "step");
        require(StateHash.unwrap(g.loHash) == bad[S - 1] && StateHash.unwrap(g.hiHash) == bad[S], "hashes");
        require(g.rounds == 3 && g.turn == Party.Solver, "rounds");
    }

    function test_choose_isolatesFirstStep_readsInitialState() public {
        bytes32[] memory wrongFirst = _diverge(honest, 1, "D");
        _setJob(JobId.wrap(2), wrongFirst, 2, 16);
        GameId id = _challenge(JobId.wrap(2), wrongFirst[T]);
        bytes32[][] memory levels = MerkleTree.build(wrongFirst);
        while (_g(id).status == GameStatus.StepBisection) {
            _choose(id, _open(id, wrongFirst, levels), honest);
        }
        IDisputeGame.Game memory g = _g(id);
        require(g.step == 1 && StateHash.unwrap(g.loHash) == honest[0], "h0");
    }

    // ------------------------------------------------------------------ commitOpTrace

    function test_commitOpTrace_startsOpBisection() public {
        GameId id = _toOpTrace();
        bytes32[] memory ops = _ops(10);
        bytes32[][] memory levels = MerkleTree.build(ops);
        _commit(id, ops, levels);
        IDisputeGame.Game memory g = _g(id);
        require(g.status == GameStatus.OpBisection && g.turn == Party.Solver, "phase 2");
        require(g.lo == 0 && g.hi == 10 && g.nOps == 10 && g.opRoot == levels.root(), "interval");
        require(g.step == S && StateHash.unwrap(g.loHash) == bad[S - 1], "step");
        require(game.nextPositions(id)[0] == 5, "positions");
    }

    function test_commitOpTrace_singleOp_goesToAdjudication() public {
        GameId id = _toOpTrace();
        bytes32[] memory ops = _ops(1);
        _commit(id, ops, MerkleTree.build(ops));
        IDisputeGame.Game memory g = _g(id);
        require(g.status == GameStatus.Adjudicating && g.turn == Party.None, "adjudicating");
        require(RequestId.unwrap(g.requestId) == 1 && adj.requestCount() == 1, "request");
        (GameId gid, JobId jid, uint32 step, uint32 opIndex, StateHash input, StateHash out) = adj.last();
        require(gid == id && jid == JOB && step == S && opIndex == 1, "request ids");
        require(StateHash.unwrap(input) == bad[S - 1] && StateHash.unwrap(out) == bad[S], "request hashes");
    }

    function test_commitOpTrace_unknownGame_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.UnknownGame.selector, GameId.wrap(7)));
        game.commitOpTrace(GameId.wrap(7), bytes32(uint256(1)), 1, new bytes32[](0), new bytes32[](0));
    }

    function test_commitOpTrace_duringStepBisection_reverts() public {
        GameId id = _start();
        vm.prank(SOLVER);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.WrongStatus.selector, id, GameStatus.StepBisection)
        );
        game.commitOpTrace(id, bytes32(uint256(1)), 1, new bytes32[](0), new bytes32[](0));
    }

    function test_commitOpTrace_notSolver_reverts() public {
        GameId id = _toOpTrace();
        vm.prank(CHALLENGER);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.NotYourTurn.selector, id, CHALLENGER, Party.Solver)
        );
        game.commitOpTrace(id, bytes32(uint256(1)), 1, new bytes32[](0), new bytes32[](0));
    }

    function test_commitOpTrace_zeroRoot_reverts() public {
        GameId id = _toOpTrace();
        vm.prank(SOLVER);
        vm.expectRevert(IDisputeGame.ZeroRoot.selector);
        game.commitOpTrace(id, bytes32(0), 1, new bytes32[](0), new bytes32[](0));
    }

    function test_commitOpTrace_wrongOpCount_reverts() public {
        GameId id = _toOpTrace();
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.WrongOpCount.selector, id, 0, 16));
        game.commitOpTrace(id, bytes32(uint256(1)), 0, new bytes32[](0), new bytes32[](0));
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.WrongOpCount.selector, id, 17, 16));
        game.commitOpTrace(id, bytes32(uint256(1)), 17, new bytes32[](0), new bytes32[](0));
    }

    /// Review finding (critical): the solver claims as h_s the honest chained record after N' < N
    /// operators and commits only those N' honest records, so every opening is honest and the last
    /// operator's correct output is its claim. N is the job's, so the truncated trace is refused.
    function test_commitOpTrace_honestPrefix_refused() public {
        bytes32[] memory truth = _opTrace(16, bad[S - 1], honest[S], "O");
        for (uint256 np = 1; np < 16; ++np) {
            GameId id = _prefixGame(truth, np);
            bytes32[] memory prefix = new bytes32[](np + 1);
            for (uint256 i; i <= np; ++i) {
                prefix[i] = truth[i];
            }
            bytes32[][] memory levels = MerkleTree.build(prefix);
            vm.prank(SOLVER);
            vm.expectRevert(abi.encodeWithSelector(IDisputeGame.WrongOpCount.selector, id, np, 16));
            game.commitOpTrace(id, levels.root(), uint32(np), levels.proof(0), levels.proof(np));
        }
    }

    /// ...and with N fixed, the same claim must sit at r_N, where the court recomputes the end state.
    function test_honestPrefixClaim_atEndState_challengerWins() public {
        bytes32[] memory truth = _opTrace(16, bad[S - 1], honest[S], "O");
        GameId id = _prefixGame(truth, 3);
        bytes32[] memory solverOps = _opTrace(16, bad[S - 1], truth[3], "O"); // honest records, r_16 = r_3
        GameStatus outcome = _play(id, bad, bad, solverOps, truth, truth);
        require(outcome == GameStatus.ChallengerWon, "prefix claim won");
        require(_g(id).hi == 16, "disputed at the end state r_N");
    }

    /// @dev A game on a job whose step S was claimed as `truth[np]` (an honest intermediate record),
    /// played (honestly by both) down to the isolated step S.
    function _prefixGame(bytes32[] memory truth, uint256 np) internal returns (GameId id) {
        uint256 jobNo = 100 + np;
        bytes32[] memory claimed = _diverge(honest, S, "D");
        claimed[S] = truth[np];
        _setJob(JobId.wrap(jobNo), claimed, 2, 16);
        id = _challenge(JobId.wrap(jobNo), claimed[T]);
        bytes32[][] memory levels = MerkleTree.build(claimed);
        while (_g(id).status == GameStatus.StepBisection) {
            _choose(id, _open(id, claimed, levels), honest);
        }
        require(_g(id).step == S, "isolated S");
    }

    function test_commitOpTrace_firstLeafNotBound_reverts() public {
        GameId id = _toOpTrace();
        _setOpsPerStep(JOB, 6);
        bytes32[] memory ops = _opTrace(6, keccak256("other start"), bad[S], "O");
        bytes32[][] memory levels = MerkleTree.build(ops);
        vm.prank(SOLVER);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.OpTraceNotBound.selector, id, 0, StateHash.wrap(bad[S - 1]))
        );
        game.commitOpTrace(id, levels.root(), 6, levels.proof(0), levels.proof(6));
    }

    function test_commitOpTrace_lastLeafNotBound_reverts() public {
        GameId id = _toOpTrace();
        _setOpsPerStep(JOB, 6);
        // the opML bug: an op trace that starts right but ends somewhere else than the claimed h_s
        bytes32[] memory ops = _opTrace(6, bad[S - 1], honest[S], "O");
        bytes32[][] memory levels = MerkleTree.build(ops);
        vm.prank(SOLVER);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.OpTraceNotBound.selector, id, 6, StateHash.wrap(bad[S]))
        );
        game.commitOpTrace(id, levels.root(), 6, levels.proof(0), levels.proof(6));
    }

    function test_commitOpTrace_requestIdTooLarge_reverts() public {
        GameId id = _toOpTrace();
        adj.setNextRequestId(uint256(type(uint48).max) + 1);
        bytes32[] memory ops = _ops(1);
        bytes32[][] memory levels = MerkleTree.build(ops);
        vm.prank(SOLVER);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.TooLarge.selector, "requestId", uint256(type(uint48).max) + 1)
        );
        game.commitOpTrace(id, levels.root(), 1, levels.proof(0), levels.proof(1));
    }

    // ------------------------------------------------------------------ timeout

    function test_timeout_unknownGame_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.UnknownGame.selector, GameId.wrap(3)));
        game.timeout(GameId.wrap(3));
    }

    function test_timeout_beforeExpiry_reverts() public {
        GameId id = _start();
        vm.warp(block.timestamp + BUDGET - 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.ClockNotExpired.selector, id, Party.Solver, 1));
        game.timeout(id);
    }

    function test_timeout_solverRanOut_challengerWins() public {
        GameId id = _start();
        vm.warp(block.timestamp + BUDGET);
        game.timeout(id);
        require(_g(id).status == GameStatus.ChallengerWon && _g(id).turn == Party.None, "won");
        require(stakes.creditOf(CHALLENGER) == BOND && game.totalBonds() == 0, "bond back");
        require(address(game).balance == 0 && address(stakes).balance == BOND, "solvent");
        require(market.lastChallengerWon() && market.lastChallenger() == CHALLENGER, "callback");
    }

    function test_timeout_challengerRanOut_solverWinsBondSplit() public {
        (GameId id,) = _opened();
        vm.warp(block.timestamp + BUDGET);
        game.timeout(id);
        require(_g(id).status == GameStatus.SolverWon, "won");
        uint256 toSolver = (uint256(BOND) * WINNER_BPS) / 10_000;
        require(stakes.creditOf(SOLVER) == toSolver && stakes.creditOf(TREASURY) == BOND - toSolver, "split");
        require(
            stakes.creditOf(CHALLENGER) == 0 && game.totalBonds() == 0 && !market.lastChallengerWon(), "lost"
        );
    }

    function test_timeout_awaitingOpTrace_solverLoses() public {
        GameId id = _toOpTrace();
        (uint256 solverLeft,) = game.clocks(id);
        vm.warp(block.timestamp + solverLeft);
        game.timeout(id);
        require(_g(id).status == GameStatus.ChallengerWon, "won");
    }

    function test_timeout_whileAdjudicating_reverts() public {
        GameId id = _toOpTrace();
        bytes32[] memory ops = _ops(1);
        _commit(id, ops, MerkleTree.build(ops));
        vm.warp(block.timestamp + 10 * BUDGET);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.WrongStatus.selector, id, GameStatus.Adjudicating)
        );
        game.timeout(id);
    }

    // ------------------------------------------------------------------ onAdjudicated

    function _adjudicating() internal returns (GameId id) {
        id = _toOpTrace();
        bytes32[] memory ops = _ops(1);
        _commit(id, ops, MerkleTree.build(ops));
    }

    function test_onAdjudicated_notAdjudicator_reverts() public {
        GameId id = _adjudicating();
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.NotAdjudicator.selector, address(this)));
        game.onAdjudicated(id, StateHash.wrap(bad[S]));
    }

    function test_onAdjudicated_unknownGame_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.UnknownGame.selector, GameId.wrap(5)));
        adj.answer(game, GameId.wrap(5), StateHash.wrap(bad[S]));
    }

    function test_onAdjudicated_notAdjudicating_reverts() public {
        GameId id = _start();
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeGame.WrongStatus.selector, id, GameStatus.StepBisection)
        );
        adj.answer(game, id, StateHash.wrap(bad[S]));
    }

    function test_onAdjudicated_solverRight_solverWins() public {
        GameId id = _adjudicating();
        adj.answer(game, id, StateHash.wrap(bad[S]));
        require(_g(id).status == GameStatus.SolverWon && game.totalBonds() == 0, "solver");
    }

    function test_onAdjudicated_solverWrong_challengerWins() public {
        GameId id = _adjudicating();
        adj.answer(game, id, StateHash.wrap(honest[S]));
        require(
            _g(id).status == GameStatus.ChallengerWon && stakes.creditOf(CHALLENGER) == BOND, "challenger"
        );
    }

    // ------------------------------------------------------------------ views

    function test_maxRounds_isSumOfCeilLogs() public view {
        require(game.maxRounds(1024, 4096, 2) == 22 && game.maxRounds(1, 1, 2) == 0, "k2");
        require(game.maxRounds(1000, 100, 8) == 4 + 3, "k8");
        require(game.MOVE_OVERHEAD() == 3, "overhead");
    }

    function test_getGame_unknown_isEmpty() public view {
        require(_g(GameId.wrap(42)).status == GameStatus.None, "empty");
        require(game.nextPositions(GameId.wrap(42)).length == 0, "no positions");
    }

    // ------------------------------------------------------------------ clocks

    function testFuzz_clocks_chargeAndTopUp(uint32 budget, uint32 minExt, uint32 d1, uint32 d2) public {
        budget = uint32(bound(budget, 1, 30 days));
        minExt = uint32(bound(minExt, 0, 30 days));
        IJobMarket.Job memory j = market.getJob(JOB);
        j.params.clockBudget = budget;
        j.params.minClockExtension = minExt;
        market.setJob(JOB, j);
        GameId id = _start();
        d1 = uint32(bound(d1, 0, budget - 1));
        vm.warp(block.timestamp + d1);
        (uint256 sLeft, uint256 cLeft) = game.clocks(id);
        require(sLeft == budget - d1 && cLeft == budget, "running");
        StateHash[] memory hashes = _open(id, bad, badLevels);
        uint256 sAfter = budget - d1;
        uint256 cAfter = budget > minExt ? budget : minExt;
        (sLeft, cLeft) = game.clocks(id);
        require(sLeft == sAfter && cLeft == cAfter, "after open");
        d2 = uint32(bound(d2, 0, cAfter - 1));
        vm.warp(block.timestamp + d2);
        vm.prank(CHALLENGER);
        game.choose(id, 0, uint32(T), hashes, 0, hashes[0]);
        IDisputeGame.Game memory g = _g(id);
        require(g.challengerClock == cAfter - d2, "charged");
        require(g.solverClock == (sAfter > minExt ? sAfter : minExt), "topped up");
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    // ------------------------------------------------------------------ actors

    struct Duel {
        bytes32[] h; // honest states
        bytes32[] d; // dishonest states, diverging from step s
        bytes32[] truthOps; // honest op records of step s
        bytes32[] badOps; // dishonest op records, diverging from op j, bound to (h_{s-1}, d_s)
        uint256 bound;
    }

    function _duelData(uint256 t, uint256 s, uint256 n, uint256 j, uint16 k)
        internal
        view
        returns (Duel memory x)
    {
        x.h = _honestTrace(t);
        x.d = _diverge(x.h, s, "D");
        x.truthOps = _opTrace(n, x.h[s - 1], x.h[s], "O");
        x.badOps = _diverge(x.truthOps, j, "P");
        x.badOps[n] = x.d[s];
        x.bound = game.maxRounds(t, n, k);
    }

    /// @dev Honest party always wins, both directions, within maxRounds rounds; the referee is honest.
    function _duel(uint256 t, uint256 s, uint256 n, uint256 j, uint16 k, uint256 jobNo) internal {
        Duel memory x = _duelData(t, s, n, j, k);

        // dishonest solver (trace d, ops badOps) vs honest challenger
        _setJob(JobId.wrap(jobNo), x.d, k, uint32(n));
        GameId ga = _challenge(JobId.wrap(jobNo), x.d[t]);
        require(
            _play(ga, x.d, x.h, x.badOps, x.truthOps, x.truthOps) == GameStatus.ChallengerWon,
            "challenger lost"
        );
        require(_g(ga).rounds <= x.bound && _g(ga).step == s, "bound a");

        // honest solver vs dishonest challenger who disputes correct openings from step s / op j on
        _setJob(JobId.wrap(jobNo + 1), x.h, k, uint32(n));
        GameId gb = _challenge(JobId.wrap(jobNo + 1), x.h[t]);
        x.badOps[n] = x.h[s]; // the challenger's belief agrees on nothing from op j on, but r_N is the solver's
        require(_play(gb, x.h, x.d, x.truthOps, x.badOps, x.truthOps) == GameStatus.SolverWon, "solver lost");
        require(_g(gb).rounds <= x.bound && _g(gb).step == s, "bound b");
        // solvency: every bond came back out as a credit
        require(game.totalBonds() == address(game).balance, "solvency");
    }

    function testFuzz_actors_honestPartyAlwaysWins(uint16 t, uint16 s, uint16 n, uint16 j, uint8 k) public {
        t = uint16(bound(t, 1, 64));
        s = uint16(bound(s, 1, t));
        n = uint16(bound(n, 1, 128));
        j = uint16(bound(j, 1, n));
        k = uint8(bound(k, 2, 8));
        _duel(t, s, n, j, k, 10);
    }

    function test_actors_fullSize_T1024_N4096() public {
        _duel(1024, 333, 4096, 4095, 2, 10);
        _duel(1024, 1024, 4096, 1, 8, 20);
    }
}
