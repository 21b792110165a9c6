"""`assay worker` as a child process: for the benchmark, tests and local scripts.

The worker runs in its own process group, so `kill()` (SIGKILL) takes its pool children down
with it, exactly like a lost host: nothing is acknowledged, nothing cleaned up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from services.workers.settings import WorkerSettings


def worker_env(settings: WorkerSettings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment that gives a worker (or an agent) these settings."""
    env = dict(os.environ if base is None else base)
    env.update(
        ASSAY_BROKER_URL=settings.broker_url,
        ASSAY_RESULT_BACKEND=settings.backend_url,
        ASSAY_TASK_QUEUE=settings.task_queue,
        ASSAY_BROKER_PREFIX=settings.broker_prefix,
        ASSAY_VISIBILITY_TIMEOUT=str(settings.visibility_timeout),
        ASSAY_TASK_MAX_RETRIES=str(settings.task_max_retries),
    )
    return env


def wait_for(condition: Callable[[], bool], timeout: float, what: str, poll: float = 0.02) -> None:
    """Poll `condition` until it holds; TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


class WorkerProcess:
    """`assay worker --concurrency N --loglevel INFO` with `settings`, output to `log_path`."""

    def __init__(
        self,
        settings: WorkerSettings,
        log_path: Path,
        *,
        concurrency: int = 1,
        pool: str = "prefork",
    ) -> None:
        self.log_path = log_path
        self._log: IO[Any] = open(log_path, "ab")  # noqa: SIM115 (closed by kill/stop)
        argv = [sys.executable, "-m", "assay.cli.main", "worker", "--concurrency",
                str(concurrency), "--pool", pool, "--loglevel", "INFO"]  # fmt: skip
        self.proc = subprocess.Popen(
            argv,
            env=worker_env(settings),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        """What the worker printed so far."""
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Block until the worker consumes its queue; RuntimeError if it exits first."""

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the worker exited with {self.proc.returncode}:\n{self.output()}"
                )
            return " ready." in self.output()

        wait_for(ready, timeout, "the worker to be ready", poll=0.05)

    def kill(self) -> None:
        """SIGKILL the worker and its pool."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        self._log.close()

    def stop(self) -> None:
        """Warm shutdown (SIGTERM: running tasks finish), SIGKILL after 30 s."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(30)
        self._log.close()

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
