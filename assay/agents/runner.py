"""The TaskRunner seam: long local work (training, replay, op traces) off the tick loop.

`InProcessRunner` runs tasks on a thread pool; a Celery-backed runner (services/workers) can
implement the same two-method protocol. A key names the work so the agent asks once per key.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Protocol


class TaskHandle(Protocol):
    """A submitted task."""

    def done(self) -> bool:
        """True once it finished (successfully or not)."""
        ...

    def result(self) -> Any:
        """Its return value; re-raises its exception. Only call once done()."""
        ...


class TaskRunner(Protocol):
    """Runs `fn` somewhere and returns a handle to poll."""

    def submit(self, key: str, fn: Callable[[], Any]) -> TaskHandle: ...


class InProcessRunner:
    """A thread pool (keep `workers` small: torch already uses every core it is given)."""

    def __init__(self, workers: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="assay-task")
        self._futures: dict[str, Future[Any]] = {}

    def submit(self, key: str, fn: Callable[[], Any]) -> TaskHandle:
        future = self._pool.submit(fn)
        self._futures[key] = future
        return future

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
