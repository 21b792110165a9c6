"""The workers' settings, typed and validated at start (pydantic-settings, env vars).

Agents (with `--runner celery`) and workers must agree on the broker, the result backend, the
queue and the key prefix: give them the same environment.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.workers.errors import WorkerConfigError

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
DEFAULT_QUEUE = "assay"
DEFAULT_VISIBILITY_TIMEOUT_S = 3600.0
_QUEUE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PREFIX_RE = re.compile(r"[A-Za-z0-9._:-]*")


class WorkerSettings(BaseSettings):
    """Where tasks are queued and results kept, and how lost tasks come back.

    Environment: ASSAY_BROKER_URL, ASSAY_RESULT_BACKEND, ASSAY_TASK_QUEUE,
    ASSAY_VISIBILITY_TIMEOUT, ASSAY_BROKER_PREFIX, ASSAY_TASK_MAX_RETRIES.
    """

    model_config = SettingsConfigDict(env_prefix="ASSAY_", extra="ignore", frozen=True)

    broker_url: str = DEFAULT_BROKER_URL
    """Redis URL of the broker (`redis://[:password@]host:6379/db`, `rediss://` for TLS)."""
    result_backend: str | None = None
    """Redis URL where task results are kept; unset: the broker's."""
    task_queue: str = DEFAULT_QUEUE
    """The queue agents send to and `assay worker` consumes by default."""
    visibility_timeout: float = Field(default=DEFAULT_VISIBILITY_TIMEOUT_S, gt=0)
    """Seconds after which a task taken by a worker that never acknowledged it (killed, host
    lost) is delivered again. Keep it above your longest task: a task still running after it
    is delivered a second time (which then waits on the first and returns its result)."""
    broker_prefix: str = ""
    """Prefix of every Redis key of the broker and backend (several deployments, or tests,
    sharing one Redis database)."""
    task_max_retries: int = Field(default=3, ge=0)
    """Retries of a task that failed on a transient error (I/O), with exponential backoff."""

    @field_validator("broker_url", "result_backend")
    @classmethod
    def _redis_url(cls, url: str | None) -> str | None:
        if url is not None and urlsplit(url).scheme not in ("redis", "rediss"):
            raise ValueError(
                f"{redact(url)!r} is not a Redis URL; use redis://host:6379/0 (or rediss://)"
            )
        return url

    @field_validator("task_queue")
    @classmethod
    def _queue(cls, name: str) -> str:
        if not _QUEUE_RE.fullmatch(name):
            raise ValueError(f"queue name {name!r}: use letters, digits, '.', '_', '-'")
        return name

    @field_validator("broker_prefix")
    @classmethod
    def _prefix(cls, prefix: str) -> str:
        if not _PREFIX_RE.fullmatch(prefix):
            raise ValueError(f"key prefix {prefix!r}: use letters, digits, '.', '_', ':', '-'")
        return prefix

    @property
    def backend_url(self) -> str:
        """The result backend's URL (the broker's unless ASSAY_RESULT_BACKEND is set)."""
        return self.result_backend or self.broker_url


def load_settings(**overrides: object) -> WorkerSettings:
    """The settings from the environment (and `overrides`); WorkerConfigError if invalid."""
    try:
        return WorkerSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"ASSAY_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise WorkerConfigError(f"invalid worker settings: {problems}") from None


def redact(url: str) -> str:
    """The URL with its password hidden (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))
