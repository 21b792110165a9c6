"""The verifier agent: replays submitted results, attests or challenges, plays its games, and
(optionally) serves as a referee on adjudication committees.

`VerifierAgent.tick()` = monitor -> views -> verifier.decide -> scheduler -> responder. Given a
`Recompute`, the agent also carries the referee duty (`referee.duty.RefereeDuty`, the same one a
`referee.agent.RefereeAgent` carries alone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from assay.agents.actions import (
    Action,
    LocalAction,
    StartRecompute,
    StartSampledReplay,
    WorkState,
)
from assay.agents.base import BaseAgent
from assay.agents.runner import TaskHandle
from assay.agents.specsource import note_job
from assay.agents.views import GameView, JobView, RequestView, load_job
from assay.agents.work import Trace
from assay.protocol.records import Job
from assay.protocol.types import GameId, GameStatus, JobId, JobStatus
from assay.store import LocalStore
from referee.agent import serve_committees
from referee.duty import RefereeDuty
from referee.recompute import Recompute
from verifier.decide import VerifierLocal, decide, share_claimable
from verifier.sampling import ReplayPolicy, SampleResult, sampled_replay

Inspect = Callable[[Job, Trace], object]
"""Called once per submitted job whose replay finished (e.g. a manifest cross-check); its
result is logged as `verifier.inspected`. Informational: decisions stay with the replay."""


class VerifierAgent(BaseAgent):
    """Plays the verifier role (and the referee duty if given `recompute`) for one account."""

    role = "verifier"

    def __init__(
        self,
        *args: object,
        verify: bool = True,
        verify_all: bool = False,
        recompute: Recompute | None = None,
        inspect: Inspect | None = None,
        policy: ReplayPolicy | None = None,
        store: LocalStore | None = None,
        lazy: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.verify, self.verify_all = verify, verify_all
        self.lazy = lazy
        """Devnet demo only: attest every assigned job unchecked (verifier.decide, lazy)."""
        self.inspect = inspect
        self.policy = policy if policy is not None else ReplayPolicy.full()
        self.store = store
        self.samples: dict[int, TaskHandle] = {}
        self.sampled: dict[int, SampleResult] = {}
        self.sampled_steps = 0
        """Steps trained by sampled checks (all jobs): the cost of the sampled policy."""
        self.inspected: dict[int, object] = {}
        self.referee = RefereeDuty(recompute, self.log) if recompute is not None else None
        """The referee duty, carried when given a recompute (`--referee`)."""

    # ------------------------------------------------------------------ verifier duty
    def _local(self, job: JobView) -> VerifierLocal:
        # A lazy verifier checks nothing, so it does not even fetch the spec.
        known = not self.lazy and self.specs.get(job.job.spec_hash) is not None
        w = self.work.get(job.job_id)
        jid = int(job.job_id)
        result = self.sampled.get(jid)
        sample = (
            WorkState.RUNNING
            if jid in self.samples
            else WorkState.NONE
            if result is None
            else WorkState.DONE
        )
        sampled, ok = self.policy.is_sampled, result is not None and result.ok
        if w is None:
            return VerifierLocal(
                self.verify_all, known, sampled=sampled, sample=sample, sample_ok=ok, lazy=self.lazy
            )
        return VerifierLocal(
            self.verify_all,
            known,
            replay=w.state,
            steps=w.steps,
            trace_root=w.trace_root,
            op_traces=dict(w.op_traces),
            op_pending=w.op_pending,
            sampled=sampled,
            sample=sample,
            sample_ok=ok,
            lazy=self.lazy,
        )

    def _games(self, job: JobView) -> list[GameView]:
        gid = self.protocol.game.game_of(job.job_id, self.me)
        if int(gid) == 0:
            return []
        return [self.game_view(GameId(gid), job.job.params.bisectionArity)]

    def decide_all(self, now: int) -> list[Action]:
        actions: list[Action] = []
        cursor = self.monitor.cursor
        if self.verify:
            self._collect_samples()
            for jid in sorted(cursor.jobs):
                actions.extend(self.isolated("job", jid, partial(self._decide_job, jid, now)))
        if self.referee is not None:
            actions.extend(serve_committees(self, self.referee, now))
        return actions

    def _decide_job(self, jid: int, now: int) -> list[Action]:
        job = load_job(self.protocol.market, JobId(jid))
        note_job(self.specs, job.job)
        self._inspect(job)
        games = self._games(job) if job.status != JobStatus.OPEN else []
        local = self._local(job)
        won = any(gv.game.status == GameStatus.CHALLENGER_WON for gv in games)
        claim_pending = won and share_claimable(job, local)
        if claim_pending:  # one chain read, only for a settled job we won and may be owed on
            paid = self.protocol.market.win_of(job.job_id, self.me).paid
            local, claim_pending = replace(local, share_paid=paid), not paid
        actions = decide(job, games, local, now, self.me)
        if self._finished(job) and not claim_pending:
            self.forget_job(jid)
            self.inspected.pop(jid, None)
            self.sampled.pop(jid, None)
        return actions

    def _inspect(self, job: JobView) -> None:
        w = self.work.get(job.job_id)
        if (
            self.inspect is None
            or job.job_id in self.inspected
            or job.status != JobStatus.SUBMITTED
            or w is None
            or w.state != WorkState.DONE
        ):
            return
        result = self.inspect(job.job, w.steps)
        self.inspected[job.job_id] = result
        self.log.info("verifier.inspected", job=job.job_id, result=repr(result))

    def _finished(self, job: JobView) -> bool:
        s, j = job.status, job.job
        assigned = job.assignment(self.me) is not None
        if s in (JobStatus.CANCELLED, JobStatus.EXPIRED):
            return True
        if s == JobStatus.SUBMITTED:
            return not (assigned or self.verify_all)
        if s == JobStatus.FINALIZED:
            return not assigned or j.verifiers_released
        if s == JobStatus.FAILED:
            return j.solver_settled
        return False

    # ------------------------------------------------------------------ sampled replay
    def _collect_samples(self) -> None:
        for jid, handle in list(self.samples.items()):
            if not handle.done():
                continue
            del self.samples[jid]
            try:
                result: SampleResult = handle.result()
            except Exception as exc:
                result = SampleResult(False, f"sampled check failed: {type(exc).__name__}: {exc}")
            self.sampled[jid] = result
            self.sampled_steps += result.trained_steps
            self.log.info(
                "verifier.sampled",
                job=jid,
                ok=result.ok,
                reason=result.reason,
                segments=repr(list(result.segments)),
                trained_steps=result.trained_steps,
                fallback="none" if result.ok else "full replay",
            )

    def _start_sample(self, action: StartSampledReplay) -> TaskHandle | None:
        spec = self.specs.get(action.spec_hash)
        store, policy = self.store, self.policy
        if spec is None or store is None:
            reason = "unknown spec" if spec is None else "no artifact store"
            self.sampled[int(action.job_id)] = SampleResult(False, reason)
            return None
        job = self.protocol.market.get_job(action.job_id)
        workdir = self.config.workdir / f"job_{action.job_id}"  # a user data file goes here
        handle = self.runner.submit(
            f"sample-{action.job_id}",
            lambda: sampled_replay(spec, job, store, policy, workdir=workdir),
        )
        self.samples[int(action.job_id)] = handle
        return handle

    # ------------------------------------------------------------------ local work
    def local_work_pending(self) -> bool:
        return self.referee is not None and self.referee.pending

    def start_local(self, action: LocalAction) -> TaskHandle | None:
        if isinstance(action, StartSampledReplay):
            return self._start_sample(action)
        if isinstance(action, StartRecompute):
            if self.referee is None:
                return None
            return self.referee.start(action, self.protocol, self.specs, self.runner)
        return super().start_local(action)


__all__ = ["RequestView", "VerifierAgent"]
