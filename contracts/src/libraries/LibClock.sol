// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title LibClock
/// @notice Chess-clock arithmetic. A clock is "seconds left as of the last move"; the party to move
/// burns time from then on, the other party's clock is frozen.
library LibClock {
    /// @notice Seconds left on a clock holding `left` as of `since`, at `nowTs` (saturates at 0).
    function remaining(uint256 left, uint256 since, uint256 nowTs) internal pure returns (uint256) {
        uint256 elapsed = nowTs > since ? nowTs - since : 0;
        return left > elapsed ? left - elapsed : 0;
    }

    /// @notice `left` raised to at least `minExtension` (the opponent's top-up after every move).
    function topUp(uint256 left, uint256 minExtension) internal pure returns (uint256) {
        return left < minExtension ? minExtension : left;
    }
}
