// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {Traces} from "./utils/Traces.sol";
import {LibMerkle} from "../src/libraries/LibMerkle.sol";
import {ProtocolSetup} from "./invariant/ProtocolInvariants.t.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {JobId, GameId, RequestId, StateHash, Role, JobStatus, GameStatus} from "../src/types/Types.sol";
import {IDisputeGame} from "../src/interfaces/IDisputeGame.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";

/// @notice Regression tests for attacks found in review, on the real wired protocol.
contract AttacksTest is ProtocolSetup {
    address internal constant SUBMITTER = address(0x5b);
    address internal constant SOLVER = address(0x501);
    bytes32 internal constant KEY = keccak256("attacks");

    function _submittedCorrectResult(uint32 steps) internal returns (JobId id) {
        vm.deal(SUBMITTER, 10 ether);
        vm.prank(SUBMITTER);
        id = market.postJob{value: 1 ether}(
            keccak256("spec"), "uri", steps, keccak256("graph"), 8, Traces.honest(KEY, 0)
        );
        vm.prank(SOLVER);
        market.claimJob(id);
        bytes32[] memory trace = Traces.stepTrace(KEY, steps, false, 0);
        vm.prank(SOLVER);
        market.submitResult(id, Traces.honest(KEY, steps), LibMerkle.root(trace), "art", bytes32(0));
        vm.roll(block.number + 1);
        market.drawVerifiers(id);
    }

    /// A solver with a correct result lets its own sybil challenger win on time. Attesters must not
    /// be slashed for that (a lost game does not prove them lazy), so the sybil cannot farm them and
    /// the solver ends up poorer: it loses its stake and gets back only the winner's share.
    function test_sybilWinByTimeout_neitherSlashesAttestersNorProfits() public {
        JobId id = _submittedCorrectResult(4);
        IJobMarket.Assignment[] memory a = market.assignments(id);
        require(a.length == 2, "two verifiers");
        for (uint256 i; i < a.length; ++i) {
            vm.prank(a[i].verifier);
            market.attest(id);
        }
        address sybil = address(0xbad);
        vm.deal(sybil, 1 ether);
        vm.prank(sybil);
        GameId g = game.challenge{value: 0.1 ether}(id, Traces.honest(KEY, 4));
        vm.warp(block.timestamp + 1 days + 1);
        game.timeout(g);
        require(market.jobStatus(id) == JobStatus.Failed, "failed");
        vm.warp(market.challengeDeadline(id) + 1 days + 1);
        market.settleFailure(id);
        // sybil: its bond back + 50% of the solver's 1 ether (no drawn verifier won, so the only
        // winner claims it); the solver lost 1 ether: net -0.5.
        vm.prank(sybil);
        market.claimWinnerShare(id);
        require(stakes.creditOf(sybil) == 0.6 ether, "sybil only gets bond + solver share");
        for (uint256 i; i < a.length; ++i) {
            IStakeView memory st = _stake(a[i].verifier);
            require(st.amount == 3 ether && st.locked == 0, "honest attester intact and released");
        }
    }

    /// Dust accounts cannot enter the draw registry, so they cannot dilute it until the bounded draw
    /// stops finding real referees.
    function test_dustStakes_cannotDiluteTheRefereeRegistry() public {
        uint256 before = stakes.registrySize(Role.Referee);
        for (uint256 i; i < 400; ++i) {
            address s = address(uint160(0x5000 + i));
            vm.deal(s, 1);
            vm.prank(s);
            stakes.deposit{value: 1}(Role.Referee);
        }
        require(stakes.registrySize(Role.Referee) == before, "dust entered the registry");
        for (uint256 seed; seed < 50; ++seed) {
            require(
                stakes.draw(Role.Referee, 1, 0.5 ether, seed, new address[](0)).length == 1, "empty committee"
            );
        }
    }

    /// A solver cannot report its own missed deadline to recover part of its slash.
    function test_selfReportedMissedDeadline_paysTheSubmitterNotTheReporter() public {
        vm.deal(SUBMITTER, 10 ether);
        vm.prank(SUBMITTER);
        JobId id = market.postJob{value: 1 ether}(
            keccak256("s"), "uri", 4, keccak256("g"), 8, Traces.honest(KEY, 0)
        );
        vm.prank(SOLVER);
        market.claimJob(id);
        vm.warp(block.timestamp + 1 days + 1);
        address alias_ = address(0xa11a5);
        vm.prank(alias_);
        market.reportMissedDeadline(id);
        require(stakes.creditOf(alias_) == 0, "reporter paid");
        require(
            stakes.creditOf(SUBMITTER) == market.getJob(id).budget + 0.5 ether, "submitter refund + share"
        );
    }

    /// The parties of a game never sit on its committee: with m = 1 a solver that is also a staked
    /// referee would otherwise rule on its own cheat.
    function test_gameParties_neverDrawnAsReferees() public {
        address challenger = address(0x7e1);
        // Only the two parties are eligible referees: the real referees leave the registry.
        for (uint256 i; i < 2; ++i) {
            address r = address(uint160(0x4ef + i));
            uint256 free = stakes.freeStake(r, Role.Referee);
            vm.prank(r);
            stakes.requestWithdrawal(Role.Referee, free);
        }
        for (uint256 i; i < 2; ++i) {
            address party = i == 0 ? SOLVER : challenger;
            vm.deal(party, 1 ether);
            vm.prank(party);
            stakes.deposit{value: 1 ether}(Role.Referee);
        }
        // A one-step job whose op trace has one operator: challenge -> commitOpTrace -> adjudication.
        bytes32[] memory ops = new bytes32[](2);
        ops[0] = StateHash.unwrap(Traces.honest(KEY, 0));
        ops[1] = keccak256("wrong h_1");
        vm.deal(SUBMITTER, 10 ether);
        vm.prank(SUBMITTER);
        JobId id = market.postJob{value: 1 ether}(
            keccak256("s"), "uri", 1, keccak256("g"), 1, StateHash.wrap(ops[0])
        );
        vm.prank(SOLVER);
        market.claimJob(id);
        vm.prank(SOLVER);
        market.submitResult(id, StateHash.wrap(ops[1]), LibMerkle.root(ops), "art", bytes32(0));
        vm.roll(block.number + 1);
        market.drawVerifiers(id);
        vm.deal(challenger, 1 ether);
        vm.prank(challenger);
        GameId g = game.challenge{value: 0.1 ether}(id, StateHash.wrap(ops[1]));
        bytes32[][] memory levels = MerkleTree.build(ops);
        vm.prank(SOLVER);
        game.commitOpTrace(
            g, MerkleTree.root(levels), 1, MerkleTree.proof(levels, 0), MerkleTree.proof(levels, 1)
        );
        IDisputeGame.Game memory st = game.getGame(g);
        require(st.status == GameStatus.Adjudicating, "adjudicating");
        vm.roll(block.number + 1);
        court.drawCommittee(st.requestId);
        require(court.committee(st.requestId).length == 0, "a party was drawn to judge its own game");
        // A real referee joins; the next round draws it.
        address fresh = address(0x4f9);
        vm.deal(fresh, 1 ether);
        vm.prank(fresh);
        stakes.deposit{value: 1 ether}(Role.Referee);
        vm.warp(court.getRequest(st.requestId).deadline + 1);
        court.resolve(st.requestId);
        vm.roll(block.number + 1);
        court.drawCommittee(st.requestId);
        address[] memory members = court.committee(st.requestId);
        require(members.length == 1 && members[0] == fresh, "redraw picks the outside referee");
    }

    /// Review finding (critical): a solver that could choose N claimed, as h_1, the honest chained record
    /// after one operator and committed just [h_0, r_1]: every opening honest, the one operator correct,
    /// so a result that trained nothing would have won. N is the job's (opsPerStep, posted with it): the
    /// truncated and the padded trace are refused, and a solver with nothing valid to commit loses on time.
    function test_truncatedOrPaddedOpTrace_refused_solverLosesOnTime() public {
        bytes32 h0 = StateHash.unwrap(Traces.honest(KEY, 0));
        bytes32 r1 = keccak256("the honest record after operator 1");
        vm.deal(SUBMITTER, 10 ether);
        vm.prank(SUBMITTER);
        JobId id =
            market.postJob{value: 1 ether}(keccak256("s"), "uri", 1, keccak256("g"), 8, StateHash.wrap(h0));
        vm.prank(SOLVER);
        market.claimJob(id);
        bytes32[] memory prefix = new bytes32[](2);
        (prefix[0], prefix[1]) = (h0, r1);
        vm.prank(SOLVER);
        market.submitResult(id, StateHash.wrap(r1), LibMerkle.root(prefix), "art", bytes32(0));
        vm.roll(block.number + 1);
        market.drawVerifiers(id);
        address challenger = address(0x7e1);
        vm.deal(challenger, 1 ether);
        vm.prank(challenger);
        GameId g = game.challenge{value: 0.1 ether}(id, StateHash.wrap(r1));
        bytes32[][] memory levels = MerkleTree.build(prefix);
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.WrongOpCount.selector, g, 1, 8));
        game.commitOpTrace(
            g, MerkleTree.root(levels), 1, MerkleTree.proof(levels, 0), MerkleTree.proof(levels, 1)
        );
        bytes32[] memory padded = new bytes32[](10);
        padded[0] = h0;
        for (uint256 i = 1; i < 9; ++i) {
            padded[i] = keccak256(abi.encode("pad", i));
        }
        padded[9] = r1;
        levels = MerkleTree.build(padded);
        vm.prank(SOLVER);
        vm.expectRevert(abi.encodeWithSelector(IDisputeGame.WrongOpCount.selector, g, 9, 8));
        game.commitOpTrace(
            g, MerkleTree.root(levels), 9, MerkleTree.proof(levels, 0), MerkleTree.proof(levels, 9)
        );
        vm.warp(block.timestamp + 1 days + 1);
        game.timeout(g);
        require(game.getGame(g).status == GameStatus.ChallengerWon, "the cheater did not lose");
        require(market.jobStatus(id) == JobStatus.Failed, "a wrong result survived");
    }

    struct IStakeView {
        uint256 amount;
        uint256 locked;
    }

    function _stake(address who) internal view returns (IStakeView memory v) {
        v.amount = stakes.stakeOf(who, Role.Verifier).amount;
        v.locked = stakes.stakeOf(who, Role.Verifier).locked;
    }
}
