// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {LibClock} from "../src/libraries/LibClock.sol";

contract LibClockTest {
    uint256 internal constant MAX = type(uint256).max;

    // ------------------------------------------------------------------------------------------ remaining

    function test_remaining_burnsElapsedTime() public pure {
        require(LibClock.remaining(100, 50, 100) == 50, "50 of 100 burnt");
        require(LibClock.remaining(100, 1, 100) == 1, "one second left");
        require(LibClock.remaining(100, 10, 10) == 100, "no time elapsed");
    }

    function test_remaining_saturatesAtZero() public pure {
        require(LibClock.remaining(100, 0, 100) == 0, "exactly out");
        require(LibClock.remaining(99, 0, 100) == 0, "one past");
        require(LibClock.remaining(100, 10, 10_000) == 0, "long past");
        require(LibClock.remaining(0, 10, 10) == 0, "empty clock");
        require(LibClock.remaining(0, 10, 11) == 0, "empty clock, time passing");
    }

    function test_remaining_sinceAfterNow_returnsLeft() public pure {
        require(LibClock.remaining(100, 50, 10) == 100, "before");
        require(LibClock.remaining(100, 50, 0) == 100, "at zero");
        require(LibClock.remaining(0, 50, 0) == 0, "empty clock");
    }

    function test_remaining_boundaryValues() public pure {
        require(LibClock.remaining(MAX, 0, MAX) == 0, "max elapsed on a max clock");
        require(LibClock.remaining(MAX, 0, MAX - 1) == 1, "one second left on a max clock");
        require(LibClock.remaining(MAX, 1, MAX) == 1, "since 1");
        require(LibClock.remaining(0, 0, MAX) == 0, "empty clock, max elapsed");
        require(LibClock.remaining(1, 0, MAX) == 0, "one second, max elapsed");
        require(LibClock.remaining(MAX, MAX, 0) == MAX, "since max, now 0");
        require(LibClock.remaining(MAX, MAX, MAX) == MAX, "since max, now max");
        require(LibClock.remaining(5, MAX, MAX) == 5, "nothing elapsed at max");
        require(LibClock.remaining(MAX, 0, 0) == MAX, "nothing elapsed at 0");
    }

    // ------------------------------------------------------------------------------------------ topUp

    function test_topUp_raisesToMinimum() public pure {
        require(LibClock.topUp(10, 50) == 50, "raised");
        require(LibClock.topUp(0, 50) == 50, "empty clock raised");
        require(LibClock.topUp(99, 100) == 100, "one short");
    }

    function test_topUp_keepsClockAtOrAboveMinimum() public pure {
        require(LibClock.topUp(100, 100) == 100, "at the minimum");
        require(LibClock.topUp(100, 99) == 100, "one above");
        require(LibClock.topUp(1000, 50) == 1000, "well above");
        require(LibClock.topUp(7, 0) == 7, "no minimum");
        require(LibClock.topUp(0, 0) == 0, "empty clock, no minimum");
    }

    function test_topUp_boundaryValues() public pure {
        require(LibClock.topUp(0, MAX) == MAX, "empty clock to max");
        require(LibClock.topUp(MAX - 1, MAX) == MAX, "one short of max");
        require(LibClock.topUp(MAX, MAX) == MAX, "max at max");
        require(LibClock.topUp(MAX, 0) == MAX, "max, no minimum");
        require(LibClock.topUp(MAX, 1) == MAX, "max above a minimum");
    }

    // ------------------------------------------------------------------------------------------ fuzz

    function testFuzz_remaining_neverExceedsLeft(uint256 left, uint256 since, uint256 nowTs) public pure {
        require(LibClock.remaining(left, since, nowTs) <= left, "exceeds left");
    }

    /// The closed form: left minus the time since `since`, floored at 0; nothing burns before `since`.
    function testFuzz_remaining_matchesReference(uint256 left, uint256 since, uint256 nowTs) public pure {
        uint256 expected;
        if (nowTs <= since) expected = left;
        else if (nowTs - since >= left) expected = 0;
        else expected = left - (nowTs - since);
        require(LibClock.remaining(left, since, nowTs) == expected, "reference");
    }

    function testFuzz_remaining_saturatesAtZero(uint128 left, uint64 since, uint128 extra) public pure {
        uint256 nowTs = uint256(since) + left + extra;
        require(LibClock.remaining(left, since, nowTs) == 0, "not saturated");
    }

    function testFuzz_remaining_sinceAfterNow_returnsLeft(uint256 left, uint256 since, uint256 nowTs)
        public
        pure
    {
        if (nowTs > since) (since, nowTs) = (nowTs, since);
        require(LibClock.remaining(left, since, nowTs) == left, "burnt before since");
    }

    /// A clock only runs down: a later reading never shows more time.
    function testFuzz_remaining_nonIncreasingInTime(uint256 left, uint256 since, uint256 t1, uint256 t2)
        public
        pure
    {
        if (t1 > t2) (t1, t2) = (t2, t1);
        require(LibClock.remaining(left, since, t1) >= LibClock.remaining(left, since, t2), "ran up");
    }

    function testFuzz_topUp_equalsMax(uint256 left, uint256 minExtension) public pure {
        uint256 expected = left > minExtension ? left : minExtension;
        require(LibClock.topUp(left, minExtension) == expected, "max");
    }

    function testFuzz_topUp_neverLowers(uint256 left, uint256 minExtension) public pure {
        uint256 topped = LibClock.topUp(left, minExtension);
        require(topped >= left, "lowered the clock");
        require(topped >= minExtension, "below the minimum");
        require(topped == left || topped == minExtension, "invented a value");
    }

    function testFuzz_topUp_idempotent(uint256 left, uint256 minExtension) public pure {
        uint256 topped = LibClock.topUp(left, minExtension);
        require(LibClock.topUp(topped, minExtension) == topped, "not idempotent");
    }
}
