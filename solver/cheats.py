"""A consistent wrong trace: the one cheat hook, for the demo and the whistleblower's honeypots.

`cheat_hooks(step, op)` makes a SolverAgent commit h_step..h_T wrong and, in step `step`'s op trace
r_0..r_N, the records r_op..r_N wrong: a consistent cheater's trace (r_N is the same wrong h_step in
both), so bisection isolates (step, op) and a replaying referee rules against the solver.
`assay solver run --cheat-from STEP:OP` uses it; a honeypot errs at the end state (op = N, the one
location a forced-error reveal accepts: `services.whistleblower.honeypot_solver`).
"""

from __future__ import annotations

from eth_hash.auto import keccak

from assay.agents.work import OpsHook, StepsHook, Trace
from assay.protocol.types import OpIndex, StateHash, StepIndex

DEMO_SALT = b"assay-demo-cheat"


def cheat_hooks(
    step: StepIndex | int, op: OpIndex | int, *, salt: bytes = DEMO_SALT
) -> tuple[StepsHook, OpsHook]:
    """Hooks committing h_step.. wrong and, in step `step`'s op trace, r_op.. wrong.

    An `op` beyond the step's operators is clamped to the last record r_N (the end state).
    `salt` only tells whose wrong hashes these are (they differ, nothing else does).
    """

    def bad(h: StateHash) -> StateHash:
        return StateHash(keccak(salt + bytes(h)))

    def steps(trace: Trace) -> Trace:
        return tuple(h if i < step else bad(h) for i, h in enumerate(trace))

    def ops(s: int, trace: Trace) -> Trace:
        if s != step:
            return trace
        j = min(op, len(trace) - 1)
        return tuple(h if i < j else bad(h) for i, h in enumerate(trace))

    return steps, ops
