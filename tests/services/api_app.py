"""Isolated API apps for tests: a migrated database of either backend, populated with the
api_rows scenario, an artifact store in a temp dir, and a TestClient on them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from services.api import ApiSettings, create_app
from services.db import make_engine, upgrade
from tests.services import pg
from tests.services.api_rows import Scenario, populate

BACKENDS = ["sqlite", "postgresql"]
UPLOAD_LIMIT = 1024


@dataclass(frozen=True)
class Api:
    """A running test app and what its database holds."""

    client: TestClient
    scenario: Scenario
    url: str
    store_dir: Path


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    """An empty database of `backend` (its URL)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'assay.db'}"
    else:
        with pg.fresh_database() as url:
            yield url


@contextmanager
def client(url: str, store_dir: Path, **settings: Any) -> Iterator[TestClient]:
    """A TestClient on a fresh app over `url` (raising server errors, as tests want)."""
    app = create_app(
        ApiSettings(
            database_url=url,
            artifact_dir=store_dir,
            **{"max_upload_bytes": UPLOAD_LIMIT, **settings},
        )
    )
    with TestClient(app) as test_client:
        yield test_client


@contextmanager
def populated_api(backend: str, tmp: Path) -> Iterator[Api]:
    """The scenario in a migrated database of `backend`, served by a fresh app."""
    with database(backend, tmp) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session, session.begin():
                scenario = populate(session)
        finally:
            engine.dispose()
        with client(url, tmp / "store") as test_client:
            yield Api(client=test_client, scenario=scenario, url=url, store_dir=tmp / "store")


def assert_problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem of `status` (and type `slug`)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["instance"] == response.request.url.path
    if slug is not None:
        assert body["type"] == f"/problems/{slug}"
    return body
