// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {LibSumTree} from "../src/libraries/LibSumTree.sol";

contract SumTreeHarness {
    using LibSumTree for LibSumTree.Tree;

    LibSumTree.Tree internal t;

    function set(uint256 slot, uint256 w) external {
        t.set(slot, w);
    }

    function find(uint256 r) external view returns (uint256) {
        return t.find(r);
    }

    function prefix(uint256 slot) external view returns (uint256) {
        return t.prefix(slot);
    }

    function total() external view returns (uint256) {
        return t.total;
    }

    function size() external view returns (uint256) {
        return t.size;
    }
}

contract LibSumTreeTest {
    SumTreeHarness internal h;

    function setUp() public {
        h = new SumTreeHarness();
    }

    function test_prefixAndFind_smallTree() public {
        uint256[5] memory w = [uint256(3), 0, 5, 1, 7];
        for (uint256 i; i < 5; ++i) {
            h.set(i + 1, w[i]);
        }
        require(h.total() == 16 && h.size() == 5, "total");
        require(h.prefix(1) == 3 && h.prefix(3) == 8 && h.prefix(5) == 16, "prefix");
        // r in [0,3) -> 1, [3,8) -> 3 (slot 2 weighs 0), [8,9) -> 4, [9,16) -> 5
        require(h.find(0) == 1 && h.find(2) == 1, "slot 1");
        require(h.find(3) == 3 && h.find(7) == 3, "slot 3");
        require(h.find(8) == 4 && h.find(9) == 5 && h.find(15) == 5, "slots 4, 5");
        h.set(3, 0);
        require(h.total() == 11 && h.find(3) == 4, "after zeroing slot 3");
    }

    function test_set_onlyNextSlotGrows() public {
        vm_expectRevert();
        h.set(2, 1);
    }

    function test_find_outOfRange_reverts() public {
        h.set(1, 4);
        vm_expectRevert();
        h.find(4);
    }

    /// The tree agrees with a plain array under any sequence of sets (growing, raising, lowering).
    function testFuzz_matchesNaive(uint256[24] memory ops) public {
        uint256[33] memory naive;
        uint256 size;
        for (uint256 k; k < ops.length; ++k) {
            uint256 slot = 1 + (ops[k] % (size + 1));
            if (slot > 32) slot = 32;
            if (slot > size + 1) slot = size + 1;
            uint256 w = (ops[k] >> 8) % 1000;
            h.set(slot, w);
            naive[slot] = w;
            if (slot > size) size = slot;
        }
        uint256 sum;
        for (uint256 i = 1; i <= size; ++i) {
            sum += naive[i];
            require(h.prefix(i) == sum, "prefix");
        }
        require(h.total() == sum, "total");
        if (sum == 0) return;
        // every r maps to the slot whose cumulative range holds it
        for (uint256 r; r < sum; r += 1 + sum / 50) {
            uint256 slot = h.find(r);
            require(naive[slot] > 0, "zero-weight slot found");
            require(h.prefix(slot - 1) <= r && r < h.prefix(slot), "range");
        }
    }

    function vm_expectRevert() internal {
        Vm(address(uint160(uint256(keccak256("hevm cheat code"))))).expectRevert();
    }
}

interface Vm {
    function expectRevert() external;
}
