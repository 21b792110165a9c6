// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title LibBisection
/// @notice The k-ary bisection arithmetic of the dispute game (IDisputeGame NatSpec).
/// For an interval (lo, hi) with hi - lo >= 2 the solver opens m = min(k-1, hi-lo-1) interior points
/// p_i = lo + i*(hi-lo)/(m+1), i = 1..m (integer division). Because m+1 <= hi-lo, consecutive points
/// differ by at least 1, so the points are strictly increasing inside (lo, hi), and every sub-interval
/// has length <= ceil((hi-lo)/k) (or exactly 1 when hi-lo <= k): the game isolates one unit in at most
/// ceilLog(hi-lo, k) rounds.
library LibBisection {
    error InvalidArity(uint256 k);
    error EmptyInterval(uint256 lo, uint256 hi);

    /// @notice m = min(k-1, hi-lo-1): the number of points opened in one round (0 when hi-lo <= 1).
    function openingCount(uint256 lo, uint256 hi, uint256 k) internal pure returns (uint256) {
        // INVARIANT: a 1-ary "bisection" would never narrow the interval.
        if (k < 2) revert InvalidArity(k);
        // INVARIANT: the interval is never empty or inverted.
        if (hi <= lo) revert EmptyInterval(lo, hi);
        unchecked {
            uint256 gaps = hi - lo - 1;
            return gaps < k - 1 ? gaps : k - 1;
        }
    }

    /// @notice p_i for i in [0, m+1] (p_0 = lo, p_{m+1} = hi); `m` from `openingCount`.
    function positionOf(uint256 lo, uint256 hi, uint256 m, uint256 i) internal pure returns (uint256) {
        // No overflow: i <= m+1 <= hi-lo < 2^32 for the game's uint32 positions, and callers outside the
        // game get the checked arithmetic of 0.8.
        return lo + (i * (hi - lo)) / (m + 1);
    }

    /// @notice p_i of the round on (lo, hi) with arity k.
    function position(uint256 lo, uint256 hi, uint256 k, uint256 i) internal pure returns (uint256) {
        return positionOf(lo, hi, openingCount(lo, hi, k), i);
    }

    /// @notice p_1..p_m of the round on (lo, hi) with arity k.
    function positions(uint256 lo, uint256 hi, uint256 k) internal pure returns (uint32[] memory ps) {
        uint256 m = openingCount(lo, hi, k);
        ps = new uint32[](m);
        for (uint256 i; i < m; ++i) {
            ps[i] = uint32(positionOf(lo, hi, m, i + 1));
        }
    }

    /// @notice ceil(log_k n): the smallest r with k^r >= n (0 for n <= 1). Bounds the rounds needed to
    /// isolate one unit of an interval of length n.
    function ceilLog(uint256 n, uint256 k) internal pure returns (uint256 r) {
        // INVARIANT: see openingCount.
        if (k < 2) revert InvalidArity(k);
        uint256 p = 1;
        while (p < n) {
            // p < n <= 2^256-1 and k >= 2: stop before p*k could overflow by comparing against n/k.
            if (p > n / k) return r + 1;
            p *= k;
            ++r;
        }
    }
}
