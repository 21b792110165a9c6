"""The tick loop both agents share: monitor -> views -> pure decide -> scheduler -> responder.

A subclass implements `decide_all(now)` (build its views, call its pure decisions, prune ids it
is done with) and may add local work kinds in `start_local`. Everything the loop reads comes
from the chain this tick; the only state carried between ticks is the cursor (persisted) and
the local work cache (recomputed after a restart).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import structlog

from assay.agents import tasks
from assay.agents.actions import (
    LOCAL_ACTIONS,
    Action,
    LocalAction,
    StartOpTrace,
    StartReplay,
    StartTraining,
    WorkState,
    decide_credit,
    describe,
)
from assay.agents.cursor import CursorFile
from assay.agents.datafiles import copy_data
from assay.agents.monitor import Monitor
from assay.agents.progress import TrainingProgress
from assay.agents.responder import Outcome, Responder
from assay.agents.runner import FinishOnDone, InProcessRunner, TaskHandle, TaskRunner
from assay.agents.scheduler import Scheduler
from assay.agents.views import GameView, OpeningsCache, chain_now, load_game
from assay.agents.work import JobWork, OpsHook, SpecSource, StepsHook
from assay.chain.deploy import ProtocolContracts
from assay.protocol.types import GameId, StepIndex
from assay.store import LocalStore

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class AgentConfig:
    """Settings of one agent process.

    Attributes:
        cursor_path: the persisted cursor (JSON); reuse it to resume after a restart.
        workdir: checkpoints and other local artifacts (one sub-directory per job).
        start_block: first block to scan on a fresh cursor (the deployment block).
        confirmations: blocks behind head treated as final (0 on the devnet).
        min_credit: claim the account's credit once it reaches this many wei (0: never).
        task_store: the artifact store the named tasks (training, op traces) read the spec
            from and write their results to (default `workdir/store`); with Celery workers,
            it and `workdir` must be visible to every worker at the same absolute path.
    """

    cursor_path: Path
    workdir: Path
    start_block: int = 0
    confirmations: int = 0
    min_credit: int = 1
    task_store: Path | None = None


@dataclass(frozen=True)
class Step:
    """One action taken in a tick and what became of it ("started" for local work)."""

    action: Action
    outcome: Outcome | str


class BaseAgent:
    """Shared plumbing; see SolverAgent and VerifierAgent."""

    role = "agent"

    def __init__(
        self,
        protocol: ProtocolContracts,
        specs: SpecSource,
        config: AgentConfig,
        *,
        runner: TaskRunner | None = None,
        steps_hook: StepsHook | None = None,
        ops_hook: OpsHook | None = None,
        progress: TrainingProgress | None = None,
    ) -> None:
        self.protocol = protocol
        self.specs = specs
        self.config = config
        self.me = protocol.market.sender.address
        self.w3 = protocol.market.sender.w3
        self.monitor = Monitor(
            protocol,
            CursorFile(config.cursor_path),
            start_block=config.start_block,
            confirmations=config.confirmations,
        )
        self.responder = Responder(protocol)
        self.scheduler = Scheduler()
        self.runner: TaskRunner = runner if runner is not None else InProcessRunner()
        self.work: dict[int, JobWork] = {}
        self.openings = OpeningsCache()  # game openings read so far (views read new blocks only)
        self.steps_hook, self.ops_hook = steps_hook, ops_hook
        self.progress = progress
        self._task_store: LocalStore | None = None
        self.log = log.bind(agent=self.role, account=self.me)

    # ------------------------------------------------------------------ the loop
    def tick(self) -> list[Step]:
        """One pass: poll events, collect finished work, decide on fresh views, act."""
        self.monitor.poll()
        for w in self.work.values():
            w.collect(self.steps_hook, self.ops_hook)
        self.scheduler.finished()
        now = chain_now(self.w3)
        actions = self.decide_all(now)
        if self.config.min_credit > 0:
            credit = self.protocol.stakes.credit_of(self.me)
            actions.extend(decide_credit(credit, self.config.min_credit))
        steps: list[Step] = []
        for action in self.scheduler.pick(actions):
            if isinstance(action, LOCAL_ACTIONS):
                try:
                    handle = self.start_local(action)
                except Exception as exc:  # e.g. the broker is down: this work only, retried later
                    self.log.warning("agent.work_not_started", work=describe(action),
                                     reason=f"{type(exc).__name__}: {exc}")  # fmt: skip
                    steps.append(Step(action, "failed"))
                    continue
                if handle is not None:
                    self.scheduler.started(action.key, handle)
                    self.log.info("agent.work_started", work=describe(action))
                steps.append(Step(action, "started"))
            else:
                steps.append(Step(action, self.responder.execute(action)))
        return steps

    def decide_all(self, now: int) -> list[Action]:
        raise NotImplementedError

    def game_view(self, game_id: GameId, arity: int) -> GameView:
        """Game `game_id` with its openings and adjudication request, as this agent sees it."""
        return load_game(
            self.protocol.game,
            self.protocol.court,
            game_id,
            self.me,
            arity=arity,
            from_block=self.config.start_block,
            cache=self.openings,
        )

    def isolated(self, what: str, key: int, decide: Callable[[], list[Action]]) -> list[Action]:
        """`decide()` for one job, game or request. If it raises (a shape of game this agent cannot
        play, a node error on one read), only that one is skipped this tick, with one log line:
        the agent keeps playing every other job and game, and retries this one next tick."""
        try:
            return decide()
        except Exception as exc:
            self.log.error("agent.decide_failed", **{what: key},
                           reason=f"{type(exc).__name__}: {exc}")  # fmt: skip
            return []

    # ------------------------------------------------------------------ local work
    def job_work(self, job_id: int) -> JobWork:
        if job_id not in self.work:
            self.work[job_id] = JobWork(self.config.workdir / f"job_{job_id}")
        return self.work[job_id]

    def task_args(self, spec: Any, directory: Path) -> dict[str, Any]:
        """The ids and paths a named task of this job needs (the spec put in the task store)."""
        if self._task_store is None:
            root = self.config.task_store or self.config.workdir / "store"
            self._task_store = LocalStore(root)
        source = getattr(self.specs, "store", None)  # StoreSpecSource: the data file is there
        if isinstance(source, LocalStore) and source.root != self._task_store.root:
            copy_data(spec, source, self._task_store)
        return tasks.task_args(self._task_store, spec, directory)

    def local_work_pending(self) -> bool:
        """Whether local work outside the job cache (e.g. a referee's recomputes) is running or
        finished but not yet collected; the job cache itself is checked by the process loop."""
        return False

    def start_local(self, action: LocalAction) -> TaskHandle | None:
        """Hand local work to the runner; None if it could not start."""
        if isinstance(action, StartTraining | StartReplay):
            spec = self.specs.get(action.spec_hash)
            w = self.job_work(action.job_id)
            if spec is None:
                w.state, w.error = WorkState.FAILED, f"unknown spec {action.spec_hash}"
                self.log.warning(
                    "agent.unknown_spec", job=action.job_id, spec=str(action.spec_hash)
                )
                return None
            kind = "train" if isinstance(action, StartTraining) else "replay"
            progress, job_id = self.progress, int(action.job_id)
            report = progress.reporter(kind, job_id) if progress is not None else None
            try:
                handle = self.runner.submit_task(
                    f"trace-{job_id}", tasks.TRAIN, self.task_args(spec, w.directory), report
                )
            except Exception:  # not submitted (e.g. the broker is down): retried next tick
                if progress is not None:
                    progress.finish(kind, job_id)
                raise
            if progress is not None:
                handle = FinishOnDone(handle, partial(progress.finish, kind, job_id))
            w.spec, w.state, w.task = spec, WorkState.RUNNING, handle
            return handle
        if isinstance(action, StartOpTrace):
            w = self.job_work(action.job_id)
            if w.spec is None or w.state != WorkState.DONE:
                return None
            step = StepIndex(int(action.step))
            kwargs = {**self.task_args(w.spec, w.directory), "step": step}
            handle = self.runner.submit_task(f"ops-{action.job_id}-{step}", tasks.OP_TRACE, kwargs)
            w.op_tasks[step] = handle
            return handle
        return None

    def forget_job(self, job_id: int) -> None:
        self.work.pop(job_id, None)
        self.monitor.forget(jobs={job_id})
