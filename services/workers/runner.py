"""`CeleryRunner`: the agents' TaskRunner that sends named tasks to Celery workers.

`submit_task(key, name, kwargs)` sends the task (`app.send_task`, JSON arguments) and returns a
`CeleryHandle`: `done()` asks the result backend once (never blocks), `result()` reads the
result artifact from the shared store and returns the same value the in-process runners do
(`assay.agents.tasks.load_result`), or re-raises the task's error. Closures (`submit(key, fn)`:
sampled checks, publishing operator inputs, peer recomputes) cannot travel: they run on a local
thread pool, as with InProcessRunner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import redis
import structlog
from celery import Celery

from assay.agents import tasks
from assay.agents.runner import InProcessRunner, ProgressFn, TaskHandle
from services.workers.app import make_app
from services.workers.errors import BrokerUnreachableError, WorkerError
from services.workers.settings import WorkerSettings, load_settings, redact

log = structlog.get_logger(__name__)


class TaskFailedError(WorkerError):
    """A task ended on a worker without a result (revoked, or its error could not be read)."""


class CeleryHandle:
    """A task sent to Celery; polled by the agent's tick."""

    def __init__(self, result: Any, name: str, kwargs: Mapping[str, Any]) -> None:
        self._result, self.name, self.kwargs = result, name, dict(kwargs)

    @property
    def id(self) -> str:
        """The Celery task id."""
        return str(self._result.id)

    def done(self) -> bool:
        return bool(self._result.ready())

    def result(self) -> Any:
        r = self._result
        if not r.ready():
            raise TaskFailedError(f"task {self.name} {self.id} has not finished; poll done()")
        if not r.successful():
            error = r.result
            if isinstance(error, Exception):
                raise error
            raise TaskFailedError(f"task {self.name} {self.id} ended {r.state}: {error!r}")
        return tasks.load_result(self.name, self.kwargs, str(r.result))


def check_redis(url: str, what: str, timeout: float = 3.0) -> None:
    """Ping the Redis at `url`; BrokerUnreachableError (password hidden) if it does not answer."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        reason = str(exc).rstrip(".")
        raise BrokerUnreachableError(
            f"cannot reach the Celery {what} at {redact(url)} ({reason}); start Redis there or "
            "point ASSAY_BROKER_URL (and ASSAY_RESULT_BACKEND) at a running one"
        ) from None


class CeleryRunner:
    """Named tasks to Celery workers; closures on a local thread pool.

    Args:
        app: the Celery app (default `make_app(settings)`).
        settings: used when `app` is not given (default: the environment).
        local: where closures run (default a one-thread InProcessRunner).
    """

    reports_progress = False
    """Workers train in other processes: no progress callback reaches the agent."""

    def __init__(
        self,
        app: Celery | None = None,
        *,
        settings: WorkerSettings | None = None,
        local: InProcessRunner | None = None,
    ) -> None:
        if app is None:
            app = make_app(settings if settings is not None else load_settings())
        self.app = app
        self.queue = str(app.conf.task_default_queue)
        self._local = local if local is not None else InProcessRunner()

    def check(self, timeout: float = 3.0) -> None:
        """Raise BrokerUnreachableError unless the broker and the result backend answer."""
        check_redis(str(self.app.conf.broker_url), "broker", timeout)
        backend = str(self.app.conf.result_backend)
        if backend != str(self.app.conf.broker_url):
            check_redis(backend, "result backend", timeout)

    def workers(self, timeout: float = 1.0) -> list[str]:
        """The workers that answer within `timeout` and consume this runner's queue."""
        replies = self.app.control.inspect(timeout=timeout).active_queues() or {}
        return sorted(
            name
            for name, queues in replies.items()
            if any(q.get("name") == self.queue for q in queues or [])
        )

    def submit(self, key: str, fn: Callable[[], Any]) -> TaskHandle:
        return self._local.submit(key, fn)

    def submit_task(
        self, key: str, name: str, kwargs: Mapping[str, Any], progress: ProgressFn | None = None
    ) -> CeleryHandle:
        tasks.task_def(name, kwargs)  # a typo fails here, not on a worker
        result = self.app.send_task(name, kwargs=dict(kwargs), queue=self.queue)
        log.info("worker.task_sent", key=key, task=name, id=str(result.id), queue=self.queue)
        return CeleryHandle(result, name, kwargs)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the local closures (Celery tasks are polled by the agent)."""
        return self._local.wait(timeout)

    def shutdown(self) -> None:
        self._local.shutdown()
        self.app.close()
