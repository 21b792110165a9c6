"""The dispute page names the adjudicated operator from the job's spec (service/operators)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from assay.protocol.canonical import canonical_bytes, spec_hash
from assay.protocol.spec import JobSpec, load_spec
from assay.repro.graph import ops_per_step
from assay.store import LocalStore
from services.api.explorer import views
from services.api.service.operators import NoOperatorName, OperatorName, disputed_operator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digits-mlp.toml"


@pytest.fixture(scope="module")
def spec() -> JobSpec:
    return load_spec(EXAMPLE)


@pytest.fixture
def published(spec: JobSpec, tmp_path: Path) -> tuple[LocalStore, str, str]:
    """A store holding the spec as `job submit` publishes it, its URI and its hash."""
    store = LocalStore(tmp_path / "store")
    content_hash = store.put_bytes(canonical_bytes(spec))
    return store, f"assay://{content_hash}", "0x" + spec_hash(spec).hex()


def test_an_operator_is_named_with_its_layer(published: tuple[LocalStore, str, str]) -> None:
    store, uri, h = published
    first = disputed_operator(store, uri, h, 2)
    assert first == OperatorName(op_index=2, name="aten.addmm.default", layer="net.0")
    relu = disputed_operator(store, uri, h, 3)
    assert isinstance(relu, OperatorName) and relu.name == "aten.relu.default"


def test_the_last_leaf_is_the_end_state(
    spec: JobSpec, published: tuple[LocalStore, str, str]
) -> None:
    store, uri, h = published
    n = ops_per_step(spec)
    assert disputed_operator(store, uri, h, n) == OperatorName(
        op_index=n, name="state hash", layer="end of step (h_s)"
    )
    outside = disputed_operator(store, uri, h, n + 1)
    assert isinstance(outside, NoOperatorName) and "outside" in outside.reason


def test_a_spec_that_is_not_the_jobs_is_not_used(published: tuple[LocalStore, str, str]) -> None:
    store, uri, _ = published
    got = disputed_operator(store, uri, "0x" + "11" * 32, 2)
    assert isinstance(got, NoOperatorName) and "does not hash" in got.reason


def test_a_spec_outside_the_store_or_not_assay_gives_the_reason(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "empty")
    missing = disputed_operator(store, "assay://0x" + "ab" * 32, "0x" + "00" * 32, 2)
    assert isinstance(missing, NoOperatorName) and "not in this API's store" in missing.reason
    file_uri = disputed_operator(store, "file://job.toml", "0x" + "00" * 32, 2)
    assert isinstance(file_uri, NoOperatorName) and "assay://" in file_uri.reason


def test_the_dispute_page_values_carry_the_named_operator(
    published: tuple[LocalStore, str, str],
) -> None:
    """views.dispute_page asks for the last adjudication's operator with the job's spec."""
    store, uri, h = published
    adjudication = SimpleNamespace(op_index=2, step=3, rounds=[], request_id=1)
    game = SimpleNamespace(moves=[], steps=4, solver="0xs", challenger="0xc",
                           adjudications=[adjudication])  # fmt: skip
    job = SimpleNamespace(spec_uri=uri, spec_hash=h)
    values = views.dispute_page(game, job, store)  # type: ignore[arg-type]
    assert values["operator"] == OperatorName(op_index=2, name="aten.addmm.default", layer="net.0")
    game.adjudications = []
    assert views.dispute_page(game, job, store)["operator"] is None  # type: ignore[arg-type]
