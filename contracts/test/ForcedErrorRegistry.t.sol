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
    uint32 internal constant STEP = 7; // where the honeypots err on purpose
    uint32 internal constant OP = 8; // the end state r_N of the step: the job's opsPerStep (postJob above)

    /// @dev DisputeGame role: where each game was won by adjudication (step << 32 | op; 0: not).
    mapping(uint256 game => uint64 location) internal adjudicated;

    function adjudicatedAt(GameId gameId) external view returns (bool, uint32, uint32) {
        uint64 loc = adjudicated[GameId.unwrap(gameId)];
        return (loc != 0, uint32(loc >> 32), uint32(loc));
    }

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

    /// @dev A fresh JobMarket and registry on the same StakeManager, the registry funded with `fund`.
    function _deploy(IForcedErrorRegistry.Params memory p, uint256 fund) internal {
        market = new JobMarket(address(this), sm, new DevnetRandomness(), _marketParams());
        registry = new ForcedErrorRegistry(address(this), sm, market, p);
        market.wire(address(this), address(registry));
        sm.setProtocolContract(address(market), true);
        sm.setProtocolContract(address(registry), true);
        registry.registerWhistleblower(whistleblower);
        vm.deal(stranger, stranger.balance + fund);
        vm.prank(stranger);
        registry.fund{value: fund}();
    }

    function _defaultParams() internal pure returns (IForcedErrorRegistry.Params memory) {
        return IForcedErrorRegistry.Params({
            verificationCost: 0.01 ether,
            forcedErrorRateBps: 100, // 1%: fair jackpot = 1 ether
            maxJackpotShareBps: 5000,
            maxReimbursementShareBps: 5000,
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
            maxOpsPerStep: 1000,
            challengeWindowPerStep: 0,
            minVerifierFee: 0
        });
    }

    /// @dev A submitted honeypot job sealed for `whistleblower` with `salt`, erring at (STEP, OP).
    function _honeypot(bytes32 salt) internal returns (JobId id) {
        vm.prank(submitter);
        id = market.postJob{value: 10 ether}(SPEC, "", 100, GRAPH, 8, H0);
        vm.startPrank(solver);
        market.claimJob(id);
        market.submitResult(id, HT, ROOT, "", registry.sealedTagFor(id, salt, whistleblower, STEP, OP));
        vm.roll(block.number + 1);
        market.drawVerifiers(id);
        vm.stopPrank();
    }

    /// @dev `who` beats the job by adjudication at (step, op).
    function _win(JobId id, address who, uint32 step, uint32 op) internal {
        GameId g = GameId.wrap(JobId.unwrap(id) * 100 + uint160(who) % 100);
        market.onChallengeOpened(id, g, who);
        adjudicated[GameId.unwrap(g)] = (uint64(step) << 32) | op;
        market.onGameResolved(id, g, who, true);
    }

    function _closeWindow(JobId id) internal {
        vm.warp(market.challengeDeadline(id) + 1);
    }

    /// @dev A honeypot that a drawn verifier caught at the forced location; the first verifier attested.
    /// Its challenge window is closed: revealable.
    function _caughtHoneypot(bytes32 salt) internal returns (JobId id) {
        id = _honeypot(salt);
        IJobMarket.Assignment[] memory a = market.assignments(id);
        vm.prank(a[0].verifier);
        market.attest(id);
        _win(id, a[1].verifier, STEP, OP);
        _closeWindow(id);
    }

    /// @dev A honeypot nobody caught, that the whistleblower's own (undrawn) challenger beat.
    function _selfCaughtHoneypot(bytes32 salt) internal returns (JobId id) {
        id = _honeypot(salt);
        IJobMarket.Assignment[] memory a = market.assignments(id);
        vm.prank(a[0].verifier);
        market.attest(id);
        _win(id, challenger, STEP, OP);
        _closeWindow(id);
    }

    function _reveal(JobId id, bytes32 salt) internal returns (uint256 jackpot) {
        (jackpot,) = _revealBoth(id, salt);
    }

    function _revealBoth(JobId id, bytes32 salt) internal returns (uint256 jackpot, uint256 reimbursed) {
        vm.prank(whistleblower);
        return registry.reveal(id, salt, STEP, OP);
    }

    /// @dev A honeypot that nobody caught: `attesters` of its verifiers attested, then it finalized.
    function _missedHoneypot(bytes32 salt, uint256 attesters) internal returns (JobId id) {
        id = _honeypot(salt);
        IJobMarket.Assignment[] memory a = market.assignments(id);
        for (uint256 i; i < attesters; ++i) {
            vm.prank(a[i].verifier);
            market.attest(id);
        }
        _closeWindow(id);
        market.finalize(id);
    }

    /// @dev ETH an account holds, has staked (any role) and is owed by the protocol.
    function _wealth(address a) internal view returns (uint256) {
        uint256 staked;
        for (uint8 r = 1; r <= 4; ++r) {
            staked += sm.stakeOf(a, Role(r)).amount;
        }
        return a.balance + staked + sm.creditOf(a);
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
        _eq(registry.params().maxReimbursementShareBps, 5000, "reimbursement cap");
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

    function test_setParams_acceptsZeroReimbursementShare() public {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        p.maxReimbursementShareBps = 0;
        registry.setParams(p);
        _eq(registry.params().maxReimbursementShareBps, 0, "reimbursement off");
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
        field = uint8(field % 7);
        if (field == 0) {
            (name, bad, p.verificationCost) = ("verificationCost", 0, 0);
        } else if (field == 1) {
            bad = raw % 2 == 0 ? 0 : _bound(raw, 10_001, type(uint16).max);
            (name, p.forcedErrorRateBps) = ("forcedErrorRateBps", uint16(bad));
        } else if (field == 2) {
            bad = raw % 2 == 0 ? 0 : _bound(raw, 10_001, type(uint16).max);
            (name, p.maxJackpotShareBps) = ("maxJackpotShareBps", uint16(bad));
        } else if (field == 6) {
            bad = _bound(raw, 10_001, type(uint16).max);
            (name, p.maxReimbursementShareBps) = ("maxReimbursementShareBps", uint16(bad));
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
        market.postJob{value: 10 ether}(SPEC, "", 1, GRAPH, 8, H0);
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

    function test_reveal_paysJackpotToDrawnWinner() public {
        bytes32 salt = keccak256("salt");
        JobId id = _caughtHoneypot(salt);
        address finder = market.assignments(id)[1].verifier;
        uint256 poolBefore = registry.pool();
        uint256 expected = registry.jackpotAmount();
        _eq(expected, 1 ether, "fair jackpot below cap");
        vm.expectEmit(true, true, false, true);
        emit IForcedErrorRegistry.ForcedErrorRevealed(id, whistleblower, STEP, OP, 1, 1 ether);
        uint256 jackpot = _reveal(id, salt);
        _eq(jackpot, 1 ether, "jackpot");
        // The pool also paid back the honeypot's tax (see the reimbursement tests).
        _eq(registry.pool(), poolBefore - 1 ether - 0.1 ether, "pool");
        // Jackpot plus the winner's share of the slashed attester (50% of 2 ether).
        _eq(sm.creditOf(finder), 1 ether + 1 ether, "finder credit");
        require(registry.revealed(id), "revealed");
        IJobMarket.Job memory j = market.getJob(id);
        require(j.forcedError && j.solverSettled, "marked");
        _eq(sm.stakeOf(solver, Role.Solver).locked, 0, "honeypot solver spared");
        _eq(sm.stakeOf(solver, Role.Solver).amount, 100 ether, "not slashed");
        _solvent();
    }

    function test_reveal_splitsJackpotAmongDrawnWinnersAtTheLocation() public {
        bytes32 salt = keccak256("salt");
        JobId id = _honeypot(salt);
        IJobMarket.Assignment[] memory a = market.assignments(id);
        for (uint256 i; i < a.length; ++i) {
            _win(id, a[i].verifier, STEP, OP);
        }
        _closeWindow(id);
        uint256 jackpot = _reveal(id, salt);
        _eq(jackpot, 3 * (uint256(1 ether) / 3), "even split, dust stays in the pool");
        for (uint256 i; i < a.length; ++i) {
            _eq(sm.creditOf(a[i].verifier), uint256(1 ether) / 3, "a third each");
        }
        _solvent();
    }

    /// Regression (jackpot self-dealing): the whistleblower's own challenger beat its honeypot and
    /// collected the jackpot (and the attesters' winner share). Now neither: it is no drawn verifier.
    function test_reveal_selfCaughtHoneypotPaysNoJackpotToTheSock() public {
        bytes32 salt = keccak256("salt");
        JobId id = _selfCaughtHoneypot(salt);
        address attester = market.assignments(id)[0].verifier;
        uint256 poolBefore = registry.pool();
        _eq(_reveal(id, salt), 0, "no drawn winner: no jackpot");
        _eq(sm.creditOf(challenger), 0, "the sock gets nothing");
        _eq(sm.stakeOf(attester, Role.Verifier).amount, 18 ether, "lazy attester still slashed");
        _eq(registry.pool(), poolBefore - 0.1 ether, "only the tax reimbursed");
        _solvent();
    }

    /// Regression (a reveal proves no error): a CORRECT job under a sealed tag, beaten by nobody, was
    /// revealed and its honest attesters slashed. Now the sealed location must carry an adjudicated error.
    function test_reveal_revertsErrorNotProvenForUnbeatenJob() public {
        bytes32 salt = keccak256("salt");
        JobId id = _missedHoneypot(salt, 2);
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.ErrorNotProven.selector, id, STEP, OP));
        _reveal(id, salt);
    }

    function test_reveal_revertsErrorNotProvenElsewhere() public {
        bytes32 salt = keccak256("salt");
        JobId id = _honeypot(salt);
        _win(id, challenger, STEP, OP - 1); // beaten, but not where the tag says
        _closeWindow(id);
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.ErrorNotProven.selector, id, STEP, OP));
        _reveal(id, salt);
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

    // ---------------------------------------------------------------- reimbursement

    function test_reveal_caughtHoneypotReimbursesTheTaxToItsSubmitter() public {
        bytes32 salt = keccak256("salt");
        uint256 before = _wealth(submitter);
        JobId id = _caughtHoneypot(salt);
        _eq(_wealth(submitter), before - 0.1 ether, "the honeypot cost its submitter the tax");
        vm.expectEmit(true, true, false, true);
        emit IForcedErrorRegistry.HoneypotReimbursed(id, submitter, 0.1 ether, 0.1 ether);
        (, uint256 reimbursed) = _revealBoth(id, salt);
        _eq(reimbursed, 0.1 ether, "tax back");
        _eq(_wealth(submitter), before, "a revealed honeypot costs its submitter nothing");
        _eq(sm.creditOf(whistleblower), 0, "the registered account is paid nothing");
        _solvent();
    }

    function test_reveal_reimbursementCappedByPoolShare() public {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        p.maxReimbursementShareBps = 1; // 0.01% of the pool left after the jackpot
        registry.setParams(p);
        bytes32 salt = keccak256("salt");
        JobId id = _caughtHoneypot(salt);
        uint256 cap = (registry.pool() - registry.jackpotAmount()) / 10_000;
        require(cap < 0.1 ether, "the cap binds");
        vm.expectEmit(true, true, false, true);
        emit IForcedErrorRegistry.HoneypotReimbursed(id, submitter, 0.1 ether, cap);
        (, uint256 reimbursed) = _revealBoth(id, salt);
        _eq(reimbursed, cap, "capped");
        _solvent();
    }

    function test_reveal_zeroShareReimbursesNothing() public {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        p.maxReimbursementShareBps = 0;
        registry.setParams(p);
        bytes32 salt = keccak256("salt");
        JobId id = _caughtHoneypot(salt);
        uint256 creditBefore = sm.creditOf(submitter);
        (, uint256 reimbursed) = _revealBoth(id, salt);
        _eq(reimbursed, 0, "off");
        _eq(sm.creditOf(submitter), creditBefore, "no credit");
        _solvent();
    }

    /// @dev A whistleblower that controls the submitter, the solver and the challenger of its
    /// honeypot gains nothing from the reveal.
    function test_reveal_selfDealingNeverProfitsTheWhistleblower() public {
        address[] memory party = new address[](4);
        (party[0], party[1], party[2], party[3]) = (submitter, solver, whistleblower, challenger);
        uint256 before;
        for (uint256 i; i < party.length; ++i) {
            before += _wealth(party[i]);
        }
        bytes32 salt = keccak256("salt");
        _revealBoth(_selfCaughtHoneypot(salt), salt);
        uint256 afterReveal;
        for (uint256 i; i < party.length; ++i) {
            afterReveal += _wealth(party[i]);
        }
        require(afterReveal <= before, "the reveal paid the whistleblower's accounts");
        _solvent();
    }

    function testFuzz_reveal_neverPaysOutMoreThanThePool(
        uint96 poolSeed,
        uint16 jackpotShare,
        uint16 reimbursementShare,
        uint128 cost,
        uint8 mode
    ) public {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        p.verificationCost = uint128(_bound(cost, 1, type(uint128).max));
        p.maxJackpotShareBps = uint16(_bound(jackpotShare, 1, 10_000));
        p.maxReimbursementShareBps = uint16(_bound(reimbursementShare, 0, 10_000));
        // A fresh market and registry: the pool is only what the fuzzer gives plus the honeypot's tax.
        _deploy(p, poolSeed);
        bytes32 salt = keccak256("salt");
        JobId id = mode % 2 == 0 ? _caughtHoneypot(salt) : _selfCaughtHoneypot(salt);
        uint256 poolBefore = registry.pool();
        (uint256 jackpot, uint256 reimbursed) = _revealBoth(id, salt);
        require(jackpot + reimbursed <= poolBefore, "paid more than the pool");
        require(jackpot <= poolBefore * p.maxJackpotShareBps / 10_000, "jackpot over its cap");
        require(
            reimbursed <= (poolBefore - jackpot) * p.maxReimbursementShareBps / 10_000,
            "reimbursement over its cap"
        );
        _solvent();
    }

    function testFuzz_reimbursementAmount_isMinOfCostAndCap(uint256 cost, uint256 jackpot, uint16 share)
        public
    {
        IForcedErrorRegistry.Params memory p = _defaultParams();
        p.maxReimbursementShareBps = uint16(_bound(share, 0, 10_000));
        registry.setParams(p);
        uint256 pool = registry.pool();
        jackpot = _bound(jackpot, 0, pool + 1);
        uint256 left = jackpot < pool ? pool - jackpot : 0;
        uint256 cap = left * p.maxReimbursementShareBps / 10_000;
        _eq(registry.reimbursementAmount(cost, jackpot), cost < cap ? cost : cap, "min(cost, cap)");
    }

    function test_reveal_revertsNotWhistleblower() public {
        JobId id = _caughtHoneypot(keccak256("salt"));
        vm.expectRevert(abi.encodeWithSelector(IForcedErrorRegistry.NotWhistleblower.selector, stranger));
        vm.prank(stranger);
        registry.reveal(id, keccak256("salt"), STEP, OP);
    }

    function test_reveal_revertsTagMismatch() public {
        JobId id = _caughtHoneypot(keccak256("salt"));
        bytes32 expected = market.getJob(id).sealedTag;
        bytes32 computed = registry.sealedTagFor(id, keccak256("wrong"), whistleblower, STEP, OP);
        vm.expectRevert(
            abi.encodeWithSelector(IForcedErrorRegistry.TagMismatch.selector, id, expected, computed)
        );
        _reveal(id, keccak256("wrong"));
    }

    function test_reveal_revertsTagMismatchForAnotherLocation() public {
        bytes32 salt = keccak256("salt");
        JobId id = _honeypot(salt);
        _win(id, challenger, STEP, OP - 1);
        _closeWindow(id);
        bytes32 computed = registry.sealedTagFor(id, salt, whistleblower, STEP, OP - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IForcedErrorRegistry.TagMismatch.selector, id, market.getJob(id).sealedTag, computed
            )
        );
        vm.prank(whistleblower);
        registry.reveal(id, salt, STEP, OP - 1);
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

    function test_reveal_rateWindowSlides() public {
        JobId a = _caughtHoneypot("a");
        JobId b = _caughtHoneypot("b");
        _reveal(a, "a");
        _reveal(b, "b");
        vm.warp(block.timestamp + 1 days);
        JobId c = _caughtHoneypot("c");
        _reveal(c, "c");
        require(registry.revealed(c), "revealed once the old reveals left the window");
    }

    /// Regression (2x burst): a fixed window let `maximum` reveals at its end and `maximum` more at
    /// the start of the next. The sliding window allows at most `maximum` in any `rateWindow`.
    function test_reveal_noBurstAcrossWindowBoundary() public {
        JobId[4] memory ids;
        for (uint256 i; i < 4; ++i) {
            ids[i] = _honeypot(bytes32(i + 1));
            _win(ids[i], market.assignments(ids[i])[0].verifier, STEP, OP);
        }
        _closeWindow(ids[3]);
        uint256 t0 = block.timestamp;
        _reveal(ids[0], bytes32(uint256(1)));
        vm.warp(t0 + 1 days - 1);
        _reveal(ids[1], bytes32(uint256(2))); // 2 in [t0, t0 + 1 day)
        vm.warp(t0 + 1 days);
        _reveal(ids[2], bytes32(uint256(3))); // the first left the window
        vm.expectRevert(
            abi.encodeWithSelector(
                IForcedErrorRegistry.RateLimited.selector, whistleblower, 2, 2, t0 + 2 days - 1
            )
        );
        _reveal(ids[3], bytes32(uint256(4))); // a fixed window would have allowed this one
        _eq(registry.nextRevealAt(whistleblower), t0 + 2 days - 1, "next");
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

    /// Regression: stake pending withdrawal counted, so a leaving whistleblower kept revealing.
    function test_reveal_revertsWhileStakePendingWithdrawal() public {
        JobId id = _caughtHoneypot("a");
        vm.prank(whistleblower);
        sm.requestWithdrawal(Role.Whistleblower, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IForcedErrorRegistry.InsufficientWhistleblowerStake.selector, whistleblower, 0, 1 ether
            )
        );
        _reveal(id, "a");
    }

    function test_reveal_revertsAfterRevealWindow() public {
        JobId id = _caughtHoneypot("a");
        uint256 end = block.timestamp - 1 + REVEAL_WINDOW; // window closed 1s ago at the deadline
        vm.warp(end + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TooLate.selector, id, end + 1, end));
        _reveal(id, "a");
        require(!registry.revealed(id), "rolled back");
    }

    function test_reveal_revertsUnknownJob() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.UnknownJob.selector, JobId.wrap(99)));
        _reveal(JobId.wrap(99), "a");
    }

    function test_reveal_revertsInsideChallengeWindow() public {
        JobId id = _honeypot("a");
        _win(id, challenger, STEP, OP);
        uint256 deadline = market.challengeDeadline(id);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.TooEarly.selector, id, block.timestamp, deadline + 1)
        );
        _reveal(id, "a");
    }

    // ---------------------------------------------------------------- views

    function test_sealedTagFor_matchesSpec() public view {
        bytes32 tag = registry.sealedTagFor(JobId.wrap(3), "s", whistleblower, 7, 3);
        require(
            tag == keccak256(abi.encode(uint256(3), bytes32("s"), whistleblower, uint32(7), uint32(3))), "tag"
        );
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
