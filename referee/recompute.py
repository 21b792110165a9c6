"""How a referee learns the correct output r_j of a disputed operator: the `Recompute` seam and its
replay implementation (train up to the step, record it, take leaf r_j). `referee.peer` is the fast
one (the operator's inputs fetched from peers, checked), falling back to this replay.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from assay.agents import tasks
from assay.agents.datafiles import copy_data
from assay.agents.work import SpecSource
from assay.protocol.records import Job, Request
from assay.protocol.types import StateHash
from assay.store import LocalStore

Recompute = Callable[[Request, Job], StateHash]
"""The correct output r_j of the disputed operator j = request.op_index of step request.step."""


class ReplayRecompute:
    """A referee recompute by replay: train up to the step, record it, take leaf r_j.

    Also a named task (`assay.recompute`, `task_args`), so the agent carrying the referee duty
    runs it through its runner (`RefereeDuty.start`), on a Celery worker when configured; called
    directly, it runs here.
    """

    def __init__(self, specs: SpecSource, workdir: Path, store: Path | None = None) -> None:
        self.specs, self.workdir = specs, workdir
        self.store = LocalStore(store if store is not None else workdir / "store")

    def task_args(self, request: Request, job: Job) -> dict[str, Any]:
        """The ids and paths of `assay.recompute` for this request (the spec put in the store)."""
        spec = self.specs.get(job.spec_hash)
        if spec is None:
            raise LookupError(f"the referee does not know spec {job.spec_hash}")
        directory = self.workdir / f"referee_job_{int(job.job_id)}"
        source = getattr(self.specs, "store", None)  # StoreSpecSource: the data file is there
        if isinstance(source, LocalStore) and source.root != self.store.root:
            copy_data(spec, source, self.store)
        args = tasks.task_args(self.store, spec, directory)
        return {
            **args,
            "step": int(request.step),
            "op_index": int(request.op_index),
            "n_ops": int(job.ops_per_step),
        }

    def __call__(self, request: Request, job: Job) -> StateHash:
        result: StateHash = tasks.call_task(tasks.RECOMPUTE, self.task_args(request, job))
        return result


def replay_recompute(specs: SpecSource, workdir: Path) -> Recompute:
    """A referee recompute by replay (`ReplayRecompute`, checkpoints under `workdir`)."""
    return ReplayRecompute(specs, workdir)
