"""PeerRecompute's unhappy paths, without a chain: a bundle not published yet is "not yet"
(retried next tick), then a replay; an end-state dispute goes straight to the replay."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assay.agents.work import MappingSpecSource
from assay.net.blobs import BlobServer
from assay.net.uri import make_uri
from assay.protocol.canonical import spec_hash
from assay.protocol.spec import load_spec
from assay.protocol.types import StateHash
from assay.store import LocalStore
from referee.peer import OpInputsPendingError, PeerRecompute

ROOT = Path(__file__).resolve().parents[2]
REPLAYED = StateHash(b"\x0f" * 32)


@pytest.fixture
def parts(tmp_path: Path) -> Any:
    spec = load_spec(ROOT / "examples" / "digits-mlp.toml")
    solver_store = LocalStore(tmp_path / "solver")  # serves nothing under the bundle's name
    with BlobServer(solver_store) as server:
        uri = make_uri(solver_store.put_bytes(b"manifest"), [server.endpoint])
        job = SimpleNamespace(job_id=3, spec_hash=spec_hash(spec), artifact_uri=uri)
        request = SimpleNamespace(request_id=1, game_id=1, step=2, op_index=5,
                                  input=StateHash(b"\x01" * 32), claimed_output=b"")  # fmt: skip
        replays: list[int] = []

        def fallback(req: Any, j: Any) -> StateHash:
            replays.append(req.op_index)
            return REPLAYED

        def referee(n_ops: int, wait: float) -> PeerRecompute:
            game = SimpleNamespace(n_ops=n_ops)
            return PeerRecompute(MappingSpecSource({spec_hash(spec): spec}),
                                 LocalStore(tmp_path / "referee"), lambda _: game, fallback,
                                 timeout=0.5, publish_wait=wait)  # fmt: skip

        yield SimpleNamespace(job=job, request=request, replays=replays, referee=referee)


def test_an_unpublished_bundle_is_retried_then_replayed(parts: Any) -> None:
    patient = parts.referee(n_ops=102, wait=60.0)
    with pytest.raises(OpInputsPendingError, match="not published yet"):
        patient(parts.request, parts.job)
    assert parts.replays == [] and patient.paths == {"op-inputs": 0, "replay": 0}

    impatient = parts.referee(n_ops=102, wait=0.0)
    assert impatient(parts.request, parts.job) == REPLAYED
    assert parts.replays == [5] and impatient.paths == {"op-inputs": 0, "replay": 1}


def test_an_end_state_dispute_is_replayed_without_asking_peers(parts: Any) -> None:
    parts.request.op_index = 102
    referee = parts.referee(n_ops=102, wait=60.0)
    assert referee(parts.request, parts.job) == REPLAYED
    assert referee.paths == {"op-inputs": 0, "replay": 1}
