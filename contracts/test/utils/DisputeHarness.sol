// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./Vm.sol";
import {MerkleTree} from "./MerkleTree.sol";
import {DisputeGame} from "../../src/DisputeGame.sol";
import {IDisputeGame} from "../../src/interfaces/IDisputeGame.sol";
import {IJobMarket} from "../../src/interfaces/IJobMarket.sol";
import {IStakeManager} from "../../src/interfaces/IStakeManager.sol";
import {IOpAdjudicator} from "../../src/interfaces/IOpAdjudicator.sol";
import {FakeJobMarket} from "../fakes/FakeJobMarket.sol";
import {FakeStakeManager} from "../fakes/FakeStakeManager.sol";
import {FakeAdjudicator} from "../fakes/FakeAdjudicator.sol";
import {JobId, GameId, StateHash, JobStatus, GameStatus} from "../../src/types/Types.sol";

/// @notice Deploys a DisputeGame on fakes and plays scripted or belief-driven moves.
abstract contract DisputeHarness {
    using MerkleTree for bytes32[][];

    event log_named_uint(string key, uint256 val);

    address internal constant SOLVER = address(0x5011);
    address internal constant CHALLENGER = address(0xC4A1);
    address internal constant TREASURY = address(0x7EA5);
    JobId internal constant JOB = JobId.wrap(1);
    uint128 internal constant BOND = 1 ether;
    uint64 internal constant BUDGET = 1 days;
    uint64 internal constant MIN_EXT = 1 hours;
    uint16 internal constant WINNER_BPS = 5000;

    FakeJobMarket internal market;
    FakeStakeManager internal stakes;
    FakeAdjudicator internal adj;
    DisputeGame internal game;

    function _deploy() internal {
        market = new FakeJobMarket();
        stakes = new FakeStakeManager(TREASURY);
        adj = new FakeAdjudicator();
        game = new DisputeGame(
            IJobMarket(address(market)), IStakeManager(address(stakes)), IOpAdjudicator(address(adj))
        );
        vm.deal(CHALLENGER, 100 ether);
        vm.warp(1_000_000);
    }

    /// @dev A submitted job over `trace` whose every step has `nOps` op-trace records (opsPerStep).
    function _setJob(JobId jobId, bytes32[] memory trace, uint16 k, uint32 nOps)
        internal
        returns (bytes32 root)
    {
        root = MerkleTree.root(MerkleTree.build(trace));
        IJobMarket.Job memory job;
        job.submitter = address(0x5AB);
        job.status = JobStatus.Submitted;
        job.solver = SOLVER;
        job.steps = uint32(trace.length - 1);
        job.initialState = StateHash.wrap(trace[0]);
        job.finalState = StateHash.wrap(trace[trace.length - 1]);
        job.traceRoot = root;
        job.params.challengeBond = BOND;
        job.params.clockBudget = BUDGET;
        job.params.minClockExtension = MIN_EXT;
        job.params.bisectionArity = k;
        job.params.slashWinnerShareBps = WINNER_BPS;
        job.params.maxOpsPerStep = nOps;
        job.opsPerStep = nOps;
        market.setJob(jobId, job);
    }

    /// @dev Change the op count N the job committed at posting (tests of phase 2 with other N).
    function _setOpsPerStep(JobId jobId, uint32 nOps) internal {
        IJobMarket.Job memory job = market.getJob(jobId);
        job.opsPerStep = nOps;
        if (job.params.maxOpsPerStep < nOps) job.params.maxOpsPerStep = nOps;
        market.setJob(jobId, job);
    }

    function _challenge(JobId jobId, bytes32 finalState) internal returns (GameId) {
        vm.prank(CHALLENGER);
        return game.challenge{value: BOND}(jobId, StateHash.wrap(finalState));
    }

    /// @dev Openings of the current round from `values` (the solver's tree), with their proofs.
    function _openings(GameId id, bytes32[] memory values, bytes32[][] memory levels)
        internal
        view
        returns (StateHash[] memory hashes, bytes32[][] memory proofs)
    {
        uint32[] memory ps = game.nextPositions(id);
        hashes = new StateHash[](ps.length);
        proofs = new bytes32[][](ps.length);
        for (uint256 i; i < ps.length; ++i) {
            hashes[i] = StateHash.wrap(values[ps[i]]);
            proofs[i] = levels.proof(ps[i]);
        }
    }

    function _open(GameId id, bytes32[] memory values, bytes32[][] memory levels)
        internal
        returns (StateHash[] memory hashes)
    {
        bytes32[][] memory proofs;
        (hashes, proofs) = _openings(id, values, levels);
        IDisputeGame.Game memory g = game.getGame(id);
        vm.prank(SOLVER);
        game.open(id, g.lo, g.hi, hashes, proofs);
    }

    /// @dev The challenger disputes the first opening that differs from its `belief`.
    function _choose(GameId id, StateHash[] memory hashes, bytes32[] memory belief) internal {
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
        vm.prank(CHALLENGER);
        game.choose(id, g.lo, g.hi, hashes, index, disputed);
    }

    function _positions(uint256 lo, uint256 hi, uint256 m) internal pure returns (uint32[] memory ps) {
        ps = new uint32[](m);
        for (uint256 i; i < m; ++i) {
            ps[i] = uint32(lo + ((i + 1) * (hi - lo)) / (m + 1));
        }
    }

    function _commit(GameId id, bytes32[] memory ops, bytes32[][] memory levels) internal {
        uint256 n = ops.length - 1;
        vm.prank(SOLVER);
        game.commitOpTrace(id, levels.root(), uint32(n), levels.proof(0), levels.proof(n));
    }

    /// @dev Play a whole game: `solver*` are the solver's trees, `belief*` the challenger's view, and
    /// the referee answers `truthOps[opIndex]`. Returns the outcome.
    function _play(
        GameId id,
        bytes32[] memory solverTrace,
        bytes32[] memory beliefTrace,
        bytes32[] memory solverOps,
        bytes32[] memory beliefOps,
        bytes32[] memory truthOps
    ) internal returns (GameStatus) {
        bytes32[][] memory traceLevels = MerkleTree.build(solverTrace);
        while (game.getGame(id).status == GameStatus.StepBisection) {
            _choose(id, _open(id, solverTrace, traceLevels), beliefTrace);
        }
        bytes32[][] memory opLevels = MerkleTree.build(solverOps);
        _commit(id, solverOps, opLevels);
        while (game.getGame(id).status == GameStatus.OpBisection) {
            _choose(id, _open(id, solverOps, opLevels), beliefOps);
        }
        IDisputeGame.Game memory g = game.getGame(id);
        require(g.status == GameStatus.Adjudicating, "not adjudicating");
        adj.answer(game, id, StateHash.wrap(truthOps[g.hi]));
        return game.getGame(id).status;
    }

    // ---------------------------------------------------------------- traces

    function _honestTrace(uint256 t) internal pure returns (bytes32[] memory h) {
        h = new bytes32[](t + 1);
        for (uint256 i; i <= t; ++i) {
            h[i] = keccak256(abi.encode("H", i));
        }
    }

    /// @dev Equal to `honest` before `from`, different from `from` on.
    function _diverge(bytes32[] memory honest, uint256 from, string memory tag)
        internal
        pure
        returns (bytes32[] memory d)
    {
        d = new bytes32[](honest.length);
        for (uint256 i; i < honest.length; ++i) {
            d[i] = i < from ? honest[i] : keccak256(abi.encode(tag, i));
        }
    }

    /// @dev Op records r_0..r_N of a step bound to (before, after).
    function _opTrace(uint256 n, bytes32 before, bytes32 after_, string memory tag)
        internal
        pure
        returns (bytes32[] memory r)
    {
        r = new bytes32[](n + 1);
        r[0] = before;
        for (uint256 i = 1; i < n; ++i) {
            r[i] = keccak256(abi.encode(tag, i));
        }
        r[n] = after_;
    }
}
