"""A fresh PostgreSQL database per test (tests run in parallel under xdist).

PostgreSQL runs on every machine of this project's kind, CI included (127.0.0.1:5432, trust auth,
database `test`), so the tests that need it fail, never skip, when it is missing.
$ASSAY_TEST_POSTGRES_URL names another server (an admin URL: its user may CREATE DATABASE).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url

ADMIN_URL_ENV = "ASSAY_TEST_POSTGRES_URL"
CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)


def _admin_url() -> str:
    explicit = os.environ.get(ADMIN_URL_ENV)
    candidates = (explicit,) if explicit else CANDIDATES
    errors = []
    for url in candidates:
        try:
            with psycopg.connect(url, connect_timeout=5):
                return url
        except psycopg.Error as exc:
            errors.append(f"{url}: {str(exc).strip().splitlines()[0]}")
    pytest.fail(
        "PostgreSQL is needed by these tests and is not reachable (" + "; ".join(errors) + "). "
        f"Start it on 127.0.0.1:5432 with trust auth and a `test` database, or set {ADMIN_URL_ENV} "
        "to an admin URL such as postgresql://postgres@127.0.0.1:5432/test",
        pytrace=False,
    )


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database (SQLAlchemy URL, psycopg 3), dropped afterwards."""
    admin = _admin_url()
    name = f"assay_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
