"""Progress of the agents' training and replay runs, fed from the TaskRunner's thread.

`train_trace(..., progress=fn)` calls `fn(step, total, loss)` after every step. A
`TrainingProgress` hands out such callbacks (`reporter(kind, job_id)`), keeps the latest figures
of each running job under a lock, and optionally logs `train.progress` every 10%. It is also a
rich renderable (one line per running job), which `assay solver|verifier run` shows in a Live
display when stdout is a terminal. With a `TelemetryPublisher` every training step is also
published as a `ProgressEvent` on `job/<id>` (what `assay job watch --telemetry` reads). Nothing
here ever blocks the training thread for long: a zmq publish drops what no subscriber takes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import structlog
import zmq
from rich.console import Group
from rich.text import Text

from assay.net.errors import NetError
from assay.net.telemetry import ProgressEvent, TelemetryPublisher

log = structlog.get_logger(__name__)

ProgressFn = Callable[[int, int, float | None], None]
"""Called with (step, total steps, training loss of that step or None)."""


@dataclass
class JobProgress:
    """The latest figures of one running training or replay."""

    kind: str
    job_id: int
    step: int = 0
    total: int = 0
    loss: float | None = None
    logged_decile: int = 0

    def line(self) -> str:
        """`train job 3: step 120/500 (24%) loss 0.4312`."""
        pct = 100 * self.step // self.total if self.total else 0
        loss = "" if self.loss is None else f" loss {self.loss:.4f}"
        return f"{self.kind} job {self.job_id}: step {self.step}/{self.total} ({pct}%){loss}"


class TrainingProgress:
    """Thread-safe progress of the running jobs; logs `train.progress` every 10% if `log_steps`,
    publishes each training step's loss on `telemetry` if given."""

    def __init__(
        self, *, log_steps: bool = True, telemetry: TelemetryPublisher | None = None
    ) -> None:
        self.log_steps = log_steps
        self.telemetry = telemetry
        self._lock = threading.Lock()
        self._jobs: dict[tuple[str, int], JobProgress] = {}
        self._telemetry_failed = False

    def reporter(self, kind: str, job_id: int) -> ProgressFn:
        """The callback for one run (`kind` is "train" or "replay")."""
        key = (kind, int(job_id))
        with self._lock:
            self._jobs[key] = JobProgress(kind, int(job_id))

        def report(step: int, total: int, loss: float | None) -> None:
            decile = 10 * step // total if total > 0 else 10
            with self._lock:
                p = self._jobs.get(key)
                if p is None:
                    p = self._jobs[key] = JobProgress(kind, int(job_id))
                p.step, p.total = step, total
                if loss is not None:
                    p.loss = loss
                due = self.log_steps and decile > p.logged_decile
                if due:
                    p.logged_decile = decile
                if step >= total:
                    del self._jobs[key]
            if due:
                log.info(
                    "train.progress", kind=kind, job=int(job_id), step=step, total=total, loss=loss
                )
            if kind == "train" and loss is not None:
                self._publish(ProgressEvent(int(job_id), step, loss, total=total))

        return report

    def _publish(self, event: ProgressEvent) -> None:
        """Send one event; a failing socket is logged once and never stops training."""
        if self.telemetry is None:
            return
        try:
            self.telemetry.publish_progress(event)
        except (NetError, zmq.ZMQError) as exc:
            if not self._telemetry_failed:
                self._telemetry_failed = True
                log.warning("telemetry.publish_failed", job=event.job_id, reason=str(exc))

    def finish(self, kind: str, job_id: int) -> None:
        """Drop a run (finished or failed) from the display."""
        with self._lock:
            self._jobs.pop((kind, int(job_id)), None)

    def running(self) -> list[JobProgress]:
        """A copy of the running jobs' figures."""
        with self._lock:
            return [JobProgress(**vars(p)) for p in self._jobs.values()]

    def __rich__(self) -> Group:
        return Group(*(Text(p.line(), style="cyan") for p in self.running()))
