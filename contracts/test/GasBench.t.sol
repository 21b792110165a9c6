// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {DisputeHarness} from "./utils/DisputeHarness.sol";
import {IDisputeGame} from "../src/interfaces/IDisputeGame.sol";
import {GameId, StateHash, GameStatus} from "../src/types/Types.sol";

/// @notice Gas of a whole dispute, T = 1024, N = 4096, k = 2, adjudication included, on the fakes.
/// Every measured call starts with all protocol storage cold (`vm.cool`), as it would in its own
/// transaction; the numbers are execution gas (no intrinsic/calldata cost).
contract GasBench is DisputeHarness {
    using MerkleTree for bytes32[][];

    uint256 internal constant T = 1024;
    uint256 internal constant N = 4096;
    uint256 internal constant STEP = 700; // the disputed step
    uint256 internal constant OP = 2500; // the first wrong operator

    uint256 internal maxOpen;
    uint256 internal maxChoose;
    uint256 internal maxIsolatingChoose;
    uint256 internal total;

    function setUp() public {
        _deploy();
    }

    function _coolAll() internal {
        vm.cool(address(game));
        vm.cool(address(market));
        vm.cool(address(stakes));
        vm.cool(address(adj));
    }

    function _measuredOpen(GameId id, bytes32[] memory values, bytes32[][] memory levels)
        internal
        returns (StateHash[] memory hashes)
    {
        bytes32[][] memory proofs;
        (hashes, proofs) = _openings(id, values, levels);
        IDisputeGame.Game memory g = game.getGame(id);
        _coolAll();
        vm.prank(SOLVER);
        uint256 before = gasleft();
        game.open(id, g.lo, g.hi, hashes, proofs);
        uint256 used = before - gasleft();
        total += used;
        if (used > maxOpen) maxOpen = used;
    }

    function _measuredChoose(GameId id, StateHash[] memory hashes, bytes32[] memory belief) internal {
        IDisputeGame.Game memory g = game.getGame(id);
        uint32[] memory ps = _positions(g.lo, g.hi, hashes.length);
        uint256 index = hashes.length;
        for (uint256 i; i < hashes.length; ++i) {
            if (StateHash.unwrap(hashes[i]) != belief[ps[i]]) {
                index = i;
                break;
            }
        }
        StateHash disputed = index == hashes.length ? g.hiHash : hashes[index];
        _coolAll();
        vm.prank(CHALLENGER);
        uint256 before = gasleft();
        game.choose(id, g.lo, g.hi, hashes, index, disputed);
        uint256 used = before - gasleft();
        total += used;
        GameStatus s = game.getGame(id).status;
        if (s == GameStatus.StepBisection || s == GameStatus.OpBisection) {
            if (used > maxChoose) maxChoose = used;
        } else if (used > maxIsolatingChoose) {
            maxIsolatingChoose = used;
        }
    }

    function test_gas_wholeDispute_T1024_N4096_k2() public {
        bytes32[] memory honest = _honestTrace(T);
        bytes32[] memory bad = _diverge(honest, STEP, "D");
        _setJob(JOB, bad, 2, uint32(N));
        bytes32[][] memory traceLevels = MerkleTree.build(bad);

        _coolAll();
        vm.prank(CHALLENGER);
        uint256 before = gasleft();
        GameId id = game.challenge{value: BOND}(JOB, StateHash.wrap(bad[T]));
        uint256 challengeGas = before - gasleft();
        total += challengeGas;

        while (game.getGame(id).status == GameStatus.StepBisection) {
            _measuredChoose(id, _measuredOpen(id, bad, traceLevels), honest);
        }
        require(game.getGame(id).step == STEP, "step");

        bytes32[] memory truthOps = _opTrace(N, honest[STEP - 1], honest[STEP], "O");
        bytes32[] memory badOps = _diverge(truthOps, OP, "P");
        badOps[N] = bad[STEP];
        bytes32[][] memory opLevels = MerkleTree.build(badOps);
        bytes32 opRoot = opLevels.root();
        bytes32[] memory firstProof = opLevels.proof(0);
        bytes32[] memory lastProof = opLevels.proof(N);
        _coolAll();
        vm.prank(SOLVER);
        before = gasleft();
        game.commitOpTrace(id, opRoot, uint32(N), firstProof, lastProof);
        uint256 commitGas = before - gasleft();
        total += commitGas;

        while (game.getGame(id).status == GameStatus.OpBisection) {
            _measuredChoose(id, _measuredOpen(id, badOps, opLevels), truthOps);
        }
        IDisputeGame.Game memory g = game.getGame(id);
        require(g.status == GameStatus.Adjudicating && g.hi == OP, "op");
        StateHash truth = StateHash.wrap(truthOps[OP]);
        _coolAll();
        before = gasleft();
        adj.answer(game, id, truth);
        uint256 adjudicatedGas = before - gasleft();
        total += adjudicatedGas;
        require(game.getGame(id).status == GameStatus.ChallengerWon, "outcome");
        require(g.rounds == 10 + 12, "rounds");

        emit log_named_uint("challenge", challengeGas);
        emit log_named_uint("open (max)", maxOpen);
        emit log_named_uint("choose (max, non-isolating)", maxChoose);
        emit log_named_uint("choose (isolating, max)", maxIsolatingChoose);
        emit log_named_uint("commitOpTrace", commitGas);
        emit log_named_uint("onAdjudicated (via adjudicator)", adjudicatedGas);
        emit log_named_uint("whole dispute", total);
        require(challengeGas <= 200_000, "challenge > 200k");
        require(maxOpen <= 60_000 && maxChoose <= 60_000, "open/choose > 60k");
        require(total <= 2_500_000, "dispute > 2.5M");
    }
}
