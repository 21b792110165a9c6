// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {Role} from "../src/types/Types.sol";
import {IStakeManager} from "../src/interfaces/IStakeManager.sol";
import {StakeManager} from "../src/StakeManager.sol";

/// @dev Rejects every ETH transfer, to exercise TransferFailed.
contract Rejecter {
    function callDeposit(StakeManager sm, Role role) external payable {
        sm.deposit{value: msg.value}(role);
    }

    function callRequest(StakeManager sm, Role role, uint256 amount) external {
        sm.requestWithdrawal(role, amount);
    }

    function callWithdraw(StakeManager sm, Role role) external {
        sm.withdraw(role);
    }

    function callClaim(StakeManager sm) external {
        sm.claim();
    }
}

/// @dev Tries to claim again from inside the payout.
contract ReentrantClaimer {
    StakeManager internal sm;
    uint256 public reentered;

    constructor(StakeManager sm_) {
        sm = sm_;
    }

    function claimOnce() external {
        sm.claim();
    }

    receive() external payable {
        reentered++;
        sm.claim(); // no credit left: reverts, so the outer transfer fails
    }
}

contract StakeManagerTest {
    uint256 internal constant DELAY = 7 days;
    StakeManager internal sm;
    address internal treasury = vm.addr(0x7EA5);
    address internal alice = vm.addr(0xA11CE);
    address internal bob = vm.addr(0xB0B);
    address internal carol = vm.addr(0xCA401);
    address internal protocol = vm.addr(0x9207);
    address internal stranger = vm.addr(0x5743);

    function setUp() public {
        vm.warp(1_000_000);
        sm = new StakeManager(address(this), treasury, DELAY);
        sm.setProtocolContract(protocol, true);
        vm.deal(alice, 1000 ether);
        vm.deal(bob, 1000 ether);
        vm.deal(carol, 1000 ether);
        vm.deal(protocol, 1000 ether);
    }

    // ---------------------------------------------------------------- helpers

    function _one(address a) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }

    function _deposit(address who, Role role, uint256 amount) internal {
        vm.prank(who);
        sm.deposit{value: amount}(role);
    }

    function _lock(address who, Role role, uint256 amount) internal {
        vm.prank(protocol);
        sm.lock(who, role, amount);
    }

    function _eq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function _solvent() internal view {
        require(address(sm).balance == sm.totalStaked() + sm.totalCredits(), "insolvent");
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }

    // ---------------------------------------------------------------- constructor

    function test_constructor_setsState() public view {
        require(sm.owner() == address(this) && sm.treasury() == treasury, "wiring");
        _eq(sm.unbondingDelay(), DELAY, "delay");
        require(sm.isProtocol(protocol) && !sm.isProtocol(stranger), "protocol");
    }

    function test_constructor_revertsZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.ZeroAddress.selector));
        new StakeManager(address(0), treasury, DELAY);
    }

    function test_constructor_revertsZeroTreasury() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.ZeroAddress.selector));
        new StakeManager(address(this), address(0), DELAY);
    }

    function test_constructor_revertsZeroDelay() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidParameter.selector, "unbondingDelay", 0));
        new StakeManager(address(this), treasury, 0);
    }

    // ---------------------------------------------------------------- deposit

    function test_deposit_addsStakeAndRegistersOnce() public {
        vm.expectEmit(true, true, false, true);
        emit IStakeManager.Deposited(alice, Role.Verifier, 3 ether, 3 ether);
        _deposit(alice, Role.Verifier, 3 ether);
        _deposit(alice, Role.Verifier, 2 ether);
        _eq(sm.stakeOf(alice, Role.Verifier).amount, 5 ether, "amount");
        _eq(sm.freeStake(alice, Role.Verifier), 5 ether, "free");
        _eq(sm.registrySize(Role.Verifier), 1, "registry");
        require(sm.registryAt(Role.Verifier, 0) == alice, "registryAt");
        _eq(sm.registrySize(Role.Solver), 0, "other role");
        _eq(sm.totalStaked(), 5 ether, "total");
        _solvent();
    }

    function test_deposit_revertsZeroValue() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.ZeroAmount.selector));
        _deposit(alice, Role.Solver, 0);
    }

    function test_deposit_revertsRoleNone() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidRole.selector, Role.None));
        _deposit(alice, Role.None, 1 ether);
    }

    // ---------------------------------------------------------------- requestWithdrawal

    function test_requestWithdrawal_startsUnbonding() public {
        _deposit(alice, Role.Solver, 5 ether);
        vm.expectEmit(true, true, false, true);
        emit IStakeManager.WithdrawalRequested(alice, Role.Solver, 2 ether, block.timestamp + DELAY);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Solver, 2 ether);
        IStakeManager.Stake memory s = sm.stakeOf(alice, Role.Solver);
        _eq(s.pendingWithdrawal, 2 ether, "pending");
        _eq(s.withdrawableAt, block.timestamp + DELAY, "unbondsAt");
        _eq(sm.freeStake(alice, Role.Solver), 3 ether, "free");
    }

    function test_requestWithdrawal_secondRequestRestartsClock() public {
        _deposit(alice, Role.Solver, 5 ether);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Solver, 1 ether);
        vm.warp(block.timestamp + DELAY - 1);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Solver, 1 ether);
        IStakeManager.Stake memory s = sm.stakeOf(alice, Role.Solver);
        _eq(s.pendingWithdrawal, 2 ether, "pending");
        _eq(s.withdrawableAt, block.timestamp + DELAY, "restarted");
    }

    function test_requestWithdrawal_revertsZeroAmount() public {
        _deposit(alice, Role.Solver, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.ZeroAmount.selector));
        vm.prank(alice);
        sm.requestWithdrawal(Role.Solver, 0);
    }

    function test_requestWithdrawal_revertsRoleNone() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidRole.selector, Role.None));
        vm.prank(alice);
        sm.requestWithdrawal(Role.None, 1);
    }

    function test_requestWithdrawal_revertsWhenLocked() public {
        _deposit(alice, Role.Solver, 5 ether);
        _lock(alice, Role.Solver, 4 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStakeManager.InsufficientFreeStake.selector, alice, Role.Solver, 1 ether, 2 ether
            )
        );
        vm.prank(alice);
        sm.requestWithdrawal(Role.Solver, 2 ether);
    }

    // ---------------------------------------------------------------- withdraw

    function test_withdraw_paysAfterDelay() public {
        _deposit(alice, Role.Solver, 5 ether);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Solver, 2 ether);
        vm.warp(block.timestamp + DELAY);
        uint256 before = alice.balance;
        vm.expectEmit(true, true, false, true);
        emit IStakeManager.Withdrawn(alice, Role.Solver, 2 ether);
        vm.prank(alice);
        sm.withdraw(Role.Solver);
        _eq(alice.balance - before, 2 ether, "paid");
        IStakeManager.Stake memory s = sm.stakeOf(alice, Role.Solver);
        _eq(s.amount, 3 ether, "amount");
        _eq(s.pendingWithdrawal, 0, "pending");
        _eq(sm.totalStaked(), 3 ether, "total");
        _solvent();
    }

    function test_withdraw_revertsStillUnbonding() public {
        _deposit(alice, Role.Solver, 5 ether);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Solver, 2 ether);
        uint256 unbondsAt = block.timestamp + DELAY;
        vm.warp(unbondsAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStakeManager.StillUnbonding.selector, alice, Role.Solver, unbondsAt, unbondsAt - 1
            )
        );
        vm.prank(alice);
        sm.withdraw(Role.Solver);
    }

    function test_withdraw_revertsNothingToWithdraw() public {
        _deposit(alice, Role.Solver, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.NothingToWithdraw.selector, alice, Role.Solver));
        vm.prank(alice);
        sm.withdraw(Role.Solver);
    }

    function test_withdraw_revertsRoleNone() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidRole.selector, Role.None));
        vm.prank(alice);
        sm.withdraw(Role.None);
    }

    function test_withdraw_revertsTransferFailed() public {
        Rejecter r = new Rejecter();
        r.callDeposit{value: 1 ether}(sm, Role.Solver);
        r.callRequest(sm, Role.Solver, 1 ether);
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.TransferFailed.selector, address(r), 1 ether));
        r.callWithdraw(sm, Role.Solver);
    }

    function testFuzz_withdraw_onlyAfterUnbondingDelay(uint256 delay, uint256 wait) public {
        delay = _bound(delay, 1, 365 days);
        wait = _bound(wait, 0, 2 * 365 days);
        sm.setUnbondingDelay(delay);
        _deposit(alice, Role.Verifier, 1 ether);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Verifier, 1 ether);
        uint256 unbondsAt = block.timestamp + delay;
        vm.warp(block.timestamp + wait);
        if (wait < delay) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IStakeManager.StillUnbonding.selector, alice, Role.Verifier, unbondsAt, block.timestamp
                )
            );
        }
        vm.prank(alice);
        sm.withdraw(Role.Verifier);
        _solvent();
    }

    // ---------------------------------------------------------------- claim

    function test_claim_paysWholeCredit() public {
        vm.prank(protocol);
        sm.credit{value: 1 ether}(alice);
        vm.prank(protocol);
        sm.credit{value: 2 ether}(alice);
        uint256 before = alice.balance;
        vm.expectEmit(true, false, false, true);
        emit IStakeManager.Claimed(alice, 3 ether);
        vm.prank(alice);
        uint256 paid = sm.claim();
        _eq(paid, 3 ether, "returned");
        _eq(alice.balance - before, 3 ether, "paid");
        _eq(sm.creditOf(alice), 0, "credit");
        _eq(sm.totalCredits(), 0, "total");
        _solvent();
    }

    function test_claim_revertsNoCredit() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.NoCredit.selector, alice));
        vm.prank(alice);
        sm.claim();
    }

    function test_claim_revertsTransferFailed() public {
        Rejecter r = new Rejecter();
        vm.prank(protocol);
        sm.credit{value: 1 ether}(address(r));
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.TransferFailed.selector, address(r), 1 ether));
        r.callClaim(sm);
    }

    function test_claim_reentryFindsNoCredit() public {
        ReentrantClaimer c = new ReentrantClaimer(sm);
        vm.prank(protocol);
        sm.credit{value: 1 ether}(address(c));
        // The credit is zeroed before the call, so the nested claim reverts and so does the payout.
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.TransferFailed.selector, address(c), 1 ether));
        c.claimOnce();
        _eq(sm.creditOf(address(c)), 1 ether, "credit kept");
    }

    // ---------------------------------------------------------------- lock / unlock

    function test_lock_locksFreeStake() public {
        _deposit(alice, Role.Verifier, 5 ether);
        vm.expectEmit(true, true, false, true);
        emit IStakeManager.Locked(alice, Role.Verifier, 2 ether, 2 ether);
        _lock(alice, Role.Verifier, 2 ether);
        _eq(sm.stakeOf(alice, Role.Verifier).locked, 2 ether, "locked");
        _eq(sm.freeStake(alice, Role.Verifier), 3 ether, "free");
    }

    function test_lock_revertsNotProtocol() public {
        _deposit(alice, Role.Verifier, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.NotProtocol.selector, stranger));
        vm.prank(stranger);
        sm.lock(alice, Role.Verifier, 1 ether);
    }

    function test_lock_revertsInsufficientFreeStake() public {
        _deposit(alice, Role.Verifier, 5 ether);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Verifier, 4 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStakeManager.InsufficientFreeStake.selector, alice, Role.Verifier, 1 ether, 2 ether
            )
        );
        _lock(alice, Role.Verifier, 2 ether);
    }

    function test_lock_revertsZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.ZeroAmount.selector));
        _lock(alice, Role.Verifier, 0);
    }

    function test_lock_revertsRoleNone() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidRole.selector, Role.None));
        _lock(alice, Role.None, 1);
    }

    function test_unlock_releasesLockedStake() public {
        _deposit(alice, Role.Verifier, 5 ether);
        _lock(alice, Role.Verifier, 2 ether);
        vm.expectEmit(true, true, false, true);
        emit IStakeManager.Unlocked(alice, Role.Verifier, 2 ether, 0);
        vm.prank(protocol);
        sm.unlock(alice, Role.Verifier, 2 ether);
        _eq(sm.freeStake(alice, Role.Verifier), 5 ether, "free");
    }

    function test_unlock_revertsInsufficientLocked() public {
        _deposit(alice, Role.Verifier, 5 ether);
        _lock(alice, Role.Verifier, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStakeManager.InsufficientLocked.selector, alice, Role.Verifier, 1 ether, 2 ether
            )
        );
        vm.prank(protocol);
        sm.unlock(alice, Role.Verifier, 2 ether);
    }

    function test_unlock_revertsNotProtocol() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.NotProtocol.selector, stranger));
        vm.prank(stranger);
        sm.unlock(alice, Role.Verifier, 1);
    }

    function test_unlock_revertsZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.ZeroAmount.selector));
        vm.prank(protocol);
        sm.unlock(alice, Role.Verifier, 0);
    }

    function test_unlock_revertsRoleNone() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidRole.selector, Role.None));
        vm.prank(protocol);
        sm.unlock(alice, Role.None, 1);
    }

    // ---------------------------------------------------------------- slash

    function test_slash_splitsBetweenBeneficiaryAndTreasury() public {
        _deposit(alice, Role.Solver, 10 ether);
        _lock(alice, Role.Solver, 4 ether);
        vm.expectEmit(true, true, true, true);
        emit IStakeManager.Slashed(alice, Role.Solver, 4 ether, bob, 1 ether);
        vm.prank(protocol);
        uint256 toBob = sm.slash(alice, Role.Solver, 4 ether, bob, 2500);
        _eq(toBob, 1 ether, "returned");
        _eq(sm.creditOf(bob), 1 ether, "bob");
        _eq(sm.creditOf(treasury), 3 ether, "treasury");
        IStakeManager.Stake memory s = sm.stakeOf(alice, Role.Solver);
        _eq(s.amount, 6 ether, "amount");
        _eq(s.locked, 0, "locked");
        _solvent();
    }

    function test_slash_zeroBeneficiarySendsAllToTreasury() public {
        _deposit(alice, Role.Solver, 10 ether);
        _lock(alice, Role.Solver, 4 ether);
        vm.prank(protocol);
        uint256 toBeneficiary = sm.slash(alice, Role.Solver, 4 ether, address(0), 5000);
        _eq(toBeneficiary, 0, "returned");
        _eq(sm.creditOf(treasury), 4 ether, "treasury");
        _solvent();
    }

    function test_slash_keepsPendingWithdrawalConsistent() public {
        _deposit(alice, Role.Solver, 10 ether);
        _lock(alice, Role.Solver, 4 ether);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Solver, 6 ether);
        vm.prank(protocol);
        sm.slash(alice, Role.Solver, 3 ether, bob, 0);
        IStakeManager.Stake memory s = sm.stakeOf(alice, Role.Solver);
        _eq(s.amount, 7 ether, "amount");
        _eq(s.locked, 1 ether, "locked");
        // 7 - 1 locked still covers the 6 pending: unbonding stake stays intact and consistent.
        _eq(s.pendingWithdrawal, 6 ether, "pending");
        _eq(sm.freeStake(alice, Role.Solver), 0, "free");
    }

    function test_slash_revertsInsufficientLocked() public {
        _deposit(alice, Role.Solver, 10 ether);
        _lock(alice, Role.Solver, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStakeManager.InsufficientLocked.selector, alice, Role.Solver, 1 ether, 2 ether
            )
        );
        vm.prank(protocol);
        sm.slash(alice, Role.Solver, 2 ether, bob, 0);
    }

    function test_slash_revertsInvalidBps() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidBps.selector, 10_001));
        vm.prank(protocol);
        sm.slash(alice, Role.Solver, 1, bob, 10_001);
    }

    function test_slash_revertsNotProtocol() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.NotProtocol.selector, stranger));
        vm.prank(stranger);
        sm.slash(alice, Role.Solver, 1, bob, 0);
    }

    function test_slash_revertsZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.ZeroAmount.selector));
        vm.prank(protocol);
        sm.slash(alice, Role.Solver, 0, bob, 0);
    }

    function test_slash_revertsRoleNone() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidRole.selector, Role.None));
        vm.prank(protocol);
        sm.slash(alice, Role.None, 1, bob, 0);
    }

    function testFuzz_slash_sharesSumToAmount(
        uint256 stake,
        uint256 locked,
        uint256 pending,
        uint256 cut,
        uint256 bps
    ) public {
        stake = _bound(stake, 1, 1000 ether);
        locked = _bound(locked, 1, stake);
        pending = _bound(pending, 0, stake - locked);
        cut = _bound(cut, 1, locked);
        bps = _bound(bps, 0, 10_000);
        _deposit(alice, Role.Solver, stake);
        _lock(alice, Role.Solver, locked);
        if (pending > 0) {
            vm.prank(alice);
            sm.requestWithdrawal(Role.Solver, pending);
        }
        vm.prank(protocol);
        uint256 toBob = sm.slash(alice, Role.Solver, cut, bob, bps);
        _eq(toBob + sm.creditOf(treasury), cut, "shares");
        _eq(toBob, cut * bps / 10_000, "winner share");
        IStakeManager.Stake memory s = sm.stakeOf(alice, Role.Solver);
        require(uint256(s.locked) + s.pendingWithdrawal <= s.amount, "accounting");
        _eq(s.amount, stake - cut, "amount");
        _eq(s.locked, locked - cut, "locked");
        _solvent();
    }

    // ---------------------------------------------------------------- credit

    function test_credit_accumulates() public {
        vm.expectEmit(true, false, false, true);
        emit IStakeManager.Credited(alice, 1 ether, 1 ether);
        vm.prank(protocol);
        sm.credit{value: 1 ether}(alice);
        _eq(sm.creditOf(alice), 1 ether, "credit");
        _eq(sm.totalCredits(), 1 ether, "total");
        _solvent();
    }

    function test_credit_zeroValueIsNoop() public {
        vm.prank(protocol);
        sm.credit{value: 0}(alice);
        _eq(sm.creditOf(alice), 0, "credit");
    }

    function test_credit_revertsNotProtocol() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.NotProtocol.selector, stranger));
        vm.prank(stranger);
        sm.credit(alice);
    }

    function test_credit_revertsZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.ZeroAddress.selector));
        vm.prank(protocol);
        sm.credit{value: 1}(address(0));
    }

    // ---------------------------------------------------------------- draw

    function test_draw_revertsTooManyExcluded() public {
        address[] memory many = new address[](9);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.TooManyExcluded.selector, 9, 8));
        sm.draw(Role.Verifier, 1, 0, 1, many);
    }

    function test_draw_neverReturnsAnyExcluded() public {
        _deposit(alice, Role.Verifier, 1 ether);
        _deposit(bob, Role.Verifier, 1 ether);
        _deposit(carol, Role.Verifier, 1 ether);
        address[] memory both = new address[](2);
        (both[0], both[1]) = (alice, carol);
        for (uint256 seed; seed < 20; ++seed) {
            address[] memory got = sm.draw(Role.Verifier, 3, 0, seed, both);
            for (uint256 i; i < got.length; ++i) {
                require(got[i] == bob, "excluded account drawn");
            }
        }
    }

    // ---------------------------------------------------------------- stake-weighted draw

    /// Regression (sybil split): draws were uniform over accounts, so 43% of referee stake split into
    /// minimum-size accounts won ~91% of one-seat committees. Now seats follow stake.
    function test_draw_splitStakeGetsItsStakeShareOfSeats() public {
        sm.setMinRegistryStake(Role.Referee, 1 ether);
        // honest: 57 ether in 4 accounts; attacker: 43 ether split into 43 minimum-size accounts
        for (uint256 i; i < 4; ++i) {
            address honest = address(uint160(0x100 + i));
            vm.deal(honest, 14.25 ether);
            _deposit(honest, Role.Referee, 14.25 ether);
        }
        for (uint256 i; i < 43; ++i) {
            address sybil = address(uint160(0x1000 + i));
            vm.deal(sybil, 1 ether);
            _deposit(sybil, Role.Referee, 1 ether);
        }
        require(sm.totalDrawWeight(Role.Referee) == 100 ether, "total weight");
        uint256 draws = 400;
        uint256 attackerSeats;
        for (uint256 seed; seed < draws; ++seed) {
            address[] memory got = sm.draw(Role.Referee, 1, 1 ether, seed, new address[](0));
            require(got.length == 1, "empty draw");
            if (uint160(got[0]) >= 0x1000) attackerSeats++;
        }
        // expected 43% (sd ~2.5% over 400 draws); uniform draws would give ~91%
        require(attackerSeats * 100 >= 33 * draws && attackerSeats * 100 <= 53 * draws, "seats not ~ stake");
    }

    function test_draw_lockedHeavyAccountIsSkipped() public {
        _deposit(alice, Role.Verifier, 9 ether);
        _deposit(bob, Role.Verifier, 1 ether);
        _lock(alice, Role.Verifier, 9 ether);
        for (uint256 seed; seed < 10; ++seed) {
            address[] memory got = sm.draw(Role.Verifier, 1, 1 ether, seed, new address[](0));
            for (uint256 i; i < got.length; ++i) {
                require(got[i] == bob, "locked account drawn");
            }
        }
    }

    function test_drawWeight_tracksDepositWithdrawalSlashAndRemoval() public {
        sm.setMinRegistryStake(Role.Referee, 1 ether);
        _deposit(alice, Role.Referee, 3 ether);
        _deposit(bob, Role.Referee, 2 ether);
        _deposit(carol, Role.Referee, 4 ether);
        _eq(sm.totalDrawWeight(Role.Referee), 9 ether, "deposits");
        vm.prank(bob);
        sm.requestWithdrawal(Role.Referee, 0.5 ether);
        _eq(sm.drawWeight(bob, Role.Referee), 1.5 ether, "pending withdrawal weighs nothing");
        _lock(carol, Role.Referee, 1 ether);
        _eq(sm.drawWeight(carol, Role.Referee), 4 ether, "a lock keeps the weight");
        vm.prank(protocol);
        sm.slash(carol, Role.Referee, 1 ether, address(0), 0);
        _eq(sm.drawWeight(carol, Role.Referee), 3 ether, "slash");
        // alice leaves: carol (last) is swapped into slot 1 with her weight
        vm.prank(alice);
        sm.requestWithdrawal(Role.Referee, 3 ether);
        _eq(sm.drawWeight(alice, Role.Referee), 0, "left");
        _eq(sm.drawWeight(carol, Role.Referee), 3 ether, "moved with its weight");
        _eq(sm.totalDrawWeight(Role.Referee), 4.5 ether, "total");
        // only bob and carol remain drawable, in proportion to 1.5 : 3
        for (uint256 seed; seed < 10; ++seed) {
            address[] memory got = sm.draw(Role.Referee, 2, 0, seed, new address[](0));
            _eq(got.length, 2, "both");
            require(got[0] != alice && got[1] != alice, "removed account drawn");
        }
        _deposit(alice, Role.Referee, 1 ether); // rejoins at the end: 2 ether staying
        _eq(sm.drawWeight(alice, Role.Referee), 1 ether, "rejoined");
        _eq(sm.totalDrawWeight(Role.Referee), 5.5 ether, "total after rejoin");
    }

    /// Item 6: pending withdrawals are not slashable (only locked stake is), as the NatSpec now says.
    function test_slash_cannotReachPendingWithdrawal() public {
        _deposit(alice, Role.Referee, 2 ether);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Referee, 2 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.InsufficientLocked.selector, alice, Role.Referee, 0, 1)
        );
        vm.prank(protocol);
        sm.slash(alice, Role.Referee, 1, address(0), 0);
    }

    // ---------------------------------------------------------------- registry membership

    function test_registry_dustBelowMinimumIsNotRegistered() public {
        sm.setMinRegistryStake(Role.Referee, 1 ether);
        _deposit(alice, Role.Referee, 0.5 ether);
        require(
            !sm.isRegistered(alice, Role.Referee) && sm.registrySize(Role.Referee) == 0, "dust registered"
        );
        _deposit(alice, Role.Referee, 0.5 ether);
        require(sm.isRegistered(alice, Role.Referee) && sm.registrySize(Role.Referee) == 1, "not registered");
    }

    function test_registry_withdrawalRequestBelowMinimumDeregisters() public {
        sm.setMinRegistryStake(Role.Verifier, 1 ether);
        _deposit(alice, Role.Verifier, 1.5 ether);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Verifier, 1 ether);
        require(!sm.isRegistered(alice, Role.Verifier), "still registered while leaving");
    }

    function test_registry_removalSwapsLastIntoPlace() public {
        sm.setMinRegistryStake(Role.Verifier, 1 ether);
        _deposit(alice, Role.Verifier, 1 ether);
        _deposit(bob, Role.Verifier, 1 ether);
        _deposit(carol, Role.Verifier, 1 ether);
        vm.prank(alice);
        sm.requestWithdrawal(Role.Verifier, 1 ether);
        require(sm.registrySize(Role.Verifier) == 2, "size");
        require(sm.registryAt(Role.Verifier, 0) == carol && sm.registryAt(Role.Verifier, 1) == bob, "order");
        // carol's position was moved: removing her next must still work.
        vm.prank(carol);
        sm.requestWithdrawal(Role.Verifier, 1 ether);
        require(sm.registrySize(Role.Verifier) == 1 && sm.registryAt(Role.Verifier, 0) == bob, "after 2nd");
        require(sm.isRegistered(bob, Role.Verifier) && !sm.isRegistered(carol, Role.Verifier), "flags");
    }

    function test_registry_slashBelowMinimumDeregisters() public {
        sm.setMinRegistryStake(Role.Referee, 1 ether);
        _deposit(alice, Role.Referee, 1 ether);
        _lock(alice, Role.Referee, 0.5 ether);
        vm.prank(protocol);
        sm.slash(alice, Role.Referee, 0.5 ether, address(0), 0);
        require(!sm.isRegistered(alice, Role.Referee), "slashed below minimum but registered");
    }

    function test_setMinRegistryStake_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.NotOwner.selector, stranger, address(this)));
        vm.prank(stranger);
        sm.setMinRegistryStake(Role.Referee, 1 ether);
    }

    function test_setMinRegistryStake_revertsRoleNone() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidRole.selector, Role.None));
        sm.setMinRegistryStake(Role.None, 1 ether);
    }

    function testFuzz_registry_holdsExactlyTheEligible(uint96[3] memory amounts, uint96 minimum) public {
        sm.setMinRegistryStake(Role.Verifier, minimum);
        address[3] memory who = [alice, bob, carol];
        uint256 eligible;
        for (uint256 i; i < 3; ++i) {
            uint256 amount = 1 + uint256(amounts[i]) % 100 ether;
            _deposit(who[i], Role.Verifier, amount);
            bool shouldBe = amount >= minimum;
            require(sm.isRegistered(who[i], Role.Verifier) == shouldBe, "membership");
            if (shouldBe) eligible++;
        }
        require(sm.registrySize(Role.Verifier) == eligible, "size");
    }

    function test_draw_returnsDistinctEligibleAccounts() public {
        _deposit(alice, Role.Verifier, 5 ether);
        _deposit(bob, Role.Verifier, 5 ether);
        _deposit(carol, Role.Verifier, 5 ether);
        address[] memory got = sm.draw(Role.Verifier, 3, 1 ether, 42, new address[](0));
        _eq(got.length, 3, "count");
        require(got[0] != got[1] && got[1] != got[2] && got[0] != got[2], "distinct");
    }

    function test_draw_skipsExcludedAndUnderstaked() public {
        _deposit(alice, Role.Verifier, 5 ether);
        _deposit(bob, Role.Verifier, 5 ether);
        _deposit(carol, Role.Verifier, 5 ether);
        _lock(carol, Role.Verifier, 4.5 ether);
        for (uint256 seed; seed < 20; ++seed) {
            address[] memory got = sm.draw(Role.Verifier, 3, 1 ether, seed, _one(alice));
            for (uint256 i; i < got.length; ++i) {
                require(got[i] == bob, "only bob is eligible");
            }
        }
    }

    function test_draw_emptyRegistryReturnsNone() public view {
        _eq(sm.draw(Role.Referee, 5, 0, 1, new address[](0)).length, 0, "none");
    }

    function test_draw_capsCountAtRegistrySize() public {
        _deposit(alice, Role.Verifier, 5 ether);
        address[] memory got = sm.draw(Role.Verifier, type(uint256).max, 1, 7, new address[](0));
        _eq(got.length, 1, "capped");
        require(got[0] == alice, "alice");
    }

    function test_draw_revertsRoleNone() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.InvalidRole.selector, Role.None));
        sm.draw(Role.None, 1, 0, 1, new address[](0));
    }

    function testFuzz_draw_isBoundedAndValid(uint256 seed, uint8 count) public {
        address[5] memory all = [alice, bob, carol, stranger, protocol];
        for (uint256 i; i < all.length; ++i) {
            vm.deal(all[i], 10 ether);
            _deposit(all[i], Role.Verifier, 1 ether + i);
        }
        address[] memory got = sm.draw(Role.Verifier, count, 1 ether + 1, seed, _one(bob));
        require(got.length <= count && got.length <= 4, "bounded");
        for (uint256 i; i < got.length; ++i) {
            require(got[i] != bob && got[i] != alice, "eligible");
            for (uint256 j; j < i; ++j) {
                require(got[i] != got[j], "distinct");
            }
        }
    }

    // ---------------------------------------------------------------- owner

    function test_setProtocolContract_togglesAccess() public {
        vm.expectEmit(true, false, false, true);
        emit IStakeManager.ProtocolContractSet(stranger, true);
        sm.setProtocolContract(stranger, true);
        require(sm.isProtocol(stranger), "set");
        sm.setProtocolContract(stranger, false);
        require(!sm.isProtocol(stranger), "unset");
    }

    function test_setProtocolContract_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.NotOwner.selector, stranger, address(this)));
        vm.prank(stranger);
        sm.setProtocolContract(stranger, true);
    }

    function test_setProtocolContract_revertsZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.ZeroAddress.selector));
        sm.setProtocolContract(address(0), true);
    }

    function test_setUnbondingDelay_updates() public {
        vm.expectEmit(false, false, false, true);
        emit IStakeManager.UnbondingDelaySet(1 days);
        sm.setUnbondingDelay(1 days);
        _eq(sm.unbondingDelay(), 1 days, "delay");
    }

    function test_setUnbondingDelay_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.NotOwner.selector, stranger, address(this)));
        vm.prank(stranger);
        sm.setUnbondingDelay(1 days);
    }

    function testFuzz_setUnbondingDelay_rejectsOutOfRange(uint256 delay) public {
        if (delay == 0 || delay > 365 days) {
            vm.expectRevert(
                abi.encodeWithSelector(IStakeManager.InvalidParameter.selector, "unbondingDelay", delay)
            );
        }
        sm.setUnbondingDelay(delay);
    }
}
