"""PeerRecompute's unhappy paths, without a chain: a bundle not published yet is "not yet"
(retried next tick), then a replay; an end-state dispute goes straight to the replay. And a job
on a user data file, recomputed both ways (from the solver's inputs, and by replay)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assay.agents.opinputs import publish_bundle
from assay.agents.specsource import StoreSpecSource
from assay.agents.work import MappingSpecSource
from assay.net.blobs import BlobServer
from assay.net.uri import make_uri
from assay.protocol.canonical import canonical_bytes, spec_hash
from assay.protocol.spec import load_spec
from assay.protocol.types import StateHash
from assay.repro.data import load_dataset
from assay.repro.tracer import trace_step
from assay.repro.trainer import Trainer
from assay.store import LocalStore
from referee.peer import OpInputsPendingError, PeerRecompute
from referee.recompute import ReplayRecompute
from tests.cli.test_job_cli import artifact_job

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


# ------------------------------------------------------------------ a job on a user data file
STEP = 2


@pytest.fixture
def on_user_data(tmp_path: Path) -> Any:
    """A 4-step job on `artifact:0x<sha256>`, its step-2 trace, and a solver store holding the
    data file and the bundle of the first operator that reads another's output."""
    data = tmp_path / "data"
    data.mkdir()
    spec = load_spec(artifact_job(data))
    data_file = next(data.glob("*.npz"))
    dataset = load_dataset(spec.data, int(spec.training.seed), artifact_dir=data)
    trainer = Trainer(spec, dataset)
    trainer.train_step()  # h_1, the state step 2 starts from
    trace = trace_step(spec, dataset, trainer.state, STEP)
    j = next(r.index for r in trace.records if any(x.startswith("op:") for x in r.refs()))
    solver = LocalStore(tmp_path / "solver")
    digest = solver.put_file(data_file)
    publish_bundle(solver, 3, trace, trainer.state, j)
    leaves = trace.leaves()
    request = SimpleNamespace(request_id=1, game_id=1, step=STEP, op_index=j,
                              input=leaves[j - 1], claimed_output=leaves[j])  # fmt: skip
    return SimpleNamespace(spec=spec, digest=digest, solver=solver, request=request,
                           n_ops=len(trace.records), expected=leaves[j])  # fmt: skip


def test_a_job_on_a_user_data_file_is_recomputed_from_the_solver_s_inputs(
    on_user_data: Any, tmp_path: Path
) -> None:
    u = on_user_data
    referee_store = LocalStore(tmp_path / "referee")  # no data file yet: fetched from the solver
    replays: list[int] = []

    def fallback(req: Any, _: Any) -> StateHash:
        replays.append(req.op_index)
        return REPLAYED

    specs = MappingSpecSource({spec_hash(u.spec): u.spec})
    game = SimpleNamespace(n_ops=u.n_ops)
    with BlobServer(u.solver) as server:
        uri = make_uri(u.solver.put_bytes(b"manifest"), [server.endpoint])
        job = SimpleNamespace(job_id=3, spec_hash=spec_hash(u.spec), artifact_uri=uri)
        referee = PeerRecompute(
            specs, referee_store, lambda _: game, fallback,
            timeout=2.0, publish_wait=0.0, workdir=tmp_path / "work",
        )  # fmt: skip
        assert referee(u.request, job) == u.expected
    assert referee.paths == {"op-inputs": 1, "replay": 0} and replays == []
    assert referee_store.has(u.digest)


def test_a_job_on_a_user_data_file_is_recomputed_by_replay(
    on_user_data: Any, tmp_path: Path
) -> None:
    """The replay fallback trains in its own task store: the data file is copied there from
    the spec source's store (where the agent fetched it with the spec)."""
    u = on_user_data
    agent_store = LocalStore(tmp_path / "agent")
    agent_store.put_file(u.solver.path_of(u.digest))
    specs = StoreSpecSource(agent_store)
    specs.note(spec_hash(u.spec), make_uri(agent_store.put_bytes(canonical_bytes(u.spec)), []))
    replay = ReplayRecompute(specs, tmp_path / "replay")
    job = SimpleNamespace(job_id=3, spec_hash=spec_hash(u.spec), ops_per_step=u.n_ops)
    assert replay(u.request, job) == u.expected
    assert replay.store.has(u.digest)
