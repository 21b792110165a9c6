"""Redis slices for the worker tests.

Redis runs on every machine of this project's kind, CI included (127.0.0.1:6379), so the tests
that need it fail, never skip, when it is missing; $ASSAY_TEST_REDIS_URL names another one.
Each `Broker` gets its own key prefix and queue, so tests running in parallel (xdist, other
checkouts) on one Redis never see each other's tasks; `cleanup()` deletes its keys.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

import pytest
import redis

from services.workers.app import make_app
from services.workers.runner import CeleryRunner
from services.workers.settings import WorkerSettings

REDIS_URL_ENV = "ASSAY_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url() -> str:
    """The test Redis URL; fails the test (with what to do) if it does not answer."""
    url = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is needed by these tests and {url} does not answer ({exc}); start "
            f"redis-server on 127.0.0.1:6379 or set {REDIS_URL_ENV}",
            pytrace=False,
        )
    return url


@dataclass
class Broker:
    """One isolated slice of Redis: a key prefix and a queue of its own."""

    url: str
    visibility_timeout: float = 3600.0
    tag: str = field(default_factory=lambda: secrets.token_hex(4))

    def settings(self) -> WorkerSettings:
        return WorkerSettings(
            broker_url=self.url,
            task_queue=f"assay-test-{self.tag}",
            broker_prefix=f"assay-test-{self.tag}:",
            visibility_timeout=self.visibility_timeout,
        )

    def runner(self) -> CeleryRunner:
        return CeleryRunner(make_app(self.settings()))

    def cleanup(self) -> None:
        client = redis.Redis.from_url(self.url)
        keys = list(client.scan_iter(match=f"assay-test-{self.tag}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
