"""The whistleblower service: plants honeypot jobs, solves them wrong on purpose, reveals them.

`Whistleblower.tick()`:

1. plant  — plan over the market's slots (planner.plan) and post every planned honeypot not
            posted yet (at most `max_in_flight` unrevealed at a time) from the slot's own
            submitter account, after the funder paid in its budget and the slot's own solver
            account its stake (accounts.py: fresh accounts derived from the key, so nothing on
            chain ties a live honeypot to the whistleblower);
2. solve  — an embedded `HoneypotSolver` per honeypot (a SolverAgent on the slot's solver
            account, restricted to that job) claims and trains it honestly, commits a wrong end
            state h_s of the planned step s (honest op records; the agents' steps/ops hooks),
            submits with sealedTag = sealedTagFor(jobId, salt, whistleblower, s, N), N = the
            job's opsPerStep, and plays its committed trace in any game, so a diligent
            challenger wins by adjudication at (s, N);
3. self-challenge — a `SelfChallenger` per honeypot (a VerifierAgent on the slot's challenger
            account) replays it and, if it is still unchallenged in the last third of the
            challenge window, challenges it and plays the game to the end (self_challenge.py);
4. reveal — once a honeypot is Failed by an adjudicated win at (s, N), every game on it is
            resolved and its challenge window closed, reveal (jobId, salt, s, N) inside the
            reveal window, earliest deadline first, within the registry's rate limit (reveals
            that do not fit wait). The reveal credits the honeypot's cost (its tax) back to its
            submitter from the pool;
5. settle — a closed honeypot's accounts are emptied into the registered account: credits
            claimed, the solver's stake unbonded and withdrawn, balances swept.

Everything secret lives in the state file (planner.HoneypotState); chain state is re-read every
tick, so a restart with the same state_dir resumes (the solvers' cursors live there too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from assay.agents.actions import Challenge
from assay.agents.base import AgentConfig, Step
from assay.agents.responder import Outcome
from assay.agents.runner import TaskRunner
from assay.agents.views import chain_now
from assay.chain.deploy import ProtocolContracts
from assay.chain.errors import ChainError, RevertError
from assay.protocol.canonical import spec_hash
from assay.protocol.records import Job
from assay.protocol.spec import JobSpec, spec_from_dict
from assay.protocol.types import JobId, JobStatus
from assay.repro.commitments import commitments
from assay.repro.data import load_dataset
from assay.store import LocalStore
from services.whistleblower.accounts import HoneypotAccounts, Settled, fund, settle, top_up
from services.whistleblower.honeypot_solver import (
    HoneypotSolver,
    SpecCatalogue,
    forced_error_hooks,
)
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
from services.whistleblower.self_challenge import (
    DEFAULT_FRACTION,
    SelfChallenger,
    self_challenge_due,
)
from solver.agent import Publisher

__all__ = [
    "HoneypotSolver",
    "SelfChallenger",
    "SpecCatalogue",
    "TickReport",
    "Whistleblower",
    "WhistleblowerConfig",
    "forced_error_hooks",
]

log = structlog.get_logger(__name__)

ZERO = "0x0000000000000000000000000000000000000000"
GAS_RESERVE = 10**16  # wei the funder keeps back for its own gas when funding a honeypot


# ---------------------------------------------------------------------------- the service


@dataclass(frozen=True)
class WhistleblowerConfig:
    """Settings of one whistleblower process.

    Attributes:
        state_dir: state file, honeypot specs, the solver's cursor and work directory.
        templates: what honeypots look like (at least one).
        rate_p: honeypot rate; None reads the registry's forcedErrorRateBps (the jackpot's p).
        budget_wei: the budget escrowed with each honeypot (keep it like ordinary jobs').
        gas_wei: wei each honeypot account (submitter, solver) gets for its own transactions.
        max_in_flight: honeypots posted but not yet revealed/closed, at most.
        max_honeypots: stop planting after this many (None: no limit).
        start_block: the deployment block (first block the embedded solver scans).
        confirmations: blocks behind head treated as final.
        min_credit: the embedded solver claims its credit from this many wei (0: never).
        self_challenge: the last fraction of a honeypot's challenge window in which the service
            challenges it itself if nobody else has (diligent verifiers go first).
    """

    state_dir: Path
    templates: tuple[Template, ...]
    rate_p: float | None = None
    budget_wei: int = 5 * 10**17
    gas_wei: int = 10**16
    max_in_flight: int = 1
    max_honeypots: int | None = None
    start_block: int = 0
    confirmations: int = 0
    min_credit: int = 1
    self_challenge: float = DEFAULT_FRACTION

    @property
    def state_path(self) -> Path:
        return self.state_dir / "state.json"


@dataclass(frozen=True)
class TickReport:
    """What one tick did: honeypot jobs posted, revealed (job id -> jackpot) and reimbursed (job
    id -> wei credited to its submitter), reveals queued, honeypots whose accounts were swept, the
    honeypot solvers' steps and the self-challengers' steps."""

    posted: tuple[int, ...] = ()
    revealed: Mapping[int, int] = field(default_factory=dict)
    queued: tuple[int, ...] = ()
    solver: tuple[Step, ...] = ()
    reimbursed: Mapping[int, int] = field(default_factory=dict)
    swept: tuple[int, ...] = ()
    challenger: tuple[Step, ...] = ()


class Whistleblower:
    """The whistleblower for one registered account.

    Args:
        protocol: bindings acting as the registered whistleblower (it reveals, and receives what
            is left in a honeypot's accounts once it is closed).
        config: see WhistleblowerConfig.
        funder: bindings of the account that funds each honeypot's fresh submitter and solver
            (default: `protocol`, fine on a devnet). Its transfers are public: on a real
            deployment it must be an account nobody can link to the whistleblower or to earlier
            honeypots (docs/whistleblower.md, "Funding").
        runner: where training runs (the agents' TaskRunner).
        spec_uri: where each honeypot's spec is published (returns the specURI to post, e.g.
            an assay:// URI naming a peer that serves it); default: the template's `uri`, else
            `file://<template>.toml` (only in-process agents sharing the catalogue resolve it).
        publish: how the honeypot solvers publish their artifacts (see SolverAgent).
        op_inputs_store: where the honeypot solvers publish a disputed operator's inputs for
            the referees (served by the caller's blob service; see SolverAgent).
    """

    def __init__(
        self,
        protocol: ProtocolContracts,
        config: WhistleblowerConfig,
        *,
        funder: ProtocolContracts | None = None,
        runner: TaskRunner | None = None,
        spec_uri: Callable[[JobSpec], str] | None = None,
        publish: Publisher | None = None,
        op_inputs_store: LocalStore | None = None,
    ) -> None:
        if not config.templates:
            raise ValueError("the whistleblower needs at least one template")
        self.protocol = protocol
        self.config = config
        self.funder = (funder or protocol).market.sender
        self.runner = runner
        self.spec_uri = spec_uri
        self.publish = publish
        self.op_inputs_store = op_inputs_store
        self.me = protocol.registry.sender.address
        self.w3 = protocol.registry.sender.w3
        self.templates = {t.name: t for t in config.templates}
        self.catalogue = SpecCatalogue(config.state_dir / "specs")
        self.state: HoneypotState = load_state(config.state_path)
        save_state(config.state_path, self.state)  # a fresh key is persisted before any use
        self._tags: dict[int, bytes] = {}
        self._accounts: dict[int, HoneypotAccounts] = {}
        self.solvers: dict[int, HoneypotSolver] = {}  # slot -> the live honeypot's solver
        self.challengers: dict[int, SelfChallenger] = {}  # slot -> its self-challenger
        for posted in self.state.posted.values():  # restart: the catalogue knows our specs again
            self._spec_of(posted.plan)
            if not posted.closed:
                self._start_agents(posted)
        self.log = log.bind(agent="whistleblower", account=self.me)

    # ------------------------------------------------------------------ lookups
    def honeypot_of(self, job_id: int) -> HoneypotPlan | None:
        """Our plan for `job_id` (None if it is not one of our honeypots)."""
        try:
            return self._posted_of(job_id).plan
        except KeyError:
            return None

    def sealed_tag(self, job_id: int, n_ops: int) -> bytes:
        """keccak256(abi.encode(jobId, salt, whistleblower, s, N)), as the registry computes it:
        the honeypot errs at the end state N = `n_ops` (the job's opsPerStep) of step s."""
        if n_ops < 1:
            raise ValueError(f"a step has at least one operator, got opsPerStep {n_ops}")
        if job_id not in self._tags:
            posted = self._posted_of(job_id)
            p = posted.plan
            posted.op_index = n_ops
            self._save()
            tag = self.protocol.registry.sealed_tag_for(
                JobId(job_id), p.salt, self.me, p.step, posted.op_index
            )
            self._tags[job_id] = bytes(tag)
        return self._tags[job_id]

    def _posted_of(self, job_id: int) -> Posted:
        for x in self.state.posted.values():
            if x.job_id == job_id:
                return x
        raise KeyError(f"job {job_id} is not one of our honeypots")

    def accounts(self, slot: int) -> HoneypotAccounts:
        """The submitter and solver accounts of honeypot slot `slot` (derived from the key)."""
        if slot not in self._accounts:
            self._accounts[slot] = HoneypotAccounts.derive(self.state.key, slot, self.protocol)
        return self._accounts[slot]

    def _start_agents(self, posted: Posted) -> None:
        """The embedded solver and the self-challenger of one live honeypot."""
        self._start_solver(posted)
        self._start_challenger(posted)

    def _agent_config(self, role: str, posted: Posted) -> AgentConfig:
        """The config of a honeypot's embedded agent (`role`: solver or challenger) for its slot."""
        cfg = self.config
        return AgentConfig(
            cursor_path=cfg.state_dir / role / f"slot_{posted.plan.slot}" / "cursor.json",
            workdir=cfg.state_dir / role / "work",
            start_block=posted.block or cfg.start_block,
            confirmations=cfg.confirmations,
            min_credit=cfg.min_credit,
        )

    def _start_challenger(self, posted: Posted) -> SelfChallenger:
        """The self-challenger of one honeypot, on the slot's challenger account."""
        slot, cfg = posted.plan.slot, self.config
        challenger = SelfChallenger(
            self.accounts(slot).challenger,
            self.catalogue,
            self._agent_config("challenger", posted),
            runner=self.runner,
            job_id=posted.job_id,
            fraction=cfg.self_challenge,
        )
        self.challengers[slot] = challenger
        return challenger

    def _start_solver(self, posted: Posted) -> HoneypotSolver:
        """The embedded solver of one honeypot, on the slot's solver account."""
        slot, job_id, p = posted.plan.slot, posted.job_id, posted.plan
        solver = HoneypotSolver(
            self.accounts(slot).solver,
            self.catalogue,
            self._agent_config("solver", posted),
            honeypot=lambda j: p if j == job_id else None,
            sealed_tag=self.sealed_tag,
            runner=self.runner,
        )
        solver.publish = self.publish
        solver.op_inputs_store = self.op_inputs_store
        self.solvers[slot] = solver
        return solver

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
        """One pass: plant, let the honeypot solvers act, self-challenge unchallenged honeypots,
        reveal what is due, empty closed ones."""
        posted = self._plant()
        steps: list[Step] = []
        for solver in self.solvers.values():
            steps += solver.tick()
        self._arm_challengers(chain_now(self.w3))
        challenger_steps: list[Step] = []
        for challenger in self.challengers.values():
            done = challenger.tick()
            for s in done:
                if isinstance(s.action, Challenge) and s.outcome == Outcome.SENT:
                    self.log.info("whistleblower.self_challenged", job=int(s.action.job_id))
            challenger_steps += done
        revealed, reimbursed, queued = self._reveal(chain_now(self.w3))
        for x in self.state.posted.values():  # a closed honeypot needs its agents no more
            if x.closed:
                self.solvers.pop(x.plan.slot, None)
                self.challengers.pop(x.plan.slot, None)
        swept = self._settle(chain_now(self.w3))
        return TickReport(
            tuple(posted),
            revealed,
            tuple(queued),
            tuple(steps),
            reimbursed,
            tuple(swept),
            tuple(challenger_steps),
        )

    def _arm_challengers(self, now: int) -> None:
        """Fund the challenger of every honeypot whose self-challenge is due with the bond + gas
        (only now: an account funded earlier would stand out as a honeypot's on every job)."""
        for slot, challenger in self.challengers.items():
            job = self.protocol.market.get_job(JobId(challenger.job_id))
            if not self_challenge_due(job, now, self.config.self_challenge):
                continue
            address = self.accounts(slot).challenger_address
            if int(self.protocol.game.game_of(job.job_id, address)) != 0:
                continue  # it played (and lost) a game already: one game per challenger and job
            target = job.params.challengeBond + self.config.gas_wei
            try:
                top_up(self.funder, address, target)
            except ChainError as err:
                self.log.warning("whistleblower.arm_failed", job=job.job_id, reason=str(err))

    def _plant(self) -> list[int]:
        count = self.protocol.market.job_count()
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
            block = int(self.w3.eth.block_number)
            job_id = self._post(p)
            if job_id is None:
                break
            posted = Posted(p, job_id, bytes(spec_hash(self._spec_of(p))).hex(), block=block)
            state.posted[p.slot] = posted
            self._save()
            self._start_agents(posted)
            self.log.info("whistleblower.posted", job=job_id, slot=p.slot)
            in_flight += 1
            out.append(job_id)
        return out

    def _post(self, p: HoneypotPlan) -> int | None:

        spec = self._spec_of(p)
        t = self.templates[p.template]
        cfg = self.config
        accounts = self.accounts(p.slot)
        market = accounts.submitter.market
        stake = self.protocol.market.params().solverStake
        balance = self.funder.balance()
        if balance < cfg.budget_wei + stake + 2 * cfg.gas_wei + GAS_RESERVE:
            self.log.warning("whistleblower.underfunded", balance=balance)
            return None
        c = commitments(spec, load_dataset(spec.data, int(spec.training.seed)))
        try:
            fund(accounts, self.funder, budget=cfg.budget_wei, solver_stake=stake, gas=cfg.gas_wei)
            return int(
                market.post_job(
                    spec_hash=spec_hash(spec),
                    spec_uri=self.spec_uri(spec)
                    if self.spec_uri is not None
                    else t.uri or f"file://{t.name}.toml",
                    steps=c.steps,
                    graph_hash=c.graph_hash,
                    ops_per_step=c.ops_per_step,
                    initial_state=c.initial_state,
                    budget_wei=cfg.budget_wei,
                )
            )
        except ChainError as err:
            self.log.warning("whistleblower.post_failed", reason=str(err))
            return None

    def _expire(self, x: Posted) -> str:
        """Nobody claimed the honeypot in time: take the budget back."""
        job_id = x.job_id
        try:
            self.accounts(x.plan.slot).submitter.market.expire_job(JobId(job_id))
        except ChainError as err:
            self.log.warning("whistleblower.expire_failed", job=job_id, reason=str(err))
            return ""
        return "expired"

    def _reveal(self, now: int) -> tuple[dict[int, int], dict[int, int], list[int]]:
        """Reveal every due honeypot that fits the rate limit; the rest stay queued.

        Returns (job -> jackpot, job -> wei reimbursed to its submitter, queued jobs).
        """
        registry, market = self.protocol.registry, self.protocol.market
        due: list[tuple[int, Posted]] = []
        ops_per_step: dict[int, int] = {}
        for x in self.state.posted.values():
            if x.closed:
                continue
            job = market.get_job(JobId(x.job_id))
            ops_per_step[x.job_id] = job.ops_per_step
            why = _closed_reason(job)
            if job.status == JobStatus.OPEN and now > job.posted_at + job.params.claimWindow:
                why = self._expire(x)
            if registry.revealed(JobId(x.job_id)):
                x.revealed, why = True, "revealed"
            if why:
                x.closed = why
                self._save()
                if why != "revealed":
                    self.log.warning("whistleblower.honeypot_closed", job=x.job_id, why=why)
                continue
            if job.status != JobStatus.FAILED or job.open_games or now <= job.challenge_deadline:
                continue  # a reveal needs every game resolved and no game left to open
            deadline = max(job.settled_at, job.challenge_deadline) + job.params.revealWindow
            if now >= deadline:  # the reveal lands in a later block: too late to be sure
                x.closed = "missed the reveal window"
                self._save()
                self.log.error("whistleblower.reveal_missed", job=x.job_id, deadline=deadline)
                continue
            if not market.error_proven_at(JobId(x.job_id), x.plan.step, job.ops_per_step):
                # Beaten, but not by a ruling on the forced end state (e.g. the solver's clock
                # ran out): the reveal would revert ErrorNotProven, now and later.
                x.closed = "failed without an adjudicated error at the forced location"
                self._save()
                self.log.error("whistleblower.not_revealable", job=x.job_id, why=x.closed)
                continue
            due.append((deadline, x))
        revealed: dict[int, int] = {}
        reimbursed: dict[int, int] = {}
        queued: list[int] = []
        params = registry.params() if due else None
        for _, x in sorted(due, key=lambda d: (d[0], d[1].job_id)):
            assert params is not None
            wait = rate_gate(self.state.reveals, now, params.maxRevealsPerWindow, params.rateWindow)
            if wait is not None:
                queued.append(x.job_id)
                continue
            try:
                paid = registry.reveal(
                    JobId(x.job_id), x.plan.salt, x.plan.step, x.op_index or ops_per_step[x.job_id]
                )
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
            x.revealed, x.closed, x.jackpot = True, "revealed", paid.jackpot
            x.reimbursed = paid.reimbursed
            self.state.reveals.append(chain_now(self.w3))
            self._save()
            revealed[x.job_id], reimbursed[x.job_id] = paid.jackpot, paid.reimbursed
            self.log.info(
                "whistleblower.revealed",
                job=x.job_id,
                jackpot=paid.jackpot,
                cost=paid.cost,
                reimbursed=paid.reimbursed,
            )
        if queued:
            self.log.info("whistleblower.reveals_queued", jobs=queued)
        return revealed, reimbursed, queued

    def _settle(self, now: int) -> list[int]:
        """Empty the accounts of closed honeypots into ours; returns the jobs swept this tick."""
        swept: list[int] = []
        for x in self.state.posted.values():
            if not x.closed or x.swept:
                continue
            try:
                where = settle(self.accounts(x.plan.slot), self.me, now)
            except ChainError as err:
                self.log.warning("whistleblower.settle_failed", job=x.job_id, reason=str(err))
                continue
            if where == Settled.SWEPT:
                x.swept = True
                self._save()
                swept.append(x.job_id)
                self.log.info("whistleblower.swept", job=x.job_id)
        return swept


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
    if status == JobStatus.FINALIZED:
        # Nobody beat it, not even the self-challenge: a Finalized job cannot be revealed.
        return "finalized: nobody proved the error"
    return ""
