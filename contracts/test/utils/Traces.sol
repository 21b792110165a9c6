// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {StateHash} from "../../src/types/Types.sol";

/// @notice Deterministic toy traces for tests: an honest run, and a dishonest one that diverges from
/// step `s` (and, inside step s, from operator `j`). Everything is derived from a `key`, so a test can
/// rebuild any value, root or proof without storing trees.
library Traces {
    /// @dev h_i of the honest run (h_0 is the job's initial state).
    function honest(bytes32 key, uint256 i) internal pure returns (StateHash) {
        return StateHash.wrap(keccak256(abi.encode(key, "h", i)));
    }

    /// @dev h'_i of a run that is honest before step `s` and wrong from `s` on.
    function dishonest(bytes32 key, uint256 s, uint256 i) internal pure returns (StateHash) {
        return i < s ? honest(key, i) : StateHash.wrap(keccak256(abi.encode(key, "bad", i)));
    }

    /// @dev Like `dishonest`, but with `prefix` != 0 the wrong h'_s is the honest chained record after
    /// `prefix` of the step's `nOps` records: the "honest prefix" cheat, whose only lie is where r_N is.
    function dishonest(bytes32 key, uint256 s, uint256 i, uint256 nOps, uint256 prefix)
        internal
        pure
        returns (StateHash)
    {
        if (prefix != 0 && i == s) return honestOp(key, s, nOps, prefix);
        return dishonest(key, s, i);
    }

    function stepTrace(bytes32 key, uint256 steps, bool cheat, uint256 s)
        internal
        pure
        returns (bytes32[] memory v)
    {
        return stepTrace(key, steps, cheat, s, 0, 0);
    }

    function stepTrace(bytes32 key, uint256 steps, bool cheat, uint256 s, uint256 nOps, uint256 prefix)
        internal
        pure
        returns (bytes32[] memory v)
    {
        v = new bytes32[](steps + 1);
        for (uint256 i; i <= steps; ++i) {
            v[i] = StateHash.unwrap(cheat ? dishonest(key, s, i, nOps, prefix) : honest(key, i));
        }
    }

    /// @dev Op records r_0..r_N of step `step` for the honest run: bound to h_{step-1} and h_step.
    function honestOp(bytes32 key, uint256 step, uint256 nOps, uint256 j) internal pure returns (StateHash) {
        if (j == 0) return honest(key, step - 1);
        if (j == nOps) return honest(key, step);
        return StateHash.wrap(keccak256(abi.encode(key, "op", step, j)));
    }

    /// @dev Op records of a cheater whose step `step` starts honest and ends at its wrong h'_step;
    /// its ops agree with the honest ones before `jBad` and differ from `jBad` on.
    function dishonestOp(bytes32 key, uint256 s, uint256 step, uint256 nOps, uint256 jBad, uint256 j)
        internal
        pure
        returns (StateHash)
    {
        return dishonestOp(key, s, step, nOps, jBad, j, 0);
    }

    /// @dev `prefix` as in `dishonest`: the cheater's records of step s are then honest but its r_N.
    function dishonestOp(
        bytes32 key,
        uint256 s,
        uint256 step,
        uint256 nOps,
        uint256 jBad,
        uint256 j,
        uint256 prefix
    ) internal pure returns (StateHash) {
        if (j == 0) return dishonest(key, s, step - 1, nOps, prefix);
        if (j == nOps) return dishonest(key, s, step, nOps, prefix);
        if (prefix != 0 && step == s) return honestOp(key, step, nOps, j);
        if (j < jBad) return honestOp(key, step, nOps, j);
        return StateHash.wrap(keccak256(abi.encode(key, "badop", step, j)));
    }

    function opTrace(bytes32 key, uint256 step, uint256 nOps, bool cheat, uint256 s, uint256 jBad)
        internal
        pure
        returns (bytes32[] memory v)
    {
        return opTrace(key, step, nOps, cheat, s, jBad, 0);
    }

    function opTrace(
        bytes32 key,
        uint256 step,
        uint256 nOps,
        bool cheat,
        uint256 s,
        uint256 jBad,
        uint256 prefix
    ) internal pure returns (bytes32[] memory v) {
        v = new bytes32[](nOps + 1);
        for (uint256 j; j <= nOps; ++j) {
            v[j] = StateHash.unwrap(
                cheat ? dishonestOp(key, s, step, nOps, jBad, j, prefix) : honestOp(key, step, nOps, j)
            );
        }
    }

    /// @dev What a cheater who may choose its op count commits for step `step`: `n` leaves after r_0,
    /// the first min(n, nOps) - 1 records honest, then filler, and its claimed h'_step last. With
    /// n == prefix this is the truncated honest prefix; with n > nOps it is padded.
    function chosenOpTrace(bytes32 key, uint256 s, uint256 step, uint256 nOps, uint256 prefix, uint256 n)
        internal
        pure
        returns (bytes32[] memory v)
    {
        v = new bytes32[](n + 1);
        for (uint256 j; j < n; ++j) {
            v[j] = j < nOps
                ? StateHash.unwrap(honestOp(key, step, nOps, j))
                : keccak256(abi.encode(key, "pad", j));
        }
        v[0] = StateHash.unwrap(dishonest(key, s, step - 1, nOps, prefix));
        v[n] = StateHash.unwrap(dishonest(key, s, step, nOps, prefix));
    }
}
