// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {JobId, GameId, StateHash, JobStatus, Role} from "../src/types/Types.sol";
import {IJobMarket} from "../src/interfaces/IJobMarket.sol";
import {IStakeManager} from "../src/interfaces/IStakeManager.sol";
import {IForcedErrorRegistry} from "../src/interfaces/IForcedErrorRegistry.sol";
import {StakeManager} from "../src/StakeManager.sol";
import {DevnetRandomness} from "../src/DevnetRandomness.sol";
import {JobMarket} from "../src/JobMarket.sol";
import {ForcedErrorRegistry} from "../src/ForcedErrorRegistry.sol";

/// @dev Real StakeManager, JobMarket and registry; the test contract plays DisputeGame.
contract ForcedErrorRegistryTest {
    StakeManager internal sm;
    JobMarket internal market;
    ForcedErrorRegistry internal registry;

    address internal treasury = vm.addr(0x7EA5);
    address internal submitter = vm.addr(0x5AB);
    address internal solver = vm.addr(0x501);
    address internal challenger = vm.addr(0xC4A1);
    address internal whistleblower = vm.addr(0xB10E);
    address internal stranger = vm.addr(0x5743);

    bytes32 internal constant SPEC = keccak256("spec");
    bytes32 internal constant GRAPH = keccak256("graph");
    StateHash internal constant H0 = StateHash.wrap(keccak256("h0"));
    StateHash internal constant HT = StateHash.wrap(keccak256("hT"));
    bytes32 internal constant ROOT = keccak256("root");
    uint256 internal constant REVEAL_WINDOW = 3 days;

    function setUp() public {
        vm.warp(1_000_000);
        vm.roll(100);
        sm = new StakeManager(address(this), treasury, 30 days);
        market = new JobMarket(address(this), sm, new DevnetRandomness(), _marketParams());
        registry = new ForcedErrorRegistry(address(this), sm, market, _defaultParams());
        market.wire(address(this), address(registry));
        sm.setProtocolContract(address(market), true);
        sm.setProtocolContract(address(registry), true);

        vm.deal(submitter, 1000 ether);
        vm.deal(solver, 1000 ether);
        vm.deal(whistleblower, 10 ether);
        vm.deal(stranger, 1000 ether);
        vm.prank(solver);
        sm.deposit{value: 100 ether}(Role.Solver);
        for (uint256 i; i < 4; ++i) {
            address v = vm.addr(0xF0 + i);
            vm.deal(v, 100 ether);
            vm.prank(v);
            sm.deposit{value: 20 ether}(Role.Verifier);
        }
        vm.prank(whistleblower);
        sm.deposit{value: 1 ether}(Role.Whistleblower);
        registry.registerWhistleblower(whistleblower);
        vm.prank(stranger);
        registry.fund{value: 100 ether}();
    }

    // ---------------------------------------------------------------- helpers

    function _defaultParams() internal pure returns (IForcedErrorRegistry.Params memory) {
        return IForcedErrorRegistry.Params({
            verificationCost: 0.01 ether,
            forcedErrorRateBps: 100, // 1%: fair jackpot = 1 ether
            maxJackpotShareBps: 5000,
            maxRevealsPerWindow: 2,
            rateWindow: 1 days,
            minWhistleblowerStake: 1 ether
        });
    }

    function _marketParams() internal pure returns (IJobMarket.Params memory) {
        return IJobMarket.Params({
            solverStake: 10 ether,
            verifierStake: 2 ether,
            challengeBond: 1 ether,
            claimWindow: 1 days,
            solveWindow: 2 days,
            challengeWindow: 1 days,
            revealWindow: uint64(REVEAL_WINDOW),
            clockBudget: 1 days,
            minClockExtension: 1 hours,
            verifiersPerJob: 3,
            bisectionArity: 2,
            verifierFeeBps: 1000,
            protocolTaxBps: 100,
            slashWinnerShareBps: 5000,
            maxOpsPerStep: 1000
        });
    }

    /// @dev A submitted honeypot job sealed for `whistleblower` with `salt`.
    function _honeypot(bytes32 salt) internal returns (JobId id) {
        vm.prank(submitter);
        id = market.postJob{value: 10 ether}(SPEC, "", 100, GRAPH, H0);
        vm.startPrank(solver);
        market.claimJob(id);
        market.submitResult(id, HT, ROOT, "", registry.sealedTagFor(id, salt, whistleblower));
        vm.stopPrank();
    }

    /// @dev A honeypot that a challenger caught (Failed, inside the reveal window).
    function _caughtHoneypot(bytes32 salt) internal returns (JobId id) {
        id = _honeypot(salt);
        market.onChallengeOpened(id, GameId.wrap(JobId.unwrap(id)), challenger);
        market.onGameResolved(id, GameId.wrap(JobId.unwrap(id)), challenger, true);
    }

    function _reveal(JobId id, bytes32 salt) internal returns (uint256) {
        vm.prank(whistleblower);
        return registry.reveal(id, salt);
    }

    function _eq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }

    function _solvent() internal view {
        _eq(address(registry).balance, registry.pool(), "pool");
        _eq(address(sm).balance, sm.totalStaked() + sm.totalCredits(), "stake manager");
        _eq(address(market).balance, market.totalEscrow(), "escrow");
    }

    // ---------------------------------------------------------------- constructor / params

    function test_constructor_setsState() public view {
        require(registry.owner() == address(this), "owner");
        require(
            address(registry.market()) == address(market) && address(registry.stakes()) == address(sm),
            "wiring"
        );
        _eq(registry.params().maxRevealsPerWindow, 2, "params");
    }

    function test_constructor_revertsZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.ZeroAddress.selector));
        new ForcedErrorRegistry(address(this), sm, IJobMarket(address(0)), _defaultParams());
    }

    function test_constructor_revertsInvalidParams() public {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        p.rateWindow = 0;
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.InvalidParams.selector, "rateWindow", 0));
        new ForcedErrorRegistry(address(this), sm, market, p);
    }

    function test_setParams_updates() public {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        p.maxRevealsPerWindow = 7;
        vm.expectEmit(false, false, false, true);
        emit IForcedErrorRegistry.ParamsSet(p);
        registry.setParams(p);
        _eq(registry.params().maxRevealsPerWindow, 7, "updated");
    }

    function test_setParams_revertsNotOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(IForcedErrorRegistry.NotOwner.selector, stranger, address(this))
        );
        vm.prank(stranger);
        registry.setParams(_defaultParams());
    }

    function testFuzz_setParams_rejectsOutOfRange(uint8 field, uint256 raw) public {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        string memory name;
        uint256 bad;
        field = uint8(field % 6);
        if (field == 0) {
            (name, bad, p.verificationCost) = ("verificationCost", 0, 0);
        } else if (field == 1) {
            bad = raw % 2 == 0 ? 0 : _bound(raw, 10_001, type(uint16).max);
            (name, p.forcedErrorRateBps) = ("forcedErrorRateBps", uint16(bad));
        } else if (field == 2) {
            bad = raw % 2 == 0 ? 0 : _bound(raw, 10_001, type(uint16).max);
            (name, p.maxJackpotShareBps) = ("maxJackpotShareBps", uint16(bad));
        } else if (field == 3) {
            (name, bad, p.maxRevealsPerWindow) = ("maxRevealsPerWindow", 0, 0);
        } else if (field == 4) {
            (name, bad, p.rateWindow) = ("rateWindow", 0, 0);
        } else {
            (name, bad, p.minWhistleblowerStake) = ("minWhistleblowerStake", 0, 0);
        }
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.InvalidParams.selector, name, bad));
        registry.setParams(p);
    }

    // ---------------------------------------------------------------- fund

    function test_fund_growsPool() public {
        uint256 before = registry.pool();
        vm.expectEmit(true, false, false, true);
        emit IForcedErrorRegistry.Funded(stranger, 2 ether, before + 2 ether);
        vm.prank(stranger);
        registry.fund{value: 2 ether}();
        _eq(registry.pool(), before + 2 ether, "pool");
        _solvent();
    }

    function test_fund_receivesProtocolTax() public {
        uint256 before = registry.pool();
        vm.prank(submitter);
        market.postJob{value: 10 ether}(SPEC, "", 1, GRAPH, H0);
        _eq(registry.pool() - before, 0.1 ether, "tax");
        _solvent();
    }

    // ---------------------------------------------------------------- whistleblowers

    function test_registerWhistleblower_registers() public {
        vm.prank(stranger);
        sm.deposit{value: 1 ether}(Role.Whistleblower);
        vm.expectEmit(true, false, false, true);
        emit IForcedErrorRegistry.WhistleblowerRegistered(stranger);
        registry.registerWhistleblower(stranger);
        require(registry.isWhistleblower(stranger), "registered");
    }

    function test_registerWhistleblower_revertsNotOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(IForcedErrorRegistry.NotOwner.selector, stranger, address(this))
        );
        vm.prank(stranger);
        registry.registerWhistleblower(stranger);
    }

    function test_registerWhistleblower_revertsZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.ZeroAddress.selector));
        registry.registerWhistleblower(address(0));
    }

    function test_registerWhistleblower_revertsAlreadyRegistered() public {
        vm.expectRevert(
            abi.encodeWithSelector(IForcedErrorRegistry.AlreadyRegistered.selector, whistleblower)
        );
        registry.registerWhistleblower(whistleblower);
    }

    function test_registerWhistleblower_revertsInsufficientStake() public {
        vm.prank(stranger);
        sm.deposit{value: 0.5 ether}(Role.Whistleblower);
        vm.expectRevert(
            abi.encodeWithSelector(
                IForcedErrorRegistry.InsufficientWhistleblowerStake.selector, stranger, 0.5 ether, 1 ether
            )
        );
        registry.registerWhistleblower(stranger);
    }

    function test_removeWhistleblower_removes() public {
        vm.expectEmit(true, false, false, true);
        emit IForcedErrorRegistry.WhistleblowerRemoved(whistleblower);
        registry.removeWhistleblower(whistleblower);
        require(!registry.isWhistleblower(whistleblower), "removed");
    }

    function test_removeWhistleblower_revertsNotOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(IForcedErrorRegistry.NotOwner.selector, stranger, address(this))
        );
        vm.prank(stranger);
        registry.removeWhistleblower(whistleblower);
    }

    function test_removeWhistleblower_revertsNotWhistleblower() public {
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.NotWhistleblower.selector, stranger));
        registry.removeWhistleblower(stranger);
    }

    // ---------------------------------------------------------------- reveal

    function test_reveal_paysJackpotToWinningChallenger() public {
        bytes32 salt = keccak256("salt");
        JobId id = _caughtHoneypot(salt);
        uint256 poolBefore = registry.pool();
        uint256 expected = registry.jackpotAmount();
        _eq(expected, 1 ether, "fair jackpot below cap");
        vm.expectEmit(true, true, true, true);
        emit IForcedErrorRegistry.ForcedErrorRevealed(id, whistleblower, challenger, 1 ether);
        uint256 jackpot = _reveal(id, salt);
        _eq(jackpot, 1 ether, "jackpot");
        _eq(registry.pool(), poolBefore - 1 ether, "pool");
        // Jackpot plus the winner's share of the slashed attesters (none attested here).
        _eq(sm.creditOf(challenger), 1 ether, "challenger credit");
        require(registry.revealed(id), "revealed");
        IJobMarket.Job memory j = market.getJob(id);
        require(j.forcedError && j.solverSettled, "marked");
        _eq(sm.stakeOf(solver, Role.Solver).locked, 0, "honeypot solver spared");
        _eq(sm.stakeOf(solver, Role.Solver).amount, 100 ether, "not slashed");
        _solvent();
    }

    function test_reveal_finalizedJobPaysNoJackpot() public {
        bytes32 salt = keccak256("salt");
        JobId id = _honeypot(salt);
        IJobMarket.Job memory j = market.getJob(id);
        vm.warp(uint256(j.submittedAt) + j.params.challengeWindow + 1);
        market.finalize(id);
        uint256 poolBefore = registry.pool();
        _eq(_reveal(id, salt), 0, "no jackpot");
        _eq(registry.pool(), poolBefore, "pool kept");
        require(market.getJob(id).forcedError, "marked");
        _solvent();
    }

    function test_reveal_jackpotCappedByPoolShare() public {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        p.verificationCost = 10 ether; // fair jackpot 1000 ether, pool ~100 ether
        registry.setParams(p);
        bytes32 salt = keccak256("salt");
        JobId id = _caughtHoneypot(salt);
        uint256 cap = registry.pool() * 5000 / 10_000;
        _eq(_reveal(id, salt), cap, "capped");
        _solvent();
    }

    function test_reveal_revertsNotWhistleblower() public {
        JobId id = _caughtHoneypot(keccak256("salt"));
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.NotWhistleblower.selector, stranger));
        vm.prank(stranger);
        registry.reveal(id, keccak256("salt"));
    }

    function test_reveal_revertsTagMismatch() public {
        JobId id = _caughtHoneypot(keccak256("salt"));
        bytes32 expected = market.getJob(id).sealedTag;
        bytes32 computed = registry.sealedTagFor(id, keccak256("wrong"), whistleblower);
        vm.expectRevert(
            abi.encodeWithSelector(IForcedErrorRegistry.TagMismatch.selector, id, expected, computed)
        );
        _reveal(id, keccak256("wrong"));
    }

    function test_reveal_revertsAlreadyRevealed() public {
        bytes32 salt = keccak256("salt");
        JobId id = _caughtHoneypot(salt);
        _reveal(id, salt);
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.AlreadyRevealed.selector, id));
        _reveal(id, salt);
    }

    function test_reveal_revertsRateLimited() public {
        JobId a = _caughtHoneypot("a");
        JobId b = _caughtHoneypot("b");
        JobId c = _caughtHoneypot("c");
        _reveal(a, "a");
        uint256 windowEnd = block.timestamp + 1 days;
        _reveal(b, "b");
        vm.expectRevert(
            abi.encodeWithSelector(IForcedErrorRegistry.RateLimited.selector, whistleblower, 2, 2, windowEnd)
        );
        _reveal(c, "c");
    }

    function test_reveal_rateWindowResets() public {
        JobId a = _caughtHoneypot("a");
        JobId b = _caughtHoneypot("b");
        _reveal(a, "a");
        _reveal(b, "b");
        vm.warp(block.timestamp + 1 days);
        JobId c = _caughtHoneypot("c");
        _reveal(c, "c");
        require(registry.revealed(c), "revealed in new window");
    }

    function test_reveal_revertsAfterStakeWithdrawn() public {
        JobId id = _caughtHoneypot("a");
        vm.prank(whistleblower);
        sm.requestWithdrawal(Role.Whistleblower, 1 ether);
        vm.warp(block.timestamp + 30 days);
        vm.prank(whistleblower);
        sm.withdraw(Role.Whistleblower);
        vm.expectRevert(
            abi.encodeWithSelector(
                IForcedErrorRegistry.InsufficientWhistleblowerStake.selector, whistleblower, 0, 1 ether
            )
        );
        _reveal(id, "a");
    }

    function test_reveal_revertsAfterRevealWindow() public {
        JobId id = _caughtHoneypot("a");
        uint256 end = block.timestamp + REVEAL_WINDOW;
        vm.warp(end + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooLate.selector, id, end + 1, end));
        _reveal(id, "a");
        require(!registry.revealed(id), "rolled back");
    }

    function test_reveal_revertsUnknownJob() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.UnknownJob.selector, JobId.wrap(99)));
        _reveal(JobId.wrap(99), "a");
    }

    function test_reveal_revertsForUnsettledJob() public {
        JobId id = _honeypot("a");
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.WrongStatus.selector, id, JobStatus.Submitted, JobStatus.Failed)
        );
        _reveal(id, "a");
    }

    // ---------------------------------------------------------------- views

    function test_sealedTagFor_matchesSpec() public view {
        bytes32 tag = registry.sealedTagFor(JobId.wrap(3), "s", whistleblower);
        require(tag == keccak256(abi.encode(uint256(3), bytes32("s"), whistleblower)), "tag");
    }

    function testFuzz_jackpotAmount_isMinOfFairAndCap(uint128 cost, uint16 rate, uint16 share, uint96 extra)
        public
    {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        p.verificationCost = uint128(_bound(cost, 1, type(uint128).max));
        p.forcedErrorRateBps = uint16(_bound(rate, 1, 10_000));
        p.maxJackpotShareBps = uint16(_bound(share, 1, 10_000));
        registry.setParams(p);
        vm.deal(stranger, uint256(extra) + 1);
        vm.prank(stranger);
        registry.fund{value: extra}();
        uint256 fair = uint256(p.verificationCost) * 10_000 / p.forcedErrorRateBps;
        uint256 cap = registry.pool() * p.maxJackpotShareBps / 10_000;
        uint256 j = registry.jackpotAmount();
        require(j <= fair && j <= cap && (j == fair || j == cap), "min");
        require(j <= registry.pool(), "never exceeds pool");
    }
}
