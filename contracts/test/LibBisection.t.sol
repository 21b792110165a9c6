// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {vm} from "./utils/Vm.sol";
import {LibBisection} from "../src/libraries/LibBisection.sol";
import {LibClock} from "../src/libraries/LibClock.sol";

contract BisectionHarness {
    function openingCount(uint256 lo, uint256 hi, uint256 k) external pure returns (uint256) {
        return LibBisection.openingCount(lo, hi, k);
    }

    function ceilLog(uint256 n, uint256 k) external pure returns (uint256) {
        return LibBisection.ceilLog(n, k);
    }
}

contract LibBisectionTest {
    BisectionHarness internal h = new BisectionHarness();

    function test_openingCount_examples() public pure {
        require(LibBisection.openingCount(0, 1024, 2) == 1, "k2");
        require(LibBisection.openingCount(0, 1024, 8) == 7, "k8");
        require(LibBisection.openingCount(5, 8, 8) == 2, "small");
        require(LibBisection.openingCount(5, 6, 8) == 0, "unit");
    }

    function test_positions_examples() public pure {
        uint32[] memory ps = LibBisection.positions(0, 1024, 2);
        require(ps.length == 1 && ps[0] == 512, "mid");
        ps = LibBisection.positions(0, 10, 4);
        require(ps.length == 3 && ps[0] == 2 && ps[1] == 5 && ps[2] == 7, "k4");
        require(LibBisection.position(0, 10, 4, 2) == 5, "position");
    }

    function test_ceilLog_examples() public pure {
        require(LibBisection.ceilLog(0, 2) == 0 && LibBisection.ceilLog(1, 2) == 0, "trivial");
        require(LibBisection.ceilLog(1024, 2) == 10 && LibBisection.ceilLog(1025, 2) == 11, "k2");
        require(LibBisection.ceilLog(4096, 8) == 4 && LibBisection.ceilLog(4097, 8) == 5, "k8");
        require(LibBisection.ceilLog(type(uint256).max, 2) == 256, "max");
        require(LibBisection.ceilLog(type(uint256).max, 3) == 162, "max3");
    }

    function test_openingCount_arityBelowTwo_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(LibBisection.InvalidArity.selector, 1));
        h.openingCount(0, 10, 1);
        vm.expectRevert(abi.encodeWithSelector(LibBisection.InvalidArity.selector, 0));
        h.ceilLog(10, 0);
    }

    function test_openingCount_emptyInterval_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(LibBisection.EmptyInterval.selector, 7, 7));
        h.openingCount(7, 7, 2);
    }

    function testFuzz_positions_strictlyIncreasingInside(uint32 lo, uint32 len, uint8 k) public pure {
        k = uint8(2 + (k % 15));
        len = uint32(2 + (len % 100_000));
        lo = uint32(lo % (type(uint32).max - len));
        uint256 hi = uint256(lo) + len;
        uint32[] memory ps = LibBisection.positions(lo, hi, k);
        uint256 m = len - 1 < k - 1 ? len - 1 : k - 1;
        require(ps.length == m, "count");
        uint256 prev = lo;
        for (uint256 i; i < ps.length; ++i) {
            require(ps[i] > prev, "increasing");
            prev = ps[i];
        }
        require(prev < hi, "inside");
    }

    /// Narrowing toward any target unit (t-1, t) takes at most ceilLog(len, k) rounds.
    function testFuzz_rounds_isolateWithinCeilLog(uint32 len, uint32 target, uint8 k) public pure {
        k = uint8(2 + (k % 15));
        len = uint32(1 + (len % 1_000_000));
        target = uint32(1 + (target % len));
        uint256 lo;
        uint256 hi = len;
        uint256 rounds;
        while (hi - lo > 1) {
            uint256 m = LibBisection.openingCount(lo, hi, k);
            // the challenger picks the sub-interval that contains the target unit
            for (uint256 i; i <= m; ++i) {
                uint256 a = LibBisection.positionOf(lo, hi, m, i);
                uint256 b = LibBisection.positionOf(lo, hi, m, i + 1);
                if (a < target && target <= b) {
                    (lo, hi) = (a, b);
                    break;
                }
            }
            ++rounds;
        }
        require(hi == target, "isolated");
        require(rounds <= LibBisection.ceilLog(len, k), "bound");
    }

    function testFuzz_ceilLog_isSmallestPower(uint32 n, uint8 k) public pure {
        k = uint8(2 + (k % 15));
        uint256 r = LibBisection.ceilLog(n, k);
        require(uint256(k) ** r >= n, "covers");
        if (r > 0) require(uint256(k) ** (r - 1) < n, "smallest");
    }

    function testFuzz_clock_chargeAndTopUp(uint40 left, uint40 since, uint32 elapsed, uint40 minExt)
        public
        pure
    {
        uint256 rem = LibClock.remaining(left, since, uint256(since) + elapsed);
        require(rem == (left > elapsed ? left - elapsed : 0), "remaining");
        require(LibClock.remaining(left, since, since > 0 ? since - 1 : 0) == left, "before since");
        uint256 topped = LibClock.topUp(rem, minExt);
        require(topped >= minExt && topped >= rem && (topped == rem || topped == minExt), "topUp");
    }
}
