"""The solver's pure decision: one job, its games, local work state and `now` -> actions.

No I/O and no clock of its own: the same view and the same local state give the same actions,
so a restarted agent decides exactly what the killed one would have. "policy" below includes the
price floor (`price_ok`: --min-budget, --min-price per estimated GFLOP), which the agent checks
with the spec's estimate. The table (docs/agents.md):

| job status | condition                                                  | action          |
|------------|------------------------------------------------------------|-----------------|
| Open       | now <= claim deadline, free stake >= solverStake, policy   | ClaimJob        |
| Claimed    | mine, now <= solve deadline, no training yet               | StartTraining   |
| Claimed    | mine, now <  solve deadline, trained, h_0 matches          | SubmitResult    |
| Submitted  | each game of mine: my turn, my clock running               | Open / CommitOpTrace |
| Submitted  | each game of mine: challenger's flag fell                  | Timeout         |
| Submitted  | each game of mine: adjudication awaits its committee draw  | DrawCommittee      |
| Submitted  | each game of mine: adjudication resolvable                 | ResolveAdjudication |
| Submitted  | mine, no verifier drawn yet (drawn after submission)       | DrawVerifiers   |
| Submitted  | no game open, now > challenge deadline, every seat filled  | Finalize        |
| Submitted  | no game open, now > challenge deadline, a seat empty       | DrawVerifiers   |
| Submitted  | same, a claim window later still                           | ExpireUnverified |
| Finalized  | verifiers not released, now > reveal deadline              | ReleaseVerifiers |
| Failed     | solver not settled, no game open, now > reveal deadline    | SettleFailure   |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from assay.agents import player
from assay.agents.actions import (
    Action,
    ClaimJob,
    DrawVerifiers,
    ExpireUnverified,
    Finalize,
    ReleaseVerifiers,
    SettleFailure,
    StartOpTrace,
    StartTraining,
    SubmitResult,
    Timeout,
    WorkState,
    adjudication_upkeep,
)
from assay.agents.views import GameView, JobView
from assay.protocol.merkle import MerkleTree
from assay.protocol.types import GameStatus, JobStatus, Party, StateHash, StepIndex

Policy = Callable[[JobView], bool]

DEFAULT_MIN_BUDGET = 10**15
"""0.001 ETH: below it a job is not worth a claim (and a 1-wei job is never claimed)."""
GFLOP = 10**9


@dataclass(frozen=True)
class Pricing:
    """The least a solver takes: a budget floor and a price per estimated GFLOP (wei)."""

    min_budget: int = DEFAULT_MIN_BUDGET
    min_wei_per_gflop: int = 0


def eth(wei: int) -> str:
    """`0.001 ETH`: an amount in a log line, exact."""
    text = format(Decimal(wei).scaleb(-18), "f")
    return (text.rstrip("0").rstrip(".") if "." in text else text) + " ETH"


def price_ok(budget: int, total_flops: int, pricing: Pricing) -> tuple[bool, str]:
    """Whether a job's escrowed budget pays enough for its estimated FLOPs, and why not."""
    if budget < pricing.min_budget:
        return False, f"budget {eth(budget)} is below the minimum budget {eth(pricing.min_budget)}"
    asked = -(-total_flops * pricing.min_wei_per_gflop // GFLOP)  # ceiling: never undercharge
    if budget < asked:
        return False, (
            f"budget {eth(budget)} is below {eth(asked)}: the minimum price "
            f"{eth(pricing.min_wei_per_gflop)}/GFLOP times {total_flops:.3g} estimated FLOPs"
        )
    return True, ""


def stake_short(stake_free: int, needed: int) -> str | None:
    """Why a solver with `stake_free` cannot claim a job that locks `needed`, or None."""
    if stake_free >= needed:
        return None
    return (
        f"free solver stake {eth(stake_free)} is below the {eth(needed)} a claim locks; "
        f"stake {eth(needed - stake_free)} more with `assay stake add AMOUNT --role solver`"
    )


def accept_all(job: JobView) -> bool:
    """The default policy: every job is worth claiming."""
    return True


@dataclass(frozen=True)
class SolverLocal:
    """What the solver knows off-chain about one job.

    Attributes:
        stake_free: the solver's free Solver stake (wei), read this tick.
        policy: whether to claim this job (spec known and within local limits); must be pure.
        training: state of the training run of this job.
        steps: h_0..h_T once training is done.
        op_traces: r_0..r_N of each step whose op trace was computed.
        op_pending: steps whose op trace is being computed.
        artifact_uri: where the trained model is published.
        sealed_tag: the sealed tag to submit (random for an ordinary job).
    """

    stake_free: int = 0
    policy: Policy = accept_all
    training: WorkState = WorkState.NONE
    steps: tuple[StateHash, ...] = ()
    op_traces: Mapping[StepIndex, tuple[StateHash, ...]] = field(default_factory=dict)
    op_pending: frozenset[StepIndex] = frozenset()
    artifact_uri: str = ""
    sealed_tag: bytes = b"\x01" * 32

    def traces(self) -> player.Traces:
        """The traces assay.agents.player answers from."""
        return player.Traces(self.steps, lambda s: self.op_traces[s])


def same(a: str, b: str) -> bool:
    """Address equality, case-insensitive."""
    return a.lower() == b.lower()


def decide(
    job: JobView, games: Sequence[GameView], local: SolverLocal, now: int, me: str
) -> list[Action]:
    """The solver's actions on `job` now (empty when there is nothing it may do)."""
    status = job.status
    if status == JobStatus.OPEN:
        if (
            now <= job.claim_deadline
            and stake_short(local.stake_free, job.job.params.solverStake) is None
            and local.policy(job)
        ):
            return [ClaimJob(job.job_id)]
        return []
    if not same(job.solver, me):
        return []
    if status == JobStatus.CLAIMED:
        return _claimed(job, local, now)
    # Every game on the job is answered to its end, whatever the job's status: after one
    # challenger's win fails the job, the other games still run (and an honest solver still wins
    # the ones brought by liars).
    actions: list[Action] = []
    for gv in games:
        if gv.game.job_id == job.job_id and same(gv.game.solver, me):
            actions.extend(answer(job, gv, local, now))
    if status == JobStatus.SUBMITTED:
        if not job.assignments and job.seats_missing and now <= job.challenge_deadline:
            # The verifiers are drawn in a block after our submission (seeded by its randomness,
            # which we could not know when we submitted); nobody gains more from the draw than us.
            actions.append(DrawVerifiers(job.job_id))
        elif job.job.open_games == 0 and now > job.challenge_deadline:
            if job.seats_missing == 0:
                actions.append(Finalize(job.job_id))
            elif now > job.unverified_expiry:
                actions.append(ExpireUnverified(job.job_id))
            else:
                # Nobody else gains from a full panel: the solver fills it (the window restarts).
                actions.append(DrawVerifiers(job.job_id))
        return actions
    if status == JobStatus.FINALIZED:
        if not job.job.verifiers_released and now > job.reveal_deadline:
            actions.append(ReleaseVerifiers(job.job_id))
        return actions
    failed = status == JobStatus.FAILED and not job.job.solver_settled and job.job.settled_at
    if failed and job.job.open_games == 0 and now > job.reveal_deadline:
        actions.append(SettleFailure(job.job_id))
    return actions


def _claimed(job: JobView, local: SolverLocal, now: int) -> list[Action]:
    if now > job.solve_deadline:
        return []  # too late: reportMissedDeadline is someone else's move
    if local.training == WorkState.NONE:
        return [StartTraining(job.job_id, job.job.spec_hash)]
    if local.training != WorkState.DONE or now >= job.solve_deadline:
        return []
    steps = local.steps
    if len(steps) != job.job.steps + 1 or steps[0] != job.job.initial_state:
        return []  # our run is not this job's computation: never submit it
    return [
        SubmitResult(
            job.job_id,
            steps[-1],
            MerkleTree(steps).root,
            local.artifact_uri,
            local.sealed_tag,
        )
    ]


def answer(job: JobView, gv: GameView, local: SolverLocal, now: int) -> list[Action]:
    """The solver's action in one game: its forced move, a timeout claim, or a resolve."""
    g = gv.game
    if g.status == GameStatus.ADJUDICATING:
        return adjudication_upkeep(gv, now)
    if not gv.moving:
        return []
    if g.turn == Party.CHALLENGER:
        return [Timeout(g.game_id)] if gv.mover_flag_fell(now) else []
    if gv.left(Party.SOLVER, now) == 0:
        return []  # our flag fell: a late move reverts ClockExpired
    if local.training != WorkState.DONE:
        if local.training == WorkState.NONE:
            return [StartTraining(job.job_id, job.job.spec_hash)]
        return []
    if g.status != GameStatus.STEP_BISECTION and g.step not in local.op_traces:
        if g.step in local.op_pending:
            return []
        return [StartOpTrace(job.job_id, g.step)]
    move = player.solver_move(g, local.traces(), gv.arity)
    return [] if move is None else [move]
