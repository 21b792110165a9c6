"""`assay worker`: a Celery worker for the agents' named tasks (services/workers).

The worker runs in this process (`app.worker_main`), configured like the agents from the
ASSAY_* environment (services/workers/settings.py). Before starting it checks once that Redis
answers, so a wrong URL is a sentence and exit 1 rather than a retry loop.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from assay.cli.context import fail
from assay.logs import configure as configure_logging
from services.workers.errors import BrokerUnreachableError, WorkerConfigError
from services.workers.settings import load_settings

POOLS = ("prefork", "solo", "threads")


def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="tasks run at the same time")
    ] = 1,
    queues: Annotated[
        str | None,
        typer.Option(
            "--queues", "-Q", help="comma-separated queues to consume (default $ASSAY_TASK_QUEUE)"
        ),
    ] = None,
    loglevel: Annotated[
        str, typer.Option("--loglevel", "-l", help="DEBUG, INFO, WARNING, ERROR")
    ] = "INFO",
    pool: Annotated[
        str,
        typer.Option(
            "--pool",
            help="prefork: a child process per slot (a crashed task does not take the worker "
            "down); solo: in this process; threads",
        ),
    ] = "prefork",
    hostname: Annotated[
        str | None,
        typer.Option("--hostname", "-n", help="worker name (default assay-<pid>@<host>)"),
    ] = None,
) -> None:
    """Run a Celery worker for Assay's tasks: training, op traces, referee recomputes.

    Agents started with `--runner celery` send their work here.
    The worker must see the agents' --state-dir at the same absolute path (host or shared volume).
    Redis: $ASSAY_BROKER_URL (default redis://127.0.0.1:6379/0), $ASSAY_RESULT_BACKEND.
    More settings and a scale-out recipe: docs/services.md, "Workers".

    Examples:

      assay worker

      assay worker --concurrency 2 --loglevel WARNING

      ASSAY_BROKER_URL=redis://broker.lan:6379/0 assay worker --queues assay,gpu --pool solo
    """
    if pool not in POOLS:
        fail(f"--pool must be one of {', '.join(POOLS)}, got {pool!r}")
    try:
        configure_logging(loglevel)
    except ValueError as exc:
        fail(str(exc))

    try:
        # deferred: Celery and redis take ~0.5 s to import; only `assay worker` needs them
        from services.workers.app import make_app
        from services.workers.runner import CeleryRunner

        settings = load_settings()
        app = make_app(settings)
        CeleryRunner(app).check()
    except WorkerConfigError as exc:
        fail(str(exc), "fix or unset that environment variable (docs/services.md, Workers)")
    except BrokerUnreachableError as exc:
        fail(str(exc), "`redis-cli -u $ASSAY_BROKER_URL ping` should answer PONG")
    names = [q.strip() for q in (queues or settings.task_queue).split(",") if q.strip()]
    if not names:
        fail("--queues names no queue", f"e.g. --queues {settings.task_queue}")
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--queues={','.join(names)}",
        f"--loglevel={loglevel.upper()}",
        f"--pool={pool}",
        f"--hostname={hostname or f'assay-{os.getpid()}@%h'}",
        # Neither is needed by Assay's tasks, and mingle alone adds a second to every start.
        "--without-mingle",
        "--without-gossip",
    ]
    app.worker_main(argv)
