"""The whistleblower service: plants honeypot jobs, solves them wrong on purpose, reveals them.

`Whistleblower.tick()`:

1. plant  — plan over the market's slots (planner.plan) and post every planned honeypot not
            posted yet (at most `max_in_flight` unrevealed at a time), funded from the
            submitter account's balance;
2. solve  — an embedded `HoneypotSolver` (a SolverAgent restricted to our honeypots) claims and
            trains each one, forces the planned error at step s / operator j (the agents'
            steps/ops hooks, per job), submits with sealedTag = keccak(jobId, salt, whistleblower)
            and plays its committed (wrong) trace in any game, so a diligent challenger wins;
3. reveal — once a honeypot is Failed (a challenger won) or Finalized (nobody did), reveal
            (jobId, salt) inside the reveal window, earliest deadline first, within the
            registry's rate limit (reveals that do not fit wait for the next window).

Everything secret lives in the state file (planner.HoneypotState); chain state is re-read every
tick, so a restart with the same state_dir resumes (the solver's cursor lives there too).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import structlog
from eth_hash.auto import keccak

from assay.agents.base import AgentConfig, Step
from assay.agents.runner import TaskRunner
from assay.agents.views import JobView, chain_now
from assay.agents.work import JobWork, OpsHook, StepsHook, Trace
from assay.chain.bindings import Job
from assay.chain.deploy import ProtocolContracts
from assay.chain.exceptions import ChainError, RevertError
from assay.protocol.canonical import canonical_bytes, spec_hash
from assay.protocol.spec import JobSpec, spec_from_dict
from assay.protocol.types import JobId, JobStatus, StateHash
from services.whistleblower.planner import (
    HoneypotPlan,
    HoneypotState,
    Posted,
    Template,
    load_state,
    plan,
    rate_gate,
    save_state,
)
from solver.agent import SolverAgent
from solver.decide import SolverLocal

log = structlog.get_logger(__name__)

ZERO = "0x0000000000000000000000000000000000000000"
GAS_RESERVE = 10**16  # wei kept back for gas when funding a honeypot's budget


# ---------------------------------------------------------------------------- specs


class SpecCatalogue:
    """The honeypots' specs by hash: a SpecSource, backed by `directory/<hash>.json`.

    Verifiers must be able to fetch a honeypot's spec like any other (today: give them this
    catalogue or the files; later the content store / peers).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._specs: dict[bytes, JobSpec] = {}

    def put(self, spec: JobSpec) -> bytes:
        h = bytes(spec_hash(spec))
        if h not in self._specs:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / f"{h.hex()}.json").write_bytes(canonical_bytes(spec))
            self._specs[h] = spec
        return h

    def get(self, spec_hash: bytes) -> JobSpec | None:
        h = bytes(spec_hash)
        if h not in self._specs:
            path = self.directory / f"{h.hex()}.json"
            if not path.exists():
                return None
            self._specs[h] = spec_from_dict(json.loads(path.read_text()))
        return self._specs[h]


# ---------------------------------------------------------------------------- the forced error


def _wrong(h: StateHash) -> StateHash:
    return StateHash(keccak(b"assay-forced-error" + bytes(h)))


def forced_error_hooks(p: HoneypotPlan) -> tuple[StepsHook, OpsHook]:
    """Hooks committing h_s..h_T wrong and, in step s, r_j..r_N wrong (r_N = the wrong h_s)."""
    s = p.step

    def steps(trace: Trace) -> Trace:
        return tuple(h if i < s else _wrong(h) for i, h in enumerate(trace))

    def ops(step: int, trace: Trace) -> Trace:
        if step != s:
            return trace
        j = p.op_index(len(trace) - 1)
        return tuple(h if i < j else _wrong(h) for i, h in enumerate(trace))

    return steps, ops


@dataclass
class _HoneypotWork(JobWork):
    """A job's work cache that always applies its own honeypot's hooks."""

    forced_steps: StepsHook | None = None
    forced_ops: OpsHook | None = None

    def collect(self, steps_hook: StepsHook | None = None, ops_hook: OpsHook | None = None) -> None:
        super().collect(self.forced_steps, self.forced_ops)


class HoneypotSolver(SolverAgent):
    """A SolverAgent that only claims our honeypots, errs where planned and seals the tag."""

    role = "honeypot-solver"

    def __init__(
        self,
        protocol: ProtocolContracts,
        specs: SpecCatalogue,
        config: AgentConfig,
        *,
        honeypot: Callable[[int], HoneypotPlan | None],
        sealed_tag: Callable[[int], bytes],
        runner: TaskRunner | None = None,
    ) -> None:
        self.honeypot, self.sealed_tag = honeypot, sealed_tag
        super().__init__(protocol, specs, config, runner=runner, policy=self._ours)

    def _ours(self, job: JobView) -> bool:
        return self.honeypot(int(job.job_id)) is not None

    def _local(self, job: JobView, stake_free: int) -> SolverLocal:
        local = super()._local(job, stake_free)
        if self.honeypot(int(job.job_id)) is None:
            return local
        return replace(local, sealed_tag=self.sealed_tag(int(job.job_id)))

    def job_work(self, job_id: int) -> JobWork:
        p = self.honeypot(job_id)
        if job_id not in self.work and p is not None:
            steps, ops = forced_error_hooks(p)
            self.work[job_id] = _HoneypotWork(
                self.config.workdir / f"job_{job_id}", forced_steps=steps, forced_ops=ops
            )
        return super().job_work(job_id)


# ---------------------------------------------------------------------------- the service


@dataclass(frozen=True)
class WhistleblowerConfig:
    """Settings of one whistleblower process.

    Attributes:
        state_dir: state file, honeypot specs, the solver's cursor and work directory.
        templates: what honeypots look like (at least one).
        rate_p: honeypot rate; None reads the registry's forcedErrorRateBps (the jackpot's p).
        budget_wei: the budget escrowed with each honeypot (keep it like ordinary jobs').
        max_in_flight: honeypots posted but not yet revealed/closed, at most.
        max_honeypots: stop planting after this many (None: no limit).
        start_block: the deployment block (first block the embedded solver scans).
        confirmations: blocks behind head treated as final.
        min_credit: the embedded solver claims its credit from this many wei (0: never).
    """

    state_dir: Path
    templates: tuple[Template, ...]
    rate_p: float | None = None
    budget_wei: int = 5 * 10**17
    max_in_flight: int = 1
    max_honeypots: int | None = None
    start_block: int = 0
    confirmations: int = 0
    min_credit: int = 1

    @property
    def state_path(self) -> Path:
        return self.state_dir / "state.json"


@dataclass(frozen=True)
class TickReport:
    """What one tick did: honeypot jobs posted, revealed (job id -> jackpot), solver steps."""

    posted: tuple[int, ...] = ()
    revealed: Mapping[int, int] = field(default_factory=dict)
    queued: tuple[int, ...] = ()
    solver: tuple[Step, ...] = ()


class Whistleblower:
    """The whistleblower for one registered account.

    Args:
        protocol: bindings acting as the registered whistleblower (it reveals).
        config: see WhistleblowerConfig.
        submitter: bindings of the account that posts honeypots (default: `protocol`).
        solver: bindings of the Solver-staked account that solves them (default: `protocol`).
            On a real deployment both must be fresh accounts nobody can link to the
            whistleblower, or every honeypot is recognisable on sight.
        runner: where training runs (the agents' TaskRunner).
        spec_uri: where each honeypot's spec is published (returns the specURI to post, e.g.
            an assay:// URI naming a peer that serves it); default: the template's `uri`, else
            `file://<template>.toml` (only in-process agents sharing the catalogue resolve it).
    """

    def __init__(
        self,
        protocol: ProtocolContracts,
        config: WhistleblowerConfig,
        *,
        submitter: ProtocolContracts | None = None,
        solver: ProtocolContracts | None = None,
        runner: TaskRunner | None = None,
        spec_uri: Callable[[JobSpec], str] | None = None,
    ) -> None:
        if not config.templates:
            raise ValueError("the whistleblower needs at least one template")
        self.protocol = protocol
        self.config = config
        self.submitter = submitter or protocol
        self.spec_uri = spec_uri
        self.me = protocol.registry.sender.address
        self.w3 = protocol.registry.sender.w3
        self.templates = {t.name: t for t in config.templates}
        self.catalogue = SpecCatalogue(config.state_dir / "specs")
        self.state: HoneypotState = load_state(config.state_path)
        save_state(config.state_path, self.state)  # a fresh key is persisted before any use
        self._tags: dict[int, bytes] = {}
        for posted in self.state.posted.values():  # restart: the catalogue knows our specs again
            self._spec_of(posted.plan)
        self.solver = HoneypotSolver(
            solver or protocol,
            self.catalogue,
            AgentConfig(
                cursor_path=config.state_dir / "solver" / "cursor.json",
                workdir=config.state_dir / "solver" / "work",
                start_block=config.start_block,
                confirmations=config.confirmations,
                min_credit=config.min_credit,
            ),
            honeypot=self.honeypot_of,
            sealed_tag=self.sealed_tag,
            runner=runner,
        )
        self.log = log.bind(agent="whistleblower", account=self.me)

    # ------------------------------------------------------------------ lookups
    def honeypot_of(self, job_id: int) -> HoneypotPlan | None:
        """Our plan for `job_id` (None if it is not one of our honeypots)."""
        for p in self.state.posted.values():
            if p.job_id == job_id:
                return p.plan
        return None

    def sealed_tag(self, job_id: int) -> bytes:
        """keccak256(abi.encode(jobId, salt, whistleblower)), as the registry computes it."""
        if job_id not in self._tags:
            p = self.honeypot_of(job_id)
            if p is None:
                raise KeyError(f"job {job_id} is not one of our honeypots")
            tag = self.protocol.registry.sealed_tag_for(JobId(job_id), p.salt, self.me)
            self._tags[job_id] = bytes(tag)
        return self._tags[job_id]

    def rate(self) -> float:
        if self.config.rate_p is not None:
            return self.config.rate_p
        return self.protocol.registry.params().forcedErrorRateBps / 10_000

    def _spec_of(self, p: HoneypotPlan) -> JobSpec:
        spec = spec_from_dict(self.templates[p.template].materialize(p), origin="honeypot")
        self.catalogue.put(spec)
        return spec

    def _save(self) -> None:
        save_state(self.config.state_path, self.state)

    # ------------------------------------------------------------------ the loop
    def tick(self) -> TickReport:
        """One pass: plant, let the honeypot solver act, reveal what is due."""
        posted = self._plant()
        steps = self.solver.tick()
        revealed, queued = self._reveal(chain_now(self.w3))
        return TickReport(tuple(posted), revealed, tuple(queued), tuple(steps))

    def _plant(self) -> list[int]:
        count = self.submitter.market.job_count()
        if self.state.first_slot is None:
            self.state.first_slot = count
            self._save()
        cfg, state = self.config, self.state
        first = count if state.first_slot is None else state.first_slot
        plans = plan(state.key, count + 1, self.rate(), cfg.templates, first)
        in_flight = sum(1 for x in state.posted.values() if not x.closed)
        out: list[int] = []
        for p in plans:
            if p.slot in state.posted:
                continue
            if cfg.max_honeypots is not None and len(state.posted) >= cfg.max_honeypots:
                break
            if in_flight >= cfg.max_in_flight:
                break
            job_id = self._post(p)
            if job_id is None:
                break
            state.posted[p.slot] = Posted(p, job_id, bytes(spec_hash(self._spec_of(p))).hex())
            self._save()
            self.log.info("whistleblower.posted", job=job_id, slot=p.slot)
            in_flight += 1
            out.append(job_id)
        return out

    def _post(self, p: HoneypotPlan) -> int | None:
        from assay.repro.data import load_dataset
        from assay.repro.graph import graph_hash
        from assay.repro.trainer import Trainer

        spec = self._spec_of(p)
        t = self.templates[p.template]
        market = self.submitter.market
        balance = int(self.w3.eth.get_balance(market.sender.address))
        if balance < self.config.budget_wei + GAS_RESERVE:
            self.log.warning("whistleblower.underfunded", balance=balance)
            return None
        data = load_dataset(spec.data, int(spec.training.seed))
        try:
            return int(
                market.post_job(
                    spec_hash=spec_hash(spec),
                    spec_uri=self.spec_uri(spec)
                    if self.spec_uri is not None
                    else t.uri or f"file://{t.name}.toml",
                    steps=int(spec.training.steps),
                    graph_hash=graph_hash(spec, data),
                    initial_state=Trainer(spec, data).state_hash(),
                    budget_wei=self.config.budget_wei,
                )
            )
        except ChainError as err:
            self.log.warning("whistleblower.post_failed", reason=str(err))
            return None

    def _expire(self, job_id: int) -> str:
        """Nobody claimed the honeypot in time: take the budget back."""
        try:
            self.submitter.market.expire_job(JobId(job_id))
        except ChainError as err:
            self.log.warning("whistleblower.expire_failed", job=job_id, reason=str(err))
            return ""
        return "expired"

    def _reveal(self, now: int) -> tuple[dict[int, int], list[int]]:
        """Reveal every due honeypot that fits the rate limit; the rest stay queued."""
        registry, market = self.protocol.registry, self.protocol.market
        due: list[tuple[int, Posted]] = []
        for x in self.state.posted.values():
            if x.closed:
                continue
            job = market.get_job(JobId(x.job_id))
            why = _closed_reason(job)
            if job.status == JobStatus.OPEN and now > job.posted_at + job.params.claimWindow:
                why = self._expire(x.job_id)
            if registry.revealed(JobId(x.job_id)):
                x.revealed, why = True, "revealed"
            if why:
                x.closed = why
                self._save()
                if why != "revealed":
                    self.log.warning("whistleblower.honeypot_closed", job=x.job_id, why=why)
                continue
            if job.status not in (JobStatus.FAILED, JobStatus.FINALIZED):
                continue
            deadline = job.settled_at + job.params.revealWindow
            if now >= deadline:  # the reveal lands in a later block: too late to be sure
                x.closed = "missed the reveal window"
                self._save()
                self.log.error("whistleblower.reveal_missed", job=x.job_id, deadline=deadline)
                continue
            due.append((deadline, x))
        revealed: dict[int, int] = {}
        queued: list[int] = []
        params = registry.params() if due else None
        for _, x in sorted(due, key=lambda d: (d[0], d[1].job_id)):
            assert params is not None
            wait = rate_gate(self.state.reveals, now, params.maxRevealsPerWindow, params.rateWindow)
            if wait is not None:
                queued.append(x.job_id)
                continue
            try:
                jackpot = registry.reveal(JobId(x.job_id), x.plan.salt)
            except RevertError as err:
                if err.name == "AlreadyRevealed":
                    x.revealed, x.closed = True, "revealed"
                    self._save()
                    continue
                queued.append(x.job_id)
                self.log.warning("whistleblower.reveal_reverted", job=x.job_id, error=err.name)
                continue
            except ChainError as err:
                queued.append(x.job_id)
                self.log.warning("whistleblower.reveal_failed", job=x.job_id, reason=str(err))
                continue
            x.revealed, x.closed, x.jackpot = True, "revealed", jackpot
            self.state.reveals.append(chain_now(self.w3))
            self._save()
            revealed[x.job_id] = jackpot
            self.log.info("whistleblower.revealed", job=x.job_id, jackpot=jackpot)
        if queued:
            self.log.info("whistleblower.reveals_queued", jobs=queued)
        return revealed, queued


def _closed_reason(job: Job) -> str:
    """Why a honeypot needs nothing more from us ("" while it does)."""
    status = job.status
    if status in (JobStatus.CANCELLED, JobStatus.EXPIRED):
        return status.name.lower()
    if status == JobStatus.FAILED:
        if job.winning_challenger == ZERO:
            return "failed without a challenger (missed deadline)"
        if job.solver_settled:
            return "settled before the reveal"
    if status == JobStatus.FINALIZED and job.verifiers_released:
        return "released before the reveal"
    return ""
