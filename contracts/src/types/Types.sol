// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @dev Job identifier, assigned sequentially by JobMarket starting at 1 (0 is never a job).
type JobId is uint256;

/// @dev Dispute game identifier, assigned sequentially by DisputeGame starting at 1.
type GameId is uint256;

/// @dev Adjudication request identifier, assigned by an IOpAdjudicator starting at 1.
type RequestId is uint256;

/// @dev A training-state (or operator-record) commitment: a leaf value of a trace tree.
type StateHash is bytes32;

using {eqState as ==, neState as !=} for StateHash global;
using {eqJob as ==} for JobId global;
using {eqGame as ==} for GameId global;

function eqState(StateHash a, StateHash b) pure returns (bool) {
    return StateHash.unwrap(a) == StateHash.unwrap(b);
}

function neState(StateHash a, StateHash b) pure returns (bool) {
    return StateHash.unwrap(a) != StateHash.unwrap(b);
}

function eqJob(JobId a, JobId b) pure returns (bool) {
    return JobId.unwrap(a) == JobId.unwrap(b);
}

function eqGame(GameId a, GameId b) pure returns (bool) {
    return GameId.unwrap(a) == GameId.unwrap(b);
}

/// @dev Staking roles. 0 is never a valid role.
enum Role {
    None,
    Solver,
    Verifier,
    Referee,
    Whistleblower
}

/// @dev Job lifecycle. 0 is never a valid state.
/// Open -> Claimed -> Submitted -> Finalized
///                              \-> Failed (a challenger won a dispute)
/// Open -> Cancelled (submitter) | Expired (nobody claimed in time)
/// Claimed -> Failed (solver missed its deadline)
enum JobStatus {
    None,
    Open,
    Claimed,
    Submitted,
    Finalized,
    Failed,
    Cancelled,
    Expired
}

/// @dev Dispute game state. 0 is never a valid state.
enum GameStatus {
    None,
    StepBisection, // phase 1: bisecting over training steps h_0..h_T
    AwaitingOpTrace, // phase 1 done: solver must commit the op trace of the disputed step
    OpBisection, // phase 2: bisecting over the op records of the disputed step
    Adjudicating, // phase 3: the adjudicator recomputes one operator
    ChallengerWon,
    SolverWon
}

/// @dev Whose move it is inside a game.
enum Party {
    None,
    Solver,
    Challenger
}
