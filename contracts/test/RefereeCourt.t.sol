// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {RefereeCourt} from "../src/RefereeCourt.sol";
import {IRefereeCourt} from "../src/interfaces/IRefereeCourt.sol";
import {IStakeManager} from "../src/interfaces/IStakeManager.sol";
import {IRandomness} from "../src/interfaces/IRandomness.sol";
import {IOpAdjudicator} from "../src/interfaces/IOpAdjudicator.sol";
import {FakeStakeManager} from "./fakes/FakeStakeManager.sol";
import {FakeRandomness} from "./fakes/FakeRandomness.sol";
import {FakeDisputeGame} from "./fakes/FakeDisputeGame.sol";
import {JobId, GameId, RequestId, StateHash, Role, GameStatus} from "../src/types/Types.sol";
import {DisputeGame} from "../src/DisputeGame.sol";
import {DevnetRandomness} from "../src/DevnetRandomness.sol";
import {IDisputeGame} from "../src/interfaces/IDisputeGame.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {FakeJobMarket} from "./fakes/FakeJobMarket.sol";
import {DisputeHarness} from "./utils/DisputeHarness.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";

contract RefereeCourtTest {
    address internal constant OWNER = address(0x0111);
    address internal constant TREASURY = address(0x7EA5);
    uint128 internal constant STAKE = 2 ether;
    uint64 internal constant WINDOW = 1 hours;
    GameId internal constant GAME = GameId.wrap(4);
    StateHash internal constant IN = StateHash.wrap(keccak256("in"));
    StateHash internal constant CLAIM = StateHash.wrap(keccak256("claim"));
    StateHash internal constant TRUTH = StateHash.wrap(keccak256("truth"));

    FakeStakeManager internal stakes;
    FakeRandomness internal rnd;
    FakeDisputeGame internal game;
    RefereeCourt internal court;
    address[] internal refs;

    function setUp() public {
        vm.warp(1_000_000);
        stakes = new FakeStakeManager(TREASURY);
        rnd = new FakeRandomness();
        game = new FakeDisputeGame();
        court = _court(3);
        vm.prank(OWNER);
        court.wire(address(game));
        for (uint256 i; i < 5; ++i) {
            address r = address(uint160(0xAA00 + i));
            refs.push(r);
            stakes.setStake(r, Role.Referee, 10 ether);
        }
        stakes.setPool(refs);
    }

    function _court(uint16 m) internal returns (RefereeCourt) {
        return new RefereeCourt(
            OWNER,
            IStakeManager(address(stakes)),
            IRandomness(address(rnd)),
            IRefereeCourt.Params({
                committeeSize: m, voteWindow: WINDOW, voteWindowPerStep: 0, refereeStake: STAKE
            })
        );
    }

    /// @dev A request whose round-1 committee is drawn (the next block).
    function _request() internal returns (RequestId id) {
        id = _requestPending();
        _nextBlockDraw(id);
    }

    function _requestPending() internal returns (RequestId) {
        return game.request(IOpAdjudicator(address(court)), GAME, IN, CLAIM);
    }

    function _nextBlockDraw(RequestId id) internal {
        vm.roll(block.number + 1);
        court.drawCommittee(id);
    }

    function _vote(RequestId id, address who, StateHash out) internal {
        vm.prank(who);
        court.vote(id, out);
    }

    // ------------------------------------------------------------------ setup and wiring

    function test_constructor_invalidParams_revert() public {
        uint16[3] memory bad = [uint16(0), 2, 17];
        for (uint256 i; i < 3; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IRefereeCourt.InvalidParams.selector, "committeeSize", bad[i])
            );
            _court(bad[i]);
        }
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.InvalidParams.selector, "voteWindow", 0));
        new RefereeCourt(
            OWNER, IStakeManager(address(stakes)), IRandomness(address(rnd)), IRefereeCourt.Params(3, 0, 0, 1)
        );
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.InvalidParams.selector, "refereeStake", 0));
        new RefereeCourt(
            OWNER, IStakeManager(address(stakes)), IRandomness(address(rnd)), IRefereeCourt.Params(3, 1, 0, 0)
        );
    }

    function test_wire_onlyOwnerOnce() public {
        RefereeCourt c = _court(1);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.NotOwner.selector, address(this), OWNER));
        c.wire(address(game));
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.InvalidParams.selector, "disputeGame", 0));
        c.wire(address(0));
        vm.prank(OWNER);
        c.wire(address(game));
        require(c.disputeGame() == address(game), "wired");
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.AlreadyWired.selector, address(game)));
        c.wire(address(1));
    }

    function test_setParams_ownerOnly_andSnapshotKeepsLiveRequest() public {
        RequestId id = _request();
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.NotOwner.selector, address(this), OWNER));
        court.setParams(IRefereeCourt.Params(5, WINDOW, 0, STAKE));
        vm.prank(OWNER);
        court.setParams(IRefereeCourt.Params(5, WINDOW, 0, 1 ether));
        require(court.params().committeeSize == 5, "set");
        IRefereeCourt.Request memory r = court.getRequest(id);
        require(r.committeeSize == 3 && r.refereeStake == STAKE, "snapshot");
    }

    // ------------------------------------------------------------------ requestAdjudication

    function test_requestAdjudication_drawsAndLocksCommittee() public {
        RequestId id = _request();
        IRefereeCourt.Request memory r = court.getRequest(id);
        require(RequestId.unwrap(id) == 1 && RequestId.unwrap(court.requestOf(GAME)) == 1, "id");
        require(r.gameId == GAME && r.step == 7 && r.opIndex == 3 && r.round == 1, "fields");
        require(r.input == IN && r.claimedOutput == CLAIM && r.deadline == block.timestamp + WINDOW, "hashes");
        address[] memory c = court.committee(id);
        require(c.length == 3, "size");
        for (uint256 i; i < 3; ++i) {
            require(stakes.locked(c[i], Role.Referee) == STAKE, "locked");
        }
    }

    function test_requestAdjudication_notGame_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.NotDisputeGame.selector, address(this)));
        court.requestAdjudication(GAME, JobId.wrap(1), 1, 1, IN, CLAIM);
    }

    function test_emptyDraw_waitsThenRedraws() public {
        stakes.setPool(new address[](0));
        RequestId id = _request();
        require(court.committee(id).length == 0, "empty");
        vm.expectRevert(
            abi.encodeWithSelector(IRefereeCourt.VotingOpen.selector, id, block.timestamp + WINDOW, 0, 0)
        );
        court.resolve(id);
        vm.warp(block.timestamp + WINDOW + 1);
        stakes.setPool(refs);
        court.resolve(id);
        _nextBlockDraw(id);
        require(court.getRequest(id).round == 2 && court.committee(id).length == 3, "redrawn");
        require(game.answers() == 0, "undecided");
    }

    // ------------------------------------------------------------------ vote

    function test_vote_records() public {
        RequestId id = _request();
        _vote(id, refs[0], TRUTH);
        require(court.voteOf(id, refs[0]) == TRUTH && court.getRequest(id).votes == 1, "vote");
    }

    function test_vote_unknownRequest_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.UnknownRequest.selector, RequestId.wrap(9)));
        court.vote(RequestId.wrap(9), TRUTH);
    }

    function test_vote_zeroOutput_reverts() public {
        RequestId id = _request();
        vm.prank(refs[0]);
        vm.expectRevert(IRefereeCourt.ZeroOutput.selector);
        court.vote(id, StateHash.wrap(0));
    }

    function test_vote_afterDeadline_reverts() public {
        RequestId id = _request();
        vm.warp(block.timestamp + WINDOW + 1);
        vm.prank(refs[0]);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.VotingClosed.selector, id, block.timestamp - 1));
        court.vote(id, TRUTH);
    }

    function test_vote_notOnCommittee_reverts() public {
        RequestId id = _request();
        vm.prank(refs[4]);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.NotOnCommittee.selector, id, refs[4], 1));
        court.vote(id, TRUTH);
    }

    function test_vote_twice_reverts() public {
        RequestId id = _request();
        _vote(id, refs[0], TRUTH);
        vm.prank(refs[0]);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.AlreadyVoted.selector, id, refs[0]));
        court.vote(id, CLAIM);
    }

    function test_vote_afterDecision_reverts() public {
        RequestId id = _request();
        for (uint256 i; i < 3; ++i) {
            _vote(id, refs[i], TRUTH);
        }
        court.resolve(id);
        vm.prank(refs[0]);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.AlreadyResolved.selector, id));
        court.vote(id, TRUTH);
    }

    // ------------------------------------------------------------------ resolve

    function test_resolve_beforeAllVotedAndDeadline_reverts() public {
        RequestId id = _request();
        _vote(id, refs[0], TRUTH);
        vm.expectRevert(
            abi.encodeWithSelector(IRefereeCourt.VotingOpen.selector, id, block.timestamp + WINDOW, 1, 3)
        );
        court.resolve(id);
    }

    function test_resolve_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.UnknownRequest.selector, RequestId.wrap(2)));
        court.resolve(RequestId.wrap(2));
    }

    function test_resolve_majority_decidesAndSlashesDissenterAndNoShow() public {
        vm.prank(OWNER);
        court.setParams(IRefereeCourt.Params(5, WINDOW, 0, STAKE));
        RequestId id = _request();
        _vote(id, refs[0], TRUTH);
        _vote(id, refs[1], TRUTH);
        _vote(id, refs[2], TRUTH);
        _vote(id, refs[3], CLAIM); // dissenter; refs[4] does not show
        vm.warp(block.timestamp + WINDOW + 1);
        court.resolve(id);
        IRefereeCourt.Request memory r = court.getRequest(id);
        require(r.resolved && r.decision == TRUTH, "decided");
        require(game.answers() == 1 && game.lastGame() == GAME && game.lastOutput() == TRUTH, "callback");
        for (uint256 i; i < 3; ++i) {
            require(stakes.locked(refs[i], Role.Referee) == 0 && stakes.slashedOf(refs[i]) == 0, "released");
        }
        require(stakes.slashedOf(refs[3]) == STAKE && stakes.slashedOf(refs[4]) == STAKE, "slashed");
        require(stakes.creditOf(TREASURY) == 2 * STAKE, "treasury");
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.AlreadyResolved.selector, id));
        court.resolve(id);
    }

    function test_resolve_allVotedBeforeDeadline_decides() public {
        RequestId id = _request();
        _vote(id, refs[0], TRUTH);
        _vote(id, refs[1], CLAIM);
        _vote(id, refs[2], TRUTH);
        court.resolve(id);
        require(court.getRequest(id).decision == TRUTH && stakes.slashedOf(refs[1]) == STAKE, "2 of 3");
    }

    function test_resolve_noMajority_slashesNoShowsAndRedraws() public {
        RequestId id = _request();
        _vote(id, refs[0], TRUTH);
        _vote(id, refs[1], CLAIM); // refs[2] does not show: 1-1, no majority of 3
        vm.warp(block.timestamp + WINDOW + 1);
        court.resolve(id);
        IRefereeCourt.Request memory r = court.getRequest(id);
        require(
            !r.resolved && r.round == 2 && r.votes == 0 && r.drawBlock == block.number, "round 2 scheduled"
        );
        require(stakes.slashedOf(refs[2]) == STAKE && stakes.slashedOf(refs[0]) == 0, "no-show slashed");
        require(court.committee(id).length == 0, "old committee cleared");
        _nextBlockDraw(id);
        r = court.getRequest(id);
        require(r.deadline == block.timestamp + WINDOW, "round 2 window");
        require(game.answers() == 0 && court.committee(id).length == 3, "redrawn");
        require(StateHash.unwrap(court.voteOf(id, refs[0])) == 0, "fresh round");
    }

    function testFuzz_resolve_majorityAlwaysDecides(uint8 truthVotes, uint8 lieVotes) public {
        vm.prank(OWNER);
        court.setParams(IRefereeCourt.Params(5, WINDOW, 0, STAKE));
        truthVotes = uint8(truthVotes % 6);
        lieVotes = uint8(lieVotes % (6 - truthVotes));
        RequestId id = _request();
        for (uint256 i; i < truthVotes; ++i) {
            _vote(id, refs[i], TRUTH);
        }
        for (uint256 i; i < lieVotes; ++i) {
            _vote(id, refs[truthVotes + i], CLAIM);
        }
        vm.warp(block.timestamp + WINDOW + 1);
        court.resolve(id);
        if (truthVotes >= 3) require(game.lastOutput() == TRUTH, "truth");
        else if (lieVotes >= 3) require(game.lastOutput() == CLAIM, "lie");
        else require(game.answers() == 0 && court.getRequest(id).round == 2, "no majority");
    }

    // ------------------------------------------------------------------ two-phase draw (timing)

    /// Regression (grindable timing): the request used to draw and lock its committee in the very
    /// transaction the mover timed; now it only schedules the draw at its own block.
    function test_requestAdjudication_onlySchedulesTheDraw() public {
        RequestId id = _requestPending();
        IRefereeCourt.Request memory r = court.getRequest(id);
        require(r.round == 1 && r.drawBlock == block.number && r.deadline == 0, "scheduled");
        require(court.committee(id).length == 0, "drawn in the requesting transaction");
        for (uint256 i; i < refs.length; ++i) {
            require(stakes.locked(refs[i], Role.Referee) == 0, "locked in the requesting transaction");
        }
        // Not in the requesting block: its randomness is not known yet.
        vm.expectRevert(
            abi.encodeWithSelector(IRefereeCourt.DrawNotReady.selector, id, block.number, block.number)
        );
        court.drawCommittee(id);
        vm.prank(refs[0]);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.DrawPending.selector, id, block.number));
        court.vote(id, TRUTH);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.DrawPending.selector, id, block.number));
        court.resolve(id);
        // The next block (the next transaction on an automining devnet) can draw.
        _nextBlockDraw(id);
        r = court.getRequest(id);
        require(r.drawBlock == 0 && r.deadline == block.timestamp + WINDOW, "drawn");
        require(court.committee(id).length == 3, "committee");
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.AlreadyDrawn.selector, id, 1));
        court.drawCommittee(id);
    }

    function test_drawCommittee_expiredRandomness_reschedules() public {
        RequestId id = _requestPending();
        vm.roll(block.number + 300);
        rnd.setExpired(true);
        court.drawCommittee(id);
        IRefereeCourt.Request memory r = court.getRequest(id);
        require(r.drawBlock == block.number && r.round == 1, "rescheduled on this block");
        require(court.committee(id).length == 0, "drew from an expired word");
        rnd.setExpired(false);
        _nextBlockDraw(id);
        require(court.committee(id).length == 3, "drawn after rescheduling");
    }

    function test_drawCommittee_unknownOrResolved_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.UnknownRequest.selector, RequestId.wrap(9)));
        court.drawCommittee(RequestId.wrap(9));
        RequestId id = _request();
        for (uint256 i; i < 3; ++i) {
            _vote(id, refs[i], TRUTH);
        }
        court.resolve(id);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.AlreadyResolved.selector, id));
        court.drawCommittee(id);
    }

    // ------------------------------------------------------------------ no-majority rounds

    /// Regression (free dissent): voters of a round without majority used to be unlocked at once; now
    /// they stay locked until the decision, then the dissenter is slashed and the agreeing voter freed.
    function test_noMajority_votersStayLockedUntilDecision() public {
        RequestId id = _request();
        _vote(id, refs[0], TRUTH);
        _vote(id, refs[1], CLAIM); // refs[2] does not show
        vm.warp(block.timestamp + WINDOW + 1);
        court.resolve(id);
        require(stakes.locked(refs[0], Role.Referee) == STAKE, "voter released without a decision");
        require(stakes.locked(refs[1], Role.Referee) == STAKE, "dissenter released for free");
        require(court.heldVoters(id).length == 2, "held");
        _nextBlockDraw(id); // the fake draws refs[0..2] again (10 ether each: free stake left)
        _vote(id, refs[0], TRUTH);
        _vote(id, refs[1], TRUTH);
        _vote(id, refs[2], TRUTH);
        court.resolve(id);
        require(court.getRequest(id).decision == TRUTH && game.lastOutput() == TRUTH, "decided");
        require(stakes.slashedOf(refs[1]) == STAKE, "round-1 dissent not slashed");
        require(stakes.slashedOf(refs[0]) == 0 && stakes.locked(refs[0], Role.Referee) == 0, "agreer freed");
        require(stakes.locked(refs[1], Role.Referee) == 0 && court.heldVoters(id).length == 0, "all settled");
    }

    /// Regression (short committee): two eligible referees of exactly one stake each for a 3-seat
    /// committee; the sybil's garbage vote used to block the majority forever at no cost. Now the sybil
    /// stays locked (and is not redrawn), later rounds draw the new referee, the cap decides by
    /// plurality, the request ends and the sybil is slashed.
    function test_shortCommittee_sybilDissentEndsSlashedAtTheCap() public {
        address honest = refs[0];
        address sybil = refs[1];
        address late = refs[2];
        stakes.setStake(honest, Role.Referee, STAKE);
        stakes.setStake(sybil, Role.Referee, STAKE);
        stakes.setStake(late, Role.Referee, STAKE);
        address[] memory two = new address[](2);
        (two[0], two[1]) = (honest, sybil);
        stakes.setPool(two);
        RequestId id = _request();
        _vote(id, honest, TRUTH);
        _vote(id, sybil, CLAIM);
        court.resolve(id); // everyone voted: no majority of 3
        uint16 maxRounds = court.MAX_ROUNDS();
        for (uint16 round = 2; round < maxRounds; ++round) {
            _nextBlockDraw(id);
            require(court.committee(id).length == 0, "a locked voter was redrawn");
            vm.warp(block.timestamp + WINDOW + 1);
            court.resolve(id);
        }
        address[] memory three = new address[](3);
        (three[0], three[1], three[2]) = (honest, sybil, late);
        stakes.setPool(three);
        _nextBlockDraw(id);
        require(court.committee(id).length == 1 && court.committee(id)[0] == late, "only the free referee");
        _vote(id, late, TRUTH);
        court.resolve(id);
        IRefereeCourt.Request memory r = court.getRequest(id);
        require(r.resolved && r.round == maxRounds && r.decision == TRUTH, "plurality at the cap");
        require(game.lastOutput() == TRUTH, "callback");
        require(stakes.slashedOf(sybil) == STAKE, "sybil dissent free");
        require(stakes.slashedOf(honest) == 0 && stakes.locked(honest, Role.Referee) == 0, "honest freed");
        require(stakes.locked(late, Role.Referee) == 0, "late freed");
    }

    /// Every request ends: after MAX_ROUNDS empty rounds the claimed output stands.
    function test_cap_noVotesAtAll_claimStands() public {
        stakes.setPool(new address[](0));
        RequestId id = _request();
        uint16 maxRounds = court.MAX_ROUNDS();
        for (uint16 round = 1; round <= maxRounds; ++round) {
            if (round > 1) _nextBlockDraw(id);
            vm.warp(block.timestamp + WINDOW + 1);
            court.resolve(id);
        }
        IRefereeCourt.Request memory r = court.getRequest(id);
        require(r.resolved && r.round == maxRounds && r.decision == CLAIM, "claim stands");
        require(game.answers() == 1 && game.lastOutput() == CLAIM, "callback");
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.AlreadyResolved.selector, id));
        court.resolve(id);
    }

    // ------------------------------------------------------------------ vote window snapshot / scaling

    /// Regression (live read): a re-draw used to read voteWindow live from params.
    function test_redraw_usesSnapshottedWindow() public {
        RequestId id = _request();
        vm.prank(OWNER);
        court.setParams(IRefereeCourt.Params(3, 10 * WINDOW, 0, STAKE));
        vm.warp(block.timestamp + WINDOW + 1);
        court.resolve(id); // nobody voted: round 2
        _nextBlockDraw(id);
        require(court.getRequest(id).deadline == block.timestamp + WINDOW, "window read live");
    }

    function test_voteWindow_scalesWithStepAndIsCapped() public {
        vm.prank(OWNER);
        court.setParams(IRefereeCourt.Params(3, WINDOW, 10 minutes, STAKE));
        RequestId id = _request(); // the fake game disputes step 7
        IRefereeCourt.Request memory r = court.getRequest(id);
        require(r.voteWindow == WINDOW + 7 * 10 minutes, "per-step window");
        require(r.deadline == block.timestamp + WINDOW + 70 minutes, "deadline");
        // A referee replaying 7 steps votes after the base window and is not a no-show.
        vm.warp(block.timestamp + WINDOW + 1);
        _vote(id, refs[0], TRUTH);
        vm.prank(OWNER);
        court.setParams(IRefereeCourt.Params(3, WINDOW, 30 days, STAKE));
        RequestId capped = _request();
        require(court.getRequest(capped).voteWindow == court.MAX_VOTE_WINDOW(), "capped");
    }

    function test_setParams_voteWindowAboveMax_reverts() public {
        uint64 tooLong = uint64(court.MAX_VOTE_WINDOW() + 1);
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.InvalidParams.selector, "voteWindow", tooLong));
        court.setParams(IRefereeCourt.Params(3, tooLong, 0, STAKE));
    }

    function test_constructor_zeroAddresses_revert() public {
        IRefereeCourt.Params memory p = IRefereeCourt.Params(3, WINDOW, 0, STAKE);
        IStakeManager sm = IStakeManager(address(stakes));
        IRandomness r = IRandomness(address(rnd));
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.ZeroAddress.selector, "owner"));
        new RefereeCourt(address(0), sm, r, p);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.ZeroAddress.selector, "stakes"));
        new RefereeCourt(OWNER, IStakeManager(address(0)), r, p);
        vm.expectRevert(abi.encodeWithSelector(IRefereeCourt.ZeroAddress.selector, "randomness"));
        new RefereeCourt(OWNER, sm, IRandomness(address(0)), p);
    }
}

/// @notice The /devnet randomness keeps the IRandomness timing guarantees.
contract DevnetRandomnessTest {
    function test_randomWordAt_pendingReadyExpired() public {
        DevnetRandomness d = new DevnetRandomness();
        vm.roll(1000);
        uint256 b = block.number;
        require(d.availability(b) == IRandomness.Availability.Pending, "own block pending");
        vm.expectRevert(
            abi.encodeWithSelector(
                IRandomness.RandomnessUnavailable.selector, b, IRandomness.Availability.Pending
            )
        );
        d.randomWordAt(b, "p");
        vm.roll(b + 1);
        vm.setBlockhash(b, keccak256("hash of b"));
        require(d.availability(b) == IRandomness.Availability.Ready, "ready next block");
        require(
            d.randomWordAt(b, "p") == uint256(keccak256(abi.encode(keccak256("hash of b"), bytes32("p")))),
            "word"
        );
        require(d.randomWordAt(b, "p") != d.randomWordAt(b, "q"), "purpose mixes in");
        vm.roll(b + 256);
        require(d.availability(b) == IRandomness.Availability.Ready, "256 back still ready");
        vm.roll(b + 257);
        require(d.availability(b) == IRandomness.Availability.Expired, "expired");
        vm.expectRevert(
            abi.encodeWithSelector(
                IRandomness.RandomnessUnavailable.selector, b, IRandomness.Availability.Expired
            )
        );
        d.randomWordAt(b, "p");
    }
}

/// @notice The real court adjudicating a real DisputeGame (market and stakes faked).
contract RefereeCourtIntegrationTest is DisputeHarness {
    RefereeCourt internal court;
    address[] internal refs;

    function setUp() public {
        market = new FakeJobMarket();
        stakes = new FakeStakeManager(TREASURY);
        court = new RefereeCourt(
            address(this),
            IStakeManager(address(stakes)),
            IRandomness(address(new FakeRandomness())),
            IRefereeCourt.Params({
                committeeSize: 3, voteWindow: 1 hours, voteWindowPerStep: 0, refereeStake: 1 ether
            })
        );
        game = new DisputeGame(
            IJobMarket(address(market)), IStakeManager(address(stakes)), IOpAdjudicator(address(court))
        );
        court.wire(address(game));
        for (uint256 i; i < 3; ++i) {
            refs.push(address(uint160(0xAA00 + i)));
            stakes.setStake(refs[i], Role.Referee, 1 ether);
        }
        stakes.setPool(refs);
        vm.deal(CHALLENGER, 10 ether);
        vm.warp(1_000_000);
    }

    function test_court_decidesGame_challengerWins() public {
        bytes32[] memory h = _honestTrace(16);
        bytes32[] memory d = _diverge(h, 6, "D");
        _setJob(JOB, d, 3, 20);
        GameId id = _challenge(JOB, d[16]);
        bytes32[][] memory levels = MerkleTree.build(d);
        while (game.getGame(id).status == GameStatus.StepBisection) {
            _choose(id, _open(id, d, levels), h);
        }
        bytes32[] memory truthOps = _opTrace(20, h[5], h[6], "O");
        bytes32[] memory badOps = _diverge(truthOps, 13, "P");
        badOps[20] = d[6];
        bytes32[][] memory opLevels = MerkleTree.build(badOps);
        _commit(id, badOps, opLevels);
        while (game.getGame(id).status == GameStatus.OpBisection) {
            _choose(id, _open(id, badOps, opLevels), truthOps);
        }
        IDisputeGame.Game memory g = game.getGame(id);
        require(g.status == GameStatus.Adjudicating && g.hi == 13, "isolated op 13");
        RequestId rid = court.requestOf(id);
        require(RequestId.unwrap(rid) == RequestId.unwrap(g.requestId), "request");
        vm.roll(block.number + 1);
        court.drawCommittee(rid);
        for (uint256 i; i < 3; ++i) {
            vm.prank(refs[i]);
            court.vote(rid, StateHash.wrap(truthOps[13]));
        }
        court.resolve(rid);
        require(game.getGame(id).status == GameStatus.ChallengerWon, "challenger won");
        require(stakes.creditOf(CHALLENGER) == BOND && game.totalBonds() == 0, "bond back");
        require(stakes.locked(refs[0], Role.Referee) == 0, "referees released");
    }
}
