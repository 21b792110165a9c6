"""The TaskRunner seam: long local work (training, replay, op traces) off the tick loop.

Two ways to hand work over: `submit(key, fn)` runs a closure, `submit_task(key, name, kwargs)`
runs a named task of assay/agents/tasks.py whose arguments are ids and paths only. Agents use
named tasks for training, replay and op traces, so a runner may send those elsewhere:
`InProcessRunner` (a thread pool) and `InlineRunner` (tests) call the task here, the Celery
runner (services/workers) sends it to a worker. A key names the work so the agent asks once
per key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

ProgressFn = Callable[[int, int, float | None], None]
"""Called with (step, total steps, loss or None) by tasks that report progress."""


class TaskHandle(Protocol):
    """A submitted task."""

    def done(self) -> bool:
        """True once it finished (successfully or not)."""
        ...

    def result(self) -> Any:
        """Its return value; re-raises its exception. Only call once done()."""
        ...


class TaskRunner(Protocol):
    """Runs work somewhere and returns a handle to poll."""

    def submit(self, key: str, fn: Callable[[], Any]) -> TaskHandle:
        """Run the closure `fn` (always in this process)."""
        ...

    def submit_task(
        self, key: str, name: str, kwargs: Mapping[str, Any], progress: ProgressFn | None = None
    ) -> TaskHandle:
        """Run the named task (assay.agents.tasks.TASKS); the handle's result() is its value.

        `progress` is called as the task advances where the runner can (in-process only).
        """
        ...


def _call_task(name: str, kwargs: Mapping[str, Any], progress: ProgressFn | None) -> Any:
    from assay.agents.tasks import call_task  # tasks imports work, which imports this module

    return call_task(name, kwargs, progress)


class InProcessRunner:
    """A thread pool (keep `workers` small: torch already uses every core it is given)."""

    def __init__(self, workers: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="assay-task")
        self._futures: dict[str, Future[Any]] = {}

    def submit(self, key: str, fn: Callable[[], Any]) -> TaskHandle:
        future = self._pool.submit(fn)
        self._futures[key] = future
        return future

    def submit_task(
        self, key: str, name: str, kwargs: Mapping[str, Any], progress: ProgressFn | None = None
    ) -> TaskHandle:
        args = dict(kwargs)
        return self.submit(key, lambda: _call_task(name, args, progress))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every submitted task finished (tests and shutdown); True if all did."""
        pending = [f for f in self._futures.values() if not f.done()]
        _, not_done = wait(pending, timeout=timeout)
        return not not_done

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class _Done:
    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value, self._error = value, error

    def done(self) -> bool:
        return True

    def result(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._value


class InlineRunner:
    """Runs each task at once in the caller's thread (deterministic unit tests)."""

    def submit(self, key: str, fn: Callable[[], Any]) -> TaskHandle:
        try:
            return _Done(fn())
        except Exception as exc:
            return _Done(error=exc)

    def submit_task(
        self, key: str, name: str, kwargs: Mapping[str, Any], progress: ProgressFn | None = None
    ) -> TaskHandle:
        args = dict(kwargs)
        return self.submit(key, lambda: _call_task(name, args, progress))


class FinishOnDone:
    """A handle that calls `finish()` once, the first time the task is seen done."""

    def __init__(self, handle: TaskHandle, finish: Callable[[], None]) -> None:
        self._handle, self._finish, self._finished = handle, finish, False

    def done(self) -> bool:
        done = self._handle.done()
        if done and not self._finished:
            self._finished = True
            self._finish()
        return done

    def result(self) -> Any:
        return self._handle.result()
