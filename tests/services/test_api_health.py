"""Probes, problem+json for every kind of error, the problem-type pages, and an OpenAPI
document that declares every response."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api import ApiSettings, create_app
from services.api.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES
from services.api.service import jobs
from services.db import upgrade
from services.db.migrate import head_revision
from tests.services.api_app import BACKENDS, Api, assert_problem, client, database, populated_api


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with populated_api(request.param, tmp_path_factory.mktemp("api")) as running:
        yield running


def test_healthz_answers_without_a_database(tmp_path: Path) -> None:
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    with client(unreachable, tmp_path / "store") as c:
        response = c.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_the_revision_and_the_indexer(api: Api) -> None:
    body = api.client.get("/readyz").json()
    assert body["status"] == "ready" and body["revision"] == body["head"] == head_revision()
    (indexer,) = body["indexer"]
    assert indexer["deployment_id"] == api.scenario.main and indexer["last_block"] == 2_600
    assert 0 <= indexer["age_s"] < 600


@pytest.mark.parametrize("backend", BACKENDS)
def test_readyz_is_503_until_the_database_is_migrated(backend: str, tmp_path: Path) -> None:
    with database(backend, tmp_path) as url, client(url, tmp_path / "store") as c:
        body = assert_problem(c.get("/readyz"), 503, "not-ready")
        assert "alembic upgrade head" in body["detail"]
        assert body["checks"]["database"] == "ok"
        upgrade(url)
        assert c.get("/readyz").status_code == 200


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    with client(unreachable, tmp_path / "store") as c:
        body = assert_problem(c.get("/readyz"), 503, "not-ready")
    assert body["checks"]["database"] == "unreachable"
    assert "ASSAY_DATABASE_URL" in body["detail"]


def test_reads_before_any_deployment_is_indexed_are_empty(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    with client(url, tmp_path / "store") as c:
        assert c.get("/v1/jobs").json() == {"items": [], "next_cursor": None, "limit": 50}
        assert c.get("/v1/disputes").json()["items"] == []
        assert c.get("/v1/stats").json()["deployment_id"] is None
        assert c.get("/v1/leaderboard").json()["entries"] == []
        assert c.get("/v1/accounts/0x" + "ab" * 20).json()["earned"] == "0"
        assert c.get("/v1/deployments").json() == {"items": []}
        body = assert_problem(c.get("/v1/jobs/1"), 404, "not-found")
        assert "no deployment yet" in body["detail"]


# ---------------------------------------------------------------- problems


def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    assert_problem(api.client.get("/v2/nothing"), 404, "not-found")
    response = api.client.delete("/v1/jobs")
    body = assert_problem(response, 405)
    assert body["type"] == "about:blank" and body["title"] == "Method Not Allowed"
    assert response.headers["allow"] == "GET"
    # Starlette names only the first route of a path; the Allow header names them all.
    artifact = "/v1/artifacts/0x" + "ab" * 32
    response = api.client.post(artifact)
    assert assert_problem(response, 405)["detail"].endswith("use GET, PUT")
    assert response.headers["allow"] == "GET, PUT"


def test_an_unexpected_error_is_a_500_problem_without_internals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: Any, **__: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(jobs, "list_jobs", boom)
    app = create_app(
        ApiSettings(database_url=f"sqlite:///{tmp_path / 'a.db'}", artifact_dir=tmp_path / "s")
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        body = assert_problem(c.get("/v1/jobs"), 500, "internal-error")
    assert "secret" not in body["detail"]


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
def test_every_problem_type_uri_resolves_to_its_description(api: Api, slug: str) -> None:
    body = api.client.get(f"/problems/{slug}").json()
    kind = PROBLEM_TYPES[slug]
    assert body == {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "description": kind.description,
    }


def test_an_unknown_problem_type_is_a_404_problem(api: Api) -> None:
    assert_problem(api.client.get("/problems/teapot"), 404, "not-found")


# ---------------------------------------------------------------- OpenAPI


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_openapi_declares_a_model_and_problem_responses_for_every_route(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    assert len(schema["paths"]) == 14
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert operation.get("description"), (method, path)
        ok = [c for c in responses if c.startswith("2")]
        assert ok, (method, path)
        for code in ok:
            content = responses[code]["content"]
            assert content, (method, path, code)
        assert "500" in responses, (method, path)
        for code, response in responses.items():
            if code[0] in "45":
                assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], (method, path, code)
        if operation.get("parameters"):
            assert "422" in responses, (method, path)
    components = schema["components"]["schemas"]
    assert "HTTPValidationError" not in components
    assert components["Problem"]["examples"]


def test_openapi_declares_the_upload_and_spec_bodies(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    upload = paths["/v1/artifacts/{content_hash}"]["put"]["requestBody"]["content"]
    assert upload["application/octet-stream"]["schema"]["format"] == "binary"
    spec = paths["/v1/specs/validate"]["post"]["requestBody"]["content"]
    assert set(spec) == {"application/toml", "application/json"}
    download = paths["/v1/artifacts/{content_hash}"]["get"]["responses"]
    assert {"200", "206", "404", "416"} <= set(download)
