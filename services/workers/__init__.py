"""Celery workers: the agents' long work (training, op traces, recomputes) on other processes.

`app.make_app()` builds the Celery app from `WorkerSettings` (env `ASSAY_BROKER_URL`, …) and
registers the named tasks of assay/agents/tasks.py; `runner.CeleryRunner` is the agents'
TaskRunner that sends them; `assay worker` (assay/cli/worker.py) runs a worker. See
docs/services.md, "Workers".
"""
