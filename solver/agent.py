"""The solver agent: claims jobs, trains them, submits, defends its results in games.

`SolverAgent.tick()` = monitor -> views -> solver.decide -> scheduler -> responder. Construct it
with the account's bindings, a SpecSource and an AgentConfig; call `tick()` in a loop (or from a
test, tick by tick). A restart with the same cursor file resumes where the last process was.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Callable
from functools import partial

from assay.agents.actions import Action, WorkState
from assay.agents.base import BaseAgent
from assay.agents.datafiles import data_dir, load_job_data
from assay.agents.runner import TaskHandle
from assay.agents.specsource import note_job
from assay.agents.views import GameView, JobView, load_job
from assay.agents.work import JobWork, step_trace
from assay.protocol.estimate import estimate
from assay.protocol.spec import JobSpec
from assay.protocol.types import GameId, GameStatus, JobId, JobStatus, Role
from assay.repro.commitments import Commitments, commitments
from assay.store import LocalStore
from solver.decide import (
    Policy,
    Pricing,
    SolverLocal,
    accept_all,
    decide,
    price_ok,
    same,
    stake_short,
)

# An honest result's sealed tag must be unpredictable: if anyone could compute it (say, as a hash
# of the solver and the job), every tag that differs would mark a honeypot on sight.
_TAG_KEY = secrets.token_bytes(32)

Publisher = Callable[[int, JobWork], str]
"""Publishes a finished trace's artifacts and returns the artifactURI to submit."""

_DONE = (JobStatus.CANCELLED, JobStatus.EXPIRED)


class SolverAgent(BaseAgent):
    """Plays the solver role for one account."""

    role = "solver"

    def __init__(
        self,
        *args: object,
        policy: Policy = accept_all,
        pricing: Pricing | None = None,
        publish: Publisher | None = None,
        op_inputs_store: LocalStore | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.policy = policy
        self.pricing = pricing or Pricing()
        self.declined: set[tuple[int, str]] = set()  # (job, kind) refusals already logged
        self.publish = publish
        self.published: dict[int, str] = {}
        self.op_inputs_store = op_inputs_store
        self.op_inputs: dict[tuple[int, int, int], TaskHandle] = {}
        self.checked: dict[int, bool] = {}  # job -> posted parameters agree with its spec
        self._commitments: dict[bytes, Commitments | str] = {}  # spec hash -> its commitments

    def _serve_op_inputs(self, job_id: int, gv: GameView) -> None:
        """Once a game reaches adjudication, publish the disputed operator's inputs (one
        background task per (job, step, op)) for the referees to fetch from our blob service."""
        g, store, w = gv.game, self.op_inputs_store, self.work.get(job_id)
        if store is None or g.status != GameStatus.ADJUDICATING or w is None or w.spec is None:
            return
        key = (job_id, g.step, g.hi)
        if key in self.op_inputs or g.hi >= g.n_ops:  # r_N is the end state: no operator
            return
        # deferred: loads torch (~2 s); keeps this path light
        from assay.agents.opinputs import publish_bundle

        spec, directory, step, op = w.spec, w.directory, g.step, g.hi
        committed = w.op_traces.get(step)

        def publish() -> str:
            trace, state = step_trace(spec, directory, step, data_dir(spec, store, directory))
            return publish_bundle(store, job_id, trace, state, op, committed)

        self.op_inputs[key] = self.runner.submit(f"op-inputs-{job_id}-{step}-{op}", publish)

    def _artifact_uri(self, job_id: int, w: JobWork) -> str:
        """The URI to submit: the publisher's (once per trained job), else the work dir."""
        if self.publish is None or w.state != WorkState.DONE:
            return f"file://{w.directory}"
        if job_id not in self.published:
            self.published[job_id] = self.publish(job_id, w)
        return self.published[job_id]

    def _accepts(self, job: JobView) -> bool:
        spec = self.specs.get(job.job.spec_hash)
        return (
            spec is not None
            and self._paid_enough(job, spec)
            and self._posted_as_specified(job, spec)
            and self.policy(job)
        )

    def _paid_enough(self, job: JobView, spec: JobSpec) -> bool:
        """solver.decide.price_ok on the job's budget and its spec's estimated FLOPs."""
        ok, why = price_ok(job.job.budget, estimate(spec).total_flops, self.pricing)
        if not ok:
            hint = "the submitter must pay more, or this solver lower --min-budget/--min-price"
            self._decline(int(job.job_id), "price", why, hint)
        return ok

    def _decline(self, job_id: int, kind: str, reason: str, hint: str) -> None:
        """Log at INFO, once per job and kind of refusal, why it is not claimed."""
        if (job_id, kind) not in self.declined:
            self.declined.add((job_id, kind))
            self.log.info("solver.not_claiming", job=job_id, reason=reason, hint=hint)

    def _posted_as_specified(self, job: JobView, spec: object) -> bool:
        """Whether the job's on-chain steps, graph hash, op count N and h_0 are the spec's.

        The chain cannot check them, and a job posted with values its spec does not give cannot be
        solved: the solver would claim, fail to submit or to commit its op trace, and be slashed.
        A spec's commitments are computed once (they build the model and record one step), however
        many jobs post it; each job is compared once."""
        jid = int(job.job_id)
        if jid not in self.checked:
            key = bytes(job.job.spec_hash)
            if key not in self._commitments:
                try:
                    data = load_job_data(spec, self._data_store(), self.config.workdir)
                    self._commitments[key] = commitments(spec, data)
                except Exception as err:  # a spec the runtime refuses is not claimable either
                    self._commitments[key] = f"the spec cannot be run: {err}"
            known = self._commitments[key]
            wrong = [known] if isinstance(known, str) else known.mismatches(job.job)
            if wrong:
                self.log.warning(
                    "solver.job_misposted",
                    job=jid,
                    mismatches=wrong,
                    hint="not claiming: the posted parameters disagree with the spec",
                )
            self.checked[jid] = not wrong
        return self.checked[jid]

    def _data_store(self) -> LocalStore | None:
        """Where a job's user data file is: the spec source's store (it fetched it there)."""
        store = getattr(self.specs, "store", None)
        return store if isinstance(store, LocalStore) else self.op_inputs_store

    def _local(self, job: JobView, stake_free: int) -> SolverLocal:
        w = self.work.get(job.job_id)
        tag = hmac.new(_TAG_KEY, f"{self.me}:{job.job_id}".encode(), hashlib.sha256).digest()
        if w is None:
            return SolverLocal(stake_free, self._accepts, sealed_tag=tag)
        return SolverLocal(
            stake_free,
            self._accepts,
            training=w.state,
            steps=w.steps,
            op_traces=dict(w.op_traces),
            op_pending=w.op_pending,
            artifact_uri=self._artifact_uri(job.job_id, w),
            sealed_tag=tag,
        )

    def decide_all(self, now: int) -> list[Action]:
        cursor = self.monitor.cursor
        stake_free = self.protocol.stakes.free_stake(self.me, Role.SOLVER)
        jobs = {jid: load_job(self.protocol.market, JobId(jid)) for jid in sorted(cursor.jobs)}
        games: dict[int, list[GameView]] = defaultdict(list)
        for gid in sorted(cursor.games):
            self.isolated("game", gid, partial(self._load_game, gid, jobs, games))
        actions: list[Action] = []
        for jid, job in jobs.items():
            note_job(self.specs, job.job)
            if job.status == JobStatus.OPEN and now <= job.claim_deadline:
                short = stake_short(stake_free, job.job.params.solverStake)
                if short is not None:
                    self._decline(jid, "stake", short, "`assay stake status` shows the free stake")
            local = self._local(job, stake_free)
            actions.extend(
                self.isolated("job", jid, partial(decide, job, games[jid], local, now, self.me))
            )
            if self._finished(job, now):
                self.forget_job(jid)
                self.published.pop(jid, None)
                self.checked.pop(jid, None)
                self.declined = {d for d in self.declined if d[0] != jid}
                for key in [k for k in self.op_inputs if k[0] == jid]:
                    del self.op_inputs[key]
                self.monitor.forget(games={gv.game_id for gv in games[jid]})
                self.openings.forget([int(gv.game_id) for gv in games[jid]])
        return actions

    def _load_game(
        self, gid: int, jobs: dict[int, JobView], games: dict[int, list[GameView]]
    ) -> list[Action]:
        """Read game `gid` into `games` (if it is ours); serve its op inputs once adjudicating."""
        g = self.protocol.game.get_game(GameId(gid))
        if not same(g.solver, self.me):
            self.monitor.forget(games={gid})
            return []
        job = jobs.get(int(g.job_id)) or load_job(self.protocol.market, g.job_id)
        gv = self.game_view(GameId(gid), job.job.params.bisectionArity)
        games[int(g.job_id)].append(gv)
        self._serve_op_inputs(int(g.job_id), gv)
        return []

    def _finished(self, job: JobView, now: int) -> bool:
        s, j = job.status, job.job
        if s in _DONE:
            return True
        if s == JobStatus.OPEN:
            return now > job.claim_deadline
        if not same(j.solver, self.me):
            return True
        if s == JobStatus.FINALIZED:
            return j.verifiers_released
        if s == JobStatus.FAILED:
            return j.solver_settled
        return False
