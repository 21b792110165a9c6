"""Local work of the agents: where specs come from, training/replay traces and op traces.

`SpecSource` is the seam for fetching a job's spec by its hash (a local mapping here;
`assay.agents.specsource.StoreSpecSource` fetches from peers). `train_trace` runs the job and
keeps checkpoints in a directory; `step_trace` / `step_op_trace` rebuild the state before a step
from the nearest checkpoint and record the step's operators (r_0..r_N). `JobWork` is the
agent's cache of both per job: it is only a cache, a restarted agent recomputes it (training
is deterministic).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from assay.agents.actions import WorkState
from assay.agents.runner import TaskHandle
from assay.protocol.merkle import MerkleTree
from assay.protocol.types import StateHash, StepIndex

log = structlog.get_logger(__name__)

if TYPE_CHECKING:
    from assay.repro.state import TrainState
    from assay.repro.tracer import StepTrace

Trace = tuple[StateHash, ...]


class SpecSource(Protocol):
    """Finds the JobSpec whose canonical hash is `spec_hash` (None if unknown)."""

    def get(self, spec_hash: bytes) -> Any | None: ...


class MappingSpecSource:
    """Specs from a local mapping spec_hash -> JobSpec (peer fetching comes later)."""

    def __init__(self, specs: Mapping[bytes, Any]) -> None:
        self._specs = {bytes(k): v for k, v in specs.items()}

    def get(self, spec_hash: bytes) -> Any | None:
        return self._specs.get(bytes(spec_hash))


def _checkpoint(directory: Path, step: int) -> Path:
    return directory / f"step_{step}.safetensors"


def train_trace(
    spec: Any,
    checkpoint_dir: Path,
    progress: Callable[[int, int, float | None], None] | None = None,
    artifact_dir: Path | None = None,
    metrics: bool = False,
) -> Trace:
    """h_0..h_T of `spec`, with step_0 and every checkpoint.interval-th state saved.

    `progress(step, total, loss)` is called after every step (assay.agents.progress);
    `artifact_dir` holds a user data file (assay.agents.datafiles.data_dir); with `metrics`,
    the losses and the test-split metric go to `checkpoint_dir`/metrics.json (`write_metrics`).
    """
    # deferred: loads torch (~2 s); keeps this path light
    from assay.repro.data import load_dataset
    from assay.repro.trainer import Trainer

    data = load_dataset(spec.data, int(spec.training.seed), artifact_dir=artifact_dir)
    trainer = Trainer(spec, data, checkpoint_dir=checkpoint_dir)
    trainer.save(_checkpoint(checkpoint_dir, 0))
    total = int(spec.training.steps)
    hashes: list[StateHash] = []
    losses: list[float] = []
    for r in trainer.run():
        hashes.append(r.state_hash)
        if r.loss is not None:
            losses.append(r.loss)
            if progress is not None:
                progress(r.step, total, r.loss)
    if metrics:
        write_metrics(checkpoint_dir, spec, losses, _evaluate(trainer), hashes[-1])
    return tuple(hashes)


def _evaluate(trainer: Any) -> float | None:
    """The test-split metric, or None if evaluating fails: metrics never cost a job its result."""
    try:
        # After the last state hash: evaluating reads the weights and changes none of them.
        return float(trainer.evaluate())
    except Exception as exc:  # an auxiliary figure: the trace is already complete
        log.warning("train.evaluate_failed", reason=f"{type(exc).__name__}: {exc}")
        return None


METRICS_FILE = "metrics.json"
"""The training metrics in a job's work directory, as `assay repro run` writes them."""


def write_metrics(
    directory: Path, spec: Any, losses: list[float], metric: float | None, final: StateHash
) -> Path:
    """`{"loss": [l_1..l_T], "metric": name, name: value, "final_state_hash": "0x…"}` (no
    value when the metric could not be computed)."""
    name = str(spec.evaluation.metric)
    doc: dict[str, Any] = {"loss": losses, "metric": name, "final_state_hash": "0x" + final.hex()}
    if metric is not None:
        doc[name] = metric
    path = directory / METRICS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")))
    tmp.replace(path)
    return path


def step_trace(
    spec: Any, checkpoint_dir: Path, step: int, artifact_dir: Path | None = None
) -> tuple[StepTrace, TrainState]:
    """Step `step`'s op trace with its values, and the state it starts from (h_{step-1}).

    Rebuilt from the nearest checkpoint at or before step - 1 (training forward from it).
    """
    # deferred: loads torch (~2 s); keeps this path light
    from assay.repro.data import load_dataset
    from assay.repro.tracer import trace_step
    from assay.repro.trainer import Trainer

    saved = sorted(
        int(p.stem.removeprefix("step_"))
        for p in checkpoint_dir.glob("step_*.safetensors")
        if int(p.stem.removeprefix("step_")) <= step - 1
    )
    if not saved:
        raise FileNotFoundError(f"no checkpoint at or before step {step - 1} in {checkpoint_dir}")
    data = load_dataset(spec.data, int(spec.training.seed), artifact_dir=artifact_dir)
    trainer = Trainer(spec, data)
    trainer.resume(_checkpoint(checkpoint_dir, saved[-1]))
    while trainer.step < step - 1:
        trainer.train_step()
    state = trainer.state
    return trace_step(spec, data, state, step), state


def step_op_trace(
    spec: Any, checkpoint_dir: Path, step: int, artifact_dir: Path | None = None
) -> Trace:
    """r_0..r_N of `step` (1-based), from the nearest checkpoint at or before step - 1."""
    return tuple(step_trace(spec, checkpoint_dir, step, artifact_dir)[0].leaves())


# A hook a test uses to play a cheating solver: rewrite the step trace / one step's op trace.
StepsHook = Callable[[Trace], Trace]
OpsHook = Callable[[int, Trace], Trace]


@dataclass
class JobWork:
    """The agent's cache for one job: its trace, op traces and the tasks computing them."""

    directory: Path
    spec: Any = None
    state: WorkState = WorkState.NONE
    steps: Trace = ()
    trace_root: StateHash | None = None
    op_traces: dict[StepIndex, Trace] = field(default_factory=dict)
    task: TaskHandle | None = None
    op_tasks: dict[StepIndex, TaskHandle] = field(default_factory=dict)
    error: str = ""

    def collect(self, steps_hook: StepsHook | None = None, ops_hook: OpsHook | None = None) -> None:
        """Take the results of finished tasks."""
        if self.task is not None and self.task.done():
            try:
                steps: Trace = self.task.result()
                self.steps = steps_hook(steps) if steps_hook else steps
                self.trace_root = MerkleTree(self.steps).root
                self.state = WorkState.DONE
            except Exception as exc:
                self.state, self.error = WorkState.FAILED, f"{type(exc).__name__}: {exc}"
            self.task = None
        for step, handle in list(self.op_tasks.items()):
            if handle.done():
                del self.op_tasks[step]
                try:
                    ops: Trace = handle.result()
                    self.op_traces[step] = ops_hook(step, ops) if ops_hook else ops
                except Exception as exc:
                    self.error = f"op trace of step {step}: {type(exc).__name__}: {exc}"

    @property
    def op_pending(self) -> frozenset[StepIndex]:
        return frozenset(self.op_tasks)
