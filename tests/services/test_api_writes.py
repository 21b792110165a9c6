"""The API's routes that take a body: job-spec validation, and artifact upload (hash-checked,
size-limited) and download (whole or by Range), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.cli.job import STARTER_JOB
from assay.protocol.canonical import spec_hash
from assay.protocol.estimate import estimate
from assay.protocol.spec import parse_spec
from services.db import make_engine
from services.db.models import Artifact
from tests.services.api_app import (
    BACKENDS,
    UPLOAD_LIMIT,
    Api,
    assert_problem,
    client,
    populated_api,
)


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app per backend; each test uploads its own bytes."""
    with populated_api(request.param, tmp_path_factory.mktemp("api")) as running:
        yield running


def sha(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


def _artifact_rows(api: Api, content_hash: str) -> int:
    engine = make_engine(api.url)
    try:
        with Session(engine) as session:
            query = select(func.count()).where(Artifact.content_hash == content_hash)
            return int(session.scalar(query) or 0)
    finally:
        engine.dispose()


def _stored_files(api: Api) -> list[Path]:
    return [p for p in api.store_dir.rglob("*") if p.is_file() and ".tmp" not in p.parts]


# ---------------------------------------------------------------- spec validation


def test_a_valid_toml_spec_gets_its_hash_and_estimate(api: Api) -> None:
    response = api.client.post(
        "/v1/specs/validate", content=STARTER_JOB, headers={"Content-Type": "application/toml"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    spec = parse_spec(STARTER_JOB)
    assert body["valid"] and body["problems"] == []
    assert body["spec_hash"] == "0x" + spec_hash(spec).hex()
    assert body["estimate"]["parameters"] == estimate(spec).parameters
    assert body["graph_hash"] is None and "graph_hash=true" in body["graph_hash_note"]


def test_the_same_spec_as_json_hashes_the_same(api: Api) -> None:
    document = tomllib.loads(STARTER_JOB)
    body = api.client.post("/v1/specs/validate", json=document).json()
    assert body["valid"] and body["spec_hash"] == "0x" + spec_hash(parse_spec(STARTER_JOB)).hex()


def test_an_invalid_spec_lists_every_problem(api: Api) -> None:
    broken = STARTER_JOB.replace("steps = 500", "steps = 0").replace('"relu"', '"swish"')
    response = api.client.post(
        "/v1/specs/validate", content=broken, headers={"Content-Type": "text/plain"}
    )
    body = response.json()
    assert response.status_code == 200 and not body["valid"]
    assert body["spec_hash"] is None and body["estimate"] is None
    assert len(body["problems"]) == 2
    assert any(p.startswith("training.steps = 0") for p in body["problems"])
    assert any(p.startswith("model.activation") for p in body["problems"])


def test_a_toml_syntax_error_is_reported_as_a_problem_with_its_line(api: Api) -> None:
    response = api.client.post(
        "/v1/specs/validate", content=b"version = [", headers={"Content-Type": "application/toml"}
    )
    body = response.json()
    assert response.status_code == 200 and not body["valid"]
    (problem,) = body["problems"]
    assert "not valid TOML" in problem and "line 1" in problem


@pytest.mark.parametrize(
    "content, content_type, fragment",
    [
        (b"\xff\xfe", "application/toml", "not UTF-8"),
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "not a JSON list"),
    ],
)
def test_a_body_that_is_no_document_is_a_422_problem(
    api: Api, content: bytes, content_type: str, fragment: str
) -> None:
    response = api.client.post(
        "/v1/specs/validate", content=content, headers={"Content-Type": content_type}
    )
    assert fragment in assert_problem(response, 422, "invalid-body")["detail"]


def test_a_spec_in_another_media_type_is_a_415_problem(api: Api) -> None:
    response = api.client.post(
        "/v1/specs/validate", content=b"x", headers={"Content-Type": "image/png"}
    )
    body = assert_problem(response, 415, "unsupported-media-type")
    assert "application/toml" in body["detail"]


def test_an_oversized_spec_is_a_413_problem(tmp_path: Path) -> None:
    with client(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "store", max_spec_bytes=64) as c:
        response = c.post(
            "/v1/specs/validate", content=STARTER_JOB, headers={"Content-Type": "application/toml"}
        )
    assert assert_problem(response, 413, "payload-too-large")["limit"] == 64


def test_graph_hash_is_computed_on_request(tmp_path: Path) -> None:
    from assay.repro.graph import graph_hash

    with client(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "store") as c:
        response = c.post(
            "/v1/specs/validate",
            params={"graph_hash": "true"},
            content=STARTER_JOB,
            headers={"Content-Type": "application/toml"},
        )
    body = response.json()
    assert body["graph_hash"] == "0x" + graph_hash(parse_spec(STARTER_JOB)).hex()
    assert body["graph_hash_note"] is None


# ---------------------------------------------------------------- artifacts


def test_upload_stores_verified_bytes_once_and_serves_them(api: Api) -> None:
    data = b"weights of a tiny model " + api.url.encode()
    key = sha(data)
    response = api.client.put(
        f"/v1/artifacts/{key}", content=data, headers={"Content-Type": "application/x-npz"}
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/artifacts/{key}"
    body = response.json()
    assert (body["content_hash"], body["size"], body["media_type"]) == (
        key,
        len(data),
        "application/x-npz",
    )
    again = api.client.put(f"/v1/artifacts/{key.upper().replace('0X', '0x')}", content=data)
    assert again.status_code == 200 and again.json()["created_at"] == body["created_at"]
    assert _artifact_rows(api, key) == 1

    download = api.client.get(f"/v1/artifacts/{key}")
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-type"] == "application/x-npz"
    assert download.headers["accept-ranges"] == "bytes"
    assert download.headers["etag"] == f'"{key}"'
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == f'attachment; filename="{key[2:]}"'
    info = api.client.get(f"/v1/artifacts/{key}/info").json()
    assert info == body


def test_a_malformed_media_type_is_stored_as_octet_stream(api: Api) -> None:
    data = b"typed badly " + api.url.encode()
    response = api.client.put(
        f"/v1/artifacts/{sha(data)}", content=data, headers={"Content-Type": "not a type"}
    )
    assert (
        response.status_code == 201 and response.json()["media_type"] == "application/octet-stream"
    )


@pytest.mark.parametrize(
    "header, start, end",
    [
        ("bytes=0-3", 0, 3),
        ("bytes=5-", 5, 9),
        ("bytes=-3", 7, 9),
        ("bytes=4-4", 4, 4),
        ("bytes=8-1000", 8, 9),
        ("bytes=-50", 0, 9),
    ],
)
def test_range_requests_get_206_with_content_range(
    api: Api, header: str, start: int, end: int
) -> None:
    data = b"0123456789"
    key = sha(data)
    api.client.put(f"/v1/artifacts/{key}", content=data)
    response = api.client.get(f"/v1/artifacts/{key}", headers={"Range": header})
    assert response.status_code == 206, response.text
    assert response.content == data[start : end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/10"
    assert response.headers["content-length"] == str(end - start + 1)


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=99-100", "bytes=-0"])
def test_a_range_past_the_end_is_a_416_problem(api: Api, header: str) -> None:
    data = b"0123456789"
    key = sha(data)
    api.client.put(f"/v1/artifacts/{key}", content=data)
    response = api.client.get(f"/v1/artifacts/{key}", headers={"Range": header})
    assert assert_problem(response, 416, "range-not-satisfiable")["size"] == 10
    assert response.headers["content-range"] == "bytes */10"


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "items=0-3", "bytes=5-2", "bytes=x-"])
def test_a_range_it_cannot_serve_alone_gets_the_whole_artifact(api: Api, header: str) -> None:
    data = b"0123456789"
    key = sha(data)
    api.client.put(f"/v1/artifacts/{key}", content=data)
    response = api.client.get(f"/v1/artifacts/{key}", headers={"Range": header})
    assert response.status_code == 200 and response.content == data


def test_a_hash_mismatch_is_a_400_problem_and_stores_nothing(api: Api) -> None:
    before = _stored_files(api)
    claimed = sha(b"what the client meant")
    response = api.client.put(f"/v1/artifacts/{claimed}", content=b"what it sent")
    body = assert_problem(response, 400, "hash-mismatch")
    assert claimed in body["detail"]
    assert _stored_files(api) == before
    assert _artifact_rows(api, claimed) == 0 and _artifact_rows(api, sha(b"what it sent")) == 0
    assert_problem(api.client.get(f"/v1/artifacts/{claimed}"), 404, "not-found")


def test_an_empty_upload_is_a_422_problem_and_stores_nothing(api: Api) -> None:
    before = _stored_files(api)
    response = api.client.put(f"/v1/artifacts/{sha(b'')}", content=b"")
    body = assert_problem(response, 422, "invalid-body")
    assert "the body is empty" in body["detail"]
    assert _stored_files(api) == before and _artifact_rows(api, sha(b"")) == 0
    assert_problem(api.client.get(f"/v1/artifacts/{sha(b'')}"), 404, "not-found")


def test_an_upload_over_the_limit_is_a_413_problem_and_stores_nothing(api: Api) -> None:
    before = _stored_files(api)
    data = b"x" * (UPLOAD_LIMIT + 1)
    response = api.client.put(f"/v1/artifacts/{sha(data)}", content=data)
    assert assert_problem(response, 413, "payload-too-large")["limit"] == UPLOAD_LIMIT

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
        for _ in range(4):
            yield b"y" * (UPLOAD_LIMIT // 2)

    streamed = api.client.put(f"/v1/artifacts/{sha(b'y' * 2 * UPLOAD_LIMIT)}", content=chunks())
    assert_problem(streamed, 413, "payload-too-large")
    assert _stored_files(api) == before
    assert not list((api.store_dir / ".tmp").iterdir())


def test_an_artifact_put_by_the_cli_is_served_without_a_row(api: Api) -> None:
    from assay.store import LocalStore

    data = json.dumps({"spec": api.url}).encode()
    key = LocalStore(api.store_dir).put_bytes(data)
    info = api.client.get(f"/v1/artifacts/{key}/info").json()
    assert (info["size"], info["created_at"]) == (len(data), None)
    assert api.client.get(f"/v1/artifacts/{key}").content == data


def test_unknown_or_malformed_artifact_hashes_are_problems(api: Api) -> None:
    missing = sha(b"never uploaded")
    assert_problem(api.client.get(f"/v1/artifacts/{missing}"), 404, "not-found")
    assert_problem(api.client.get(f"/v1/artifacts/{missing}/info"), 404, "not-found")
    assert_problem(api.client.get("/v1/artifacts/0x1234"), 422, "invalid-request")
    assert_problem(api.client.put("/v1/artifacts/abc", content=b"x"), 422, "invalid-request")
