// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {Traces} from "./utils/Traces.sol";
import {ProtocolSetup} from "./invariant/ProtocolInvariants.t.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {IDisputeGame} from "../src/interfaces/IDisputeGame.sol";
import {LibBisection} from "../src/libraries/LibBisection.sol";
import {JobId, GameId, RequestId, StateHash, GameStatus} from "../src/types/Types.sol";

/// @notice Gas of a whole dispute on the REAL protocol (JobMarket, StakeManager, RefereeCourt with a
/// drawn committee of one), T = 1024 steps, N = 4096 operators, k = 2. Each measured call starts with
/// cold storage (`vm.cool`), as its own transaction would. Numbers are execution gas; the intrinsic
/// 21,000 per transaction is reported separately. Run: `make bench`.
contract ProtocolGasBench is ProtocolSetup {
    using MerkleTree for bytes32[][];

    uint256 internal constant T = 1024;
    uint256 internal constant N = 4096;
    uint256 internal constant STEP = 700;
    uint256 internal constant OP = 2500;
    address internal constant SUBMITTER = address(0x5b);
    address internal constant SOLVER = address(0x501);
    address internal constant CHALLENGER = address(0xc4a1);

    uint256 internal total;
    uint256 internal txs;
    uint256 internal maxOpen;
    uint256 internal maxChoose;
    uint256 internal maxIsolating;

    event log_named_uint(string key, uint256 val);

    function _cool() internal {
        vm.cool(address(game));
        vm.cool(address(market));
        vm.cool(address(stakes));
        vm.cool(address(court));
        vm.cool(address(registry));
    }

    function _measure(uint256 before) internal returns (uint256 used) {
        used = before - gasleft();
        total += used;
        txs += 1;
    }

    function _round(GameId id, bytes32[] memory claimed, bytes32[][] memory levels, bytes32[] memory truth)
        internal
    {
        IDisputeGame.Game memory g = game.getGame(id);
        uint32[] memory pos = LibBisection.positions(g.lo, g.hi, 2);
        StateHash[] memory hashes = new StateHash[](pos.length);
        bytes32[][] memory proofs = new bytes32[][](pos.length);
        uint256 index = pos.length;
        for (uint256 i; i < pos.length; ++i) {
            hashes[i] = StateHash.wrap(claimed[pos[i]]);
            proofs[i] = levels.proof(pos[i]);
            if (index == pos.length && claimed[pos[i]] != truth[pos[i]]) index = i;
        }
        _cool();
        vm.prank(SOLVER);
        uint256 before = gasleft();
        game.open(id, g.lo, g.hi, hashes, proofs);
        uint256 used = _measure(before);
        if (used > maxOpen) maxOpen = used;

        StateHash disputed = index == pos.length ? g.hiHash : hashes[index];
        _cool();
        vm.prank(CHALLENGER);
        before = gasleft();
        game.choose(id, g.lo, g.hi, hashes, index, disputed);
        used = _measure(before);
        GameStatus s = game.getGame(id).status;
        if (s == GameStatus.StepBisection || s == GameStatus.OpBisection) {
            if (used > maxChoose) maxChoose = used;
        } else if (used > maxIsolating) {
            maxIsolating = used;
        }
    }

    function test_gas_realProtocol_wholeDispute_T1024_N4096_k2() public {
        IJobMarket.Params memory p = market.params();
        p.maxOpsPerStep = uint32(N);
        vm.prank(GOVERNOR);
        market.setParams(p);

        bytes32 key = keccak256("gas bench");
        bytes32[] memory honest = Traces.stepTrace(key, T, false, 0);
        bytes32[] memory bad = Traces.stepTrace(key, T, true, STEP);
        bytes32[][] memory levels = MerkleTree.build(bad);
        vm.deal(SUBMITTER, 10 ether);
        vm.prank(SUBMITTER);
        JobId job = market.postJob{value: 1 ether}(
            key, "ipfs://spec", uint32(T), key, uint32(N), StateHash.wrap(honest[0])
        );
        vm.prank(SOLVER);
        market.claimJob(job);
        vm.prank(SOLVER);
        market.submitResult(job, StateHash.wrap(bad[T]), levels.root(), "ipfs://model", key);
        vm.roll(block.number + 1);
        market.drawVerifiers(job);

        vm.deal(CHALLENGER, 1 ether);
        _cool();
        vm.prank(CHALLENGER);
        uint256 before = gasleft();
        GameId id = game.challenge{value: p.challengeBond}(job, StateHash.wrap(bad[T]));
        uint256 challengeGas = _measure(before);

        while (game.getGame(id).status == GameStatus.StepBisection) {
            _round(id, bad, levels, honest);
        }
        require(game.getGame(id).step == STEP, "wrong step isolated");

        bytes32[] memory truthOps = Traces.opTrace(key, STEP, N, false, 0, 0);
        bytes32[] memory badOps = Traces.opTrace(key, STEP, N, true, STEP, OP);
        bytes32[][] memory opLevels = MerkleTree.build(badOps);
        bytes32[] memory first = opLevels.proof(0);
        bytes32[] memory last = opLevels.proof(N);
        _cool();
        vm.prank(SOLVER);
        before = gasleft();
        game.commitOpTrace(id, opLevels.root(), uint32(N), first, last);
        uint256 commitGas = _measure(before);

        while (game.getGame(id).status == GameStatus.OpBisection) {
            _round(id, badOps, opLevels, truthOps);
        }
        IDisputeGame.Game memory g = game.getGame(id);
        require(g.status == GameStatus.Adjudicating && g.hi == OP, "wrong operator isolated");

        RequestId r = g.requestId;
        vm.roll(block.number + 1);
        _cool();
        before = gasleft();
        court.drawCommittee(r);
        emit log_named_uint("drawCommittee", _measure(before));
        address referee = court.committee(r)[0];
        _cool();
        vm.prank(referee);
        before = gasleft();
        court.vote(r, StateHash.wrap(truthOps[OP]));
        uint256 voteGas = _measure(before);
        _cool();
        before = gasleft();
        court.resolve(r);
        uint256 resolveGas = _measure(before);
        require(game.getGame(id).status == GameStatus.ChallengerWon, "challenger must win");

        emit log_named_uint("challenge", challengeGas);
        emit log_named_uint("open (max)", maxOpen);
        emit log_named_uint("choose (max, non-isolating)", maxChoose);
        emit log_named_uint("choose (isolating, max; schedules the committee draw)", maxIsolating);
        emit log_named_uint("commitOpTrace", commitGas);
        emit log_named_uint("vote", voteGas);
        emit log_named_uint("resolve (decides, slashes, resolves game and job)", resolveGas);
        emit log_named_uint("rounds", g.rounds);
        emit log_named_uint("transactions", txs);
        emit log_named_uint("whole dispute (execution)", total);
        emit log_named_uint("whole dispute (execution + 21000 per tx)", total + 21_000 * txs);
        require(challengeGas <= 200_000, "challenge > 200k");
        require(maxOpen <= 60_000 && maxChoose <= 60_000, "bisection move > 60k");
        require(total <= 2_500_000, "whole dispute > 2.5M");
    }
}
