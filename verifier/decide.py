"""The verifier's pure decisions: views, local work state and `now` -> actions.

Verifier duty (`decide`), on a job where it is assigned (or any job, with `verify_all`):

| job status | condition                                                   | action            |
|------------|-------------------------------------------------------------|-------------------|
| Submitted  | now <= challenge deadline, not the solver, no replay yet    | StartReplay       |
| Submitted  | same, sampled policy, no sampled check yet                  | StartSampledReplay|
| Submitted  | sampled check passed, assigned, no verdict                  | Attest            |
| Submitted  | sampled check failed (or errored), no full replay yet       | StartReplay       |
| Submitted  | replay done, h_T and trace root match, assigned, no verdict | Attest            |
| Submitted  | replay done, mismatch, no game of mine on the job yet       | Challenge         |
| Submitted  | each game of mine: my turn, my clock running, openings seen | Choose            |
| Submitted  | each game of mine: the solver's flag fell                   | Timeout           |
| Submitted  | each game of mine: adjudication awaits its committee draw   | DrawCommittee     |
| Submitted  | each game of mine: adjudication resolvable                  | ResolveAdjudication |
| Finalized  | assigned, verifiers not released, now > reveal deadline     | ReleaseVerifiers  |
| Failed     | assigned or a winner, solver not settled, no game open,     | SettleFailure     |
|            | now > reveal deadline                                       |                   |
| Failed     | a winner, settled, no drawn winner, no forced error, unpaid | ClaimWinnerShare  |

Lazy policy (`VerifierLocal.lazy`, devnet demo only: the verifier honeypots exist to catch),
in place of the replay rows above (games, release and settlement rows unchanged):

| job status | condition                                                   | action            |
|------------|-------------------------------------------------------------|-------------------|
| Submitted  | assigned, not the solver, now <= deadline, no verdict/game  | Attest, unchecked |
| Submitted  | otherwise (not assigned, or decided)                        | none (no replay)  |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assay.agents import player
from assay.agents.actions import (
    Action,
    Attest,
    Challenge,
    ClaimWinnerShare,
    ReleaseVerifiers,
    SettleFailure,
    StartOpTrace,
    StartReplay,
    StartSampledReplay,
    Timeout,
    WorkState,
    adjudication_upkeep,
)
from assay.agents.views import GameView, JobView
from assay.protocol.records import Assignment
from assay.protocol.types import GameStatus, JobStatus, Party, StateHash, StepIndex


@dataclass(frozen=True)
class VerifierLocal:
    """What the verifier knows off-chain about one job.

    Attributes:
        verify_all: policy: also replay (and challenge) jobs it was not assigned to.
        can_replay: the job's spec is known locally (SpecSource) and within limits.
        replay: state of the replay of this job.
        steps: its own h_0..h_T once replayed.
        trace_root: MerkleTree(steps).root once replayed.
        op_traces: its own r_0..r_N of each step computed so far.
        op_pending: steps whose op trace is being computed.
        sampled: policy: check sampled segments first (full replay only if that fails).
        sample: state of the sampled-segment check.
        sample_ok: the sampled check passed (meaningful once `sample` is DONE).
        lazy: policy (devnet demo only): attest every assigned job without replaying it, so a
            honeypot's forced error gets this verifier slashed.
        share_paid: our winner share of this (Failed) job was claimed already.
    """

    verify_all: bool = False
    can_replay: bool = True
    replay: WorkState = WorkState.NONE
    steps: tuple[StateHash, ...] = ()
    trace_root: StateHash | None = None
    op_traces: Mapping[StepIndex, tuple[StateHash, ...]] = field(default_factory=dict)
    op_pending: frozenset[StepIndex] = frozenset()
    sampled: bool = False
    sample: WorkState = WorkState.NONE
    sample_ok: bool = False
    lazy: bool = False
    share_paid: bool = False

    def traces(self) -> player.Traces:
        return player.Traces(self.steps, lambda s: self.op_traces[s])


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def decide(
    job: JobView, games: Sequence[GameView], local: VerifierLocal, now: int, me: str
) -> list[Action]:
    """The verifier's actions on `job`; `games` are its games on the job (resolved ones too)."""
    mine = [gv for gv in games if gv.game.job_id == job.job_id and _same(gv.game.challenger, me)]
    assignment = job.assignment(me)
    status = job.status
    actions: list[Action] = []
    if status == JobStatus.SUBMITTED:
        concerned = (assignment is not None or local.verify_all) and not _same(job.solver, me)
        if concerned and now <= job.challenge_deadline:
            actions.extend(_verdict(job, assignment, mine, local))
    # A game outlives its job's status: another challenger's win fails the job while ours is still
    # running, and it must still be played to the end (or our bond stays locked).
    for gv in mine:
        actions.extend(play(job, gv, local, now))
    if status == JobStatus.FINALIZED:
        if assignment is not None and not job.job.verifiers_released and now > job.reveal_deadline:
            actions.append(ReleaseVerifiers(job.job_id))
    elif status == JobStatus.FAILED:
        won = any(gv.game.status == GameStatus.CHALLENGER_WON for gv in mine)
        involved = assignment is not None or won
        if (
            involved
            and not job.job.solver_settled
            and job.job.settled_at
            and job.job.open_games == 0
            and now > job.reveal_deadline
        ):
            actions.append(SettleFailure(job.job_id))
        if won and share_claimable(job, local):
            actions.append(ClaimWinnerShare(job.job_id))
    return actions


def share_claimable(job: JobView, local: VerifierLocal) -> bool:
    """Our part of the solver's slash waits for our claim: settled, no drawn verifier won (those
    were paid at settlement), no forced error (the honeypot solver was spared), not claimed yet."""
    j = job.job
    return j.solver_settled and j.drawn_winners == 0 and not j.forced_error and not local.share_paid


def _verdict(
    job: JobView,
    assignment: Assignment | None,
    mine: Sequence[GameView],
    local: VerifierLocal,
) -> list[Action]:
    """Replay, then attest or challenge (once: never a second verdict on the same job).

    Sampled policy: check sampled segments first; a pass attests, anything else falls back to
    the full replay, whose result alone can challenge. Lazy policy: attest, checking nothing.
    """
    decided = assignment is not None and (assignment.attested or assignment.challenged)
    if local.lazy:
        return [] if decided or mine or assignment is None else [Attest(job.job_id)]
    if local.sampled and local.replay == WorkState.NONE:
        if local.sample == WorkState.NONE:
            return [StartSampledReplay(job.job_id, job.job.spec_hash)] if local.can_replay else []
        if local.sample == WorkState.RUNNING:
            return []
        if local.sample == WorkState.DONE and local.sample_ok:
            if decided or mine or assignment is None:
                return []
            return [Attest(job.job_id)]
    if local.replay == WorkState.NONE:
        return [StartReplay(job.job_id, job.job.spec_hash)] if local.can_replay else []
    if local.replay != WorkState.DONE or not local.steps:
        return []
    if decided or mine:
        return []
    honest = local.steps[-1] == job.job.final_state and local.trace_root == job.job.trace_root
    if honest:
        return [Attest(job.job_id)] if assignment is not None else []
    return [Challenge(job.job_id, job.job.final_state, job.job.params.challengeBond)]


def play(job: JobView, gv: GameView, local: VerifierLocal, now: int) -> list[Action]:
    """The challenger's action in one game: its choice, a timeout claim, or a resolve."""
    g = gv.game
    if g.status == GameStatus.ADJUDICATING:
        return adjudication_upkeep(gv, now)
    if not gv.moving:
        return []
    if g.turn == Party.SOLVER:
        return [Timeout(g.game_id)] if gv.mover_flag_fell(now) else []
    if gv.left(Party.CHALLENGER, now) == 0:
        return []
    if local.replay != WorkState.DONE:
        if local.replay == WorkState.NONE and local.can_replay:
            return [StartReplay(job.job_id, job.job.spec_hash)]
        return []
    if g.status == GameStatus.OP_BISECTION and g.step not in local.op_traces:
        return [] if g.step in local.op_pending else [StartOpTrace(job.job_id, g.step)]
    if gv.openings is None:
        return []
    move = player.challenger_move(g, gv.openings, local.traces(), gv.arity)
    return [] if move is None else [move]
