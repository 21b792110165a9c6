"""`python -m bench.workers`: what a Celery round trip costs over the in-process runner.

Medians over N runs, all in one run of this command, on one machine:

- `assay.ping` (does nothing): submit -> result, through InProcessRunner (a thread) and through
  CeleryRunner to a local `assay worker` (Redis at $ASSAY_BROKER_URL, default localhost);
- a small training task (digits MLP, --steps steps, a fresh workdir per run so no result is
  reused): `train_trace` called directly, then the named task through both runners.

Handles are polled every 0.1 ms, backing off to 5 ms; an agent polls once per tick
(`--interval`), which is not counted here. The first run of each kind is a warm-up (torch
import, dataset load in the worker's pool process) and is not counted. The worker gets its own
queue and key prefix and its keys are deleted afterwards.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from assay.agents import tasks
from assay.agents.runner import InProcessRunner, TaskHandle
from assay.agents.work import train_trace
from assay.logs import configure as configure_logging
from assay.store import LocalStore
from bench import digits_mlp
from services.workers.app import make_app
from services.workers.process import WorkerProcess
from services.workers.runner import CeleryRunner
from services.workers.settings import WorkerSettings, load_settings

POLL_S = 0.0001
POLL_MAX_S = 0.005


@dataclass(frozen=True)
class Row:
    """One measured configuration."""

    task: str
    runner: str
    times: list[float]

    @property
    def median_ms(self) -> float:
        return 1000 * statistics.median(self.times)


def _round_trip(submit: Callable[[], TaskHandle]) -> tuple[float, Any]:
    """Seconds from submit to the result read, and the result.

    The poll interval grows from POLL_S to POLL_MAX_S: tight enough to time a ping, sparse
    enough not to steal the GIL from an in-process training thread for long."""
    start = time.perf_counter()
    handle = submit()
    pause = POLL_S
    while not handle.done():
        time.sleep(pause)
        pause = min(pause * 1.5, POLL_MAX_S)
    value = handle.result()
    return time.perf_counter() - start, value


def _measure(runs: int, once: Callable[[int], float]) -> list[float]:
    """`runs` timings after one warm-up. Configurations are measured one block after the
    other, not interleaved: torch's idle OpenMP threads keep spinning for a while after a
    step, and would slow a worker process that trains right after this one did."""
    once(-1)
    return [once(i) for i in range(runs)]


def run(
    ping_runs: int, train_runs: int, steps: int, settings: WorkerSettings, pool: str = "prefork"
) -> list[Row]:
    """Start a worker, measure every configuration, stop the worker; the rows measured."""
    spec = digits_mlp(steps)
    with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
        root = Path(tmp)
        store = LocalStore(root / "store")
        local, celery = InProcessRunner(), CeleryRunner(make_app(settings))
        worker = WorkerProcess(settings, root / "worker.log", pool=pool)
        try:
            worker.wait_ready()

            def ping(runner: Any) -> Callable[[int], float]:
                return lambda i: _round_trip(lambda: runner.submit_task("p", tasks.PING, {}))[0]

            def train(runner: Any, name: str) -> Callable[[int], float]:
                def once(i: int) -> float:
                    kwargs = tasks.task_args(store, spec, root / name / str(i))
                    return _round_trip(lambda: runner.submit_task("t", tasks.TRAIN, kwargs))[0]

                return once

            def direct(i: int) -> float:
                start = time.perf_counter()
                train_trace(spec, root / "direct" / str(i))
                return time.perf_counter() - start

            task = f"train {steps} steps"
            return [
                Row("ping", "in-process", _measure(ping_runs, ping(local))),
                Row("ping", f"celery ({pool})", _measure(ping_runs, ping(celery))),
                Row(task, "direct train_trace", _measure(train_runs, direct)),
                Row(task, "in-process", _measure(train_runs, train(local, "l"))),
                Row(task, f"celery ({pool})", _measure(train_runs, train(celery, "c"))),
            ]
        finally:
            worker.stop()
            local.shutdown()
            celery.shutdown()


def _cleanup(settings: WorkerSettings) -> None:
    client = redis.Redis.from_url(settings.broker_url)
    keys = list(client.scan_iter(match=f"{settings.broker_prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def table(rows: list[Row]) -> str:
    """A markdown table: median, min and the overhead over the first row of the same task."""
    lines = [
        "| task | runner | runs | median ms | min ms | overhead vs in-process ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    base = {r.task: r.median_ms for r in rows if r.runner == "in-process"}
    for r in rows:
        over = f"{r.median_ms - base[r.task]:+.1f}" if r.runner.startswith("celery") else ""
        lines.append(
            f"| {r.task} | {r.runner} | {len(r.times)} | {r.median_ms:.1f} | "
            f"{1000 * min(r.times):.1f} | {over} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ping-runs", type=int, default=50)
    parser.add_argument("--train-runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--pool", choices=("prefork", "solo", "threads"), default="prefork")
    args = parser.parse_args(argv)
    configure_logging("WARNING")
    tag = secrets.token_hex(4)
    settings = replace_settings(load_settings(), f"assay-bench-{tag}")
    try:
        rows = run(args.ping_runs, args.train_runs, args.steps, settings, args.pool)
    finally:
        _cleanup(settings)
    print(table(rows))


def replace_settings(settings: WorkerSettings, name: str) -> WorkerSettings:
    """The settings with their own queue and key prefix (`name`)."""
    return settings.model_copy(update={"task_queue": name, "broker_prefix": f"{name}:"})


__all__ = ["Row", "main", "replace_settings", "run", "table"]

if __name__ == "__main__":
    main()
