// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title LibSumTree
/// @notice A Fenwick (binary indexed) tree of non-negative weights over slots 1..size, for
/// weight-proportional sampling: `set` and `find` are O(log size), with no loop over the slots.
/// `size` only grows (a slot that is emptied keeps weight 0), so a node never has to be rebuilt.
library LibSumTree {
    struct Tree {
        uint256 size; // slots 1..size exist; slots above hold weight 0
        uint256 total; // sum of every slot's weight
        mapping(uint256 slot => uint256) weight; // each slot's own weight
        mapping(uint256 node => uint256) node; // node i: sum of slots (i - lowbit(i), i]
    }

    /// @notice Set `slot`'s weight to `w`, growing the tree to `slot` first if it is the next slot.
    /// @dev Slots are added one at a time (a registry appends at length + 1 <= size + 1).
    function set(Tree storage t, uint256 slot, uint256 w) internal {
        require(slot != 0 && slot <= t.size + 1, "LibSumTree: slot");
        if (slot == t.size + 1) _grow(t);
        uint256 old = t.weight[slot];
        if (old == w) return;
        t.weight[slot] = w;
        uint256 size = t.size;
        if (w > old) {
            uint256 delta = w - old;
            t.total += delta;
            for (uint256 i = slot; i <= size; i += i & (~i + 1)) {
                t.node[i] += delta;
            }
        } else {
            uint256 delta = old - w;
            t.total -= delta;
            for (uint256 i = slot; i <= size; i += i & (~i + 1)) {
                t.node[i] -= delta;
            }
        }
    }

    /// @notice Sum of the weights of slots 1..slot.
    function prefix(Tree storage t, uint256 slot) internal view returns (uint256 sum) {
        for (uint256 i = slot; i != 0; i -= i & (~i + 1)) {
            sum += t.node[i];
        }
    }

    /// @notice The slot whose cumulative range contains `r`: the smallest `slot` with
    /// `prefix(slot) > r`. Requires `r < total`; a slot of weight 0 is never returned.
    function find(Tree storage t, uint256 r) internal view returns (uint256 slot) {
        require(r < t.total, "LibSumTree: r");
        uint256 size = t.size;
        uint256 step = 1;
        while (step <= size >> 1) {
            step <<= 1;
        }
        // Standard Fenwick descent: at most log2(size) + 1 iterations.
        for (; step != 0; step >>= 1) {
            uint256 next = slot + step;
            if (next <= size && t.node[next] <= r) {
                slot = next;
                r -= t.node[next];
            }
        }
        return slot + 1;
    }

    /// @dev Add slot size + 1 with weight 0: its node sums the existing slots it covers.
    function _grow(Tree storage t) private {
        uint256 slot = t.size + 1;
        uint256 low = slot & (~slot + 1);
        // node[slot] = sum of slots (slot - low, slot]; slot itself has weight 0 for now.
        t.node[slot] = prefix(t, slot - 1) - prefix(t, slot - low);
        t.size = slot;
    }
}
