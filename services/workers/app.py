"""The Celery app: Redis broker and result backend, JSON only, late acknowledgement.

Tasks are the named functions of assay/agents/tasks.py (`assay.train`, `assay.op_trace`,
`assay.recompute`, `assay.ping`), registered unchanged: they take ids and paths and return a
result's content hash. A task is acknowledged only when it finished (`task_acks_late`), so a
worker killed mid-task leaves it unacknowledged and Redis delivers it again after
`visibility_timeout`; a pool process that dies has its task requeued at once
(`task_reject_on_worker_lost`). Each worker process reserves one task at a time
(`worker_prefetch_multiplier=1`): tasks are long, and a reserved task waits behind the running
one. I/O errors (a shared volume's hiccup) are retried with exponential backoff.

`app` (from the environment) serves `celery -A services.workers.app worker`; `assay worker`
and the agents build theirs with `make_app(settings)`.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from assay.agents import tasks
from services.workers.settings import WorkerSettings, load_settings

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError,)
"""Retried with backoff; anything else (a bad spec, a missing checkpoint) fails at once."""
RETRY_BACKOFF_MAX_S = 60


def _transport_options(settings: WorkerSettings) -> dict[str, Any]:
    options: dict[str, Any] = {"socket_connect_timeout": 5}
    if settings.broker_prefix:
        options["global_keyprefix"] = settings.broker_prefix
    return options


def make_app(settings: WorkerSettings | None = None) -> Celery:
    """A Celery app configured from `settings` (default: the environment), tasks registered."""
    s = settings if settings is not None else load_settings()
    app = Celery("assay", broker=s.broker_url, backend=s.backend_url, set_as_current=False)
    timeout = s.visibility_timeout
    broker_options = {
        **_transport_options(s),
        "visibility_timeout": timeout,
        # Sweep for abandoned tasks often enough that a short timeout is honoured.
        "unacked_restore_interval": max(1, min(10, int(timeout // 4))),
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=s.task_queue,
        broker_transport_options=broker_options,
        result_backend_transport_options=_transport_options(s),
        broker_connection_retry_on_startup=True,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        result_expires=7 * 24 * 3600,
        # The tasks log with structlog straight to stderr, not through Celery's stdout proxy.
        worker_redirect_stdouts=False,
    )
    for d in tasks.TASKS.values():
        app.task(
            name=d.name,
            shared=False,
            autoretry_for=TRANSIENT_ERRORS,
            retry_backoff=True,
            retry_backoff_max=RETRY_BACKOFF_MAX_S,
            retry_jitter=True,
            max_retries=s.task_max_retries,
        )(d.run)
    return app


app = make_app()
