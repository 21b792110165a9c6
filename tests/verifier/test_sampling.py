"""verifier.sampling: segment selection, the sampled decision, and a sampled check of a real
(tiny) training run against a manifest in a local store."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from assay.agents.actions import Attest, Challenge, StartReplay, StartSampledReplay, WorkState
from assay.agents.manifest import build_manifest, manifest_bytes
from assay.agents.work import JobWork, train_trace
from assay.net.blobs import BlobServer
from assay.net.uri import make_uri, parse_uri
from assay.protocol.merkle import MerkleTree
from assay.protocol.records import Job
from assay.protocol.spec import JobSpec, load_spec, spec_from_dict
from assay.protocol.types import JobId, StateHash
from assay.store import LocalStore
from assay.store.hashing import ContentHash
from tests.agents.fakes import CHEAT, ME, OTHER, STEPS, job
from tests.cli.test_job_cli import artifact_job
from tests.verifier.test_decide import MINE
from verifier.decide import VerifierLocal, decide
from verifier.sampling import (
    ReplayPolicy,
    all_segments,
    choose_segments,
    manifest_consistent,
    sampled_replay,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"
CHECKPOINTS = list(range(0, 101, 10))


# ------------------------------------------------------------------ segment selection
def test_segments_are_checkpoint_aligned_and_cover_the_trace() -> None:
    assert all_segments(7, [0, 2, 4, 6]) == [(0, 2), (2, 4), (4, 6), (6, 7)]
    assert all_segments(6, [0, 2, 4, 6]) == [(0, 2), (2, 4), (4, 6)]
    assert all_segments(6, []) == [(0, 6)]


def test_choose_segments_is_deterministic_in_range_and_aligned() -> None:
    picked = choose_segments(100, CHECKPOINTS, 3, seed=42, job_id=7)
    assert picked == choose_segments(100, CHECKPOINTS, 3, seed=42, job_id=7)
    assert len(picked) == 3 and len(set(picked)) == 3 and picked == sorted(picked)
    for a, b in picked:
        assert 0 <= a < b <= 100 and a in CHECKPOINTS and b - a == 10


def test_choose_segments_depends_on_the_seed_and_the_job() -> None:
    by_seed = {tuple(choose_segments(100, CHECKPOINTS, 2, seed=s, job_id=1)) for s in range(8)}
    by_job = {tuple(choose_segments(100, CHECKPOINTS, 2, seed=1, job_id=j)) for j in range(8)}
    assert len(by_seed) > 1 and len(by_job) > 1


def test_choose_segments_takes_all_when_k_is_large() -> None:
    assert choose_segments(6, [0, 2, 4], 9, seed=1, job_id=1) == [(0, 2), (2, 4), (4, 6)]
    with pytest.raises(ValueError):
        ReplayPolicy.sampled(0, 1)


# ------------------------------------------------------------------ the decision
SAMPLED = VerifierLocal(sampled=True)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (SAMPLED, [StartSampledReplay]),
        (dataclasses.replace(SAMPLED, sample=WorkState.RUNNING), []),
        (dataclasses.replace(SAMPLED, sample=WorkState.DONE, sample_ok=True), [Attest]),
        (dataclasses.replace(SAMPLED, sample=WorkState.DONE, sample_ok=False), [StartReplay]),
        (dataclasses.replace(SAMPLED, sample=WorkState.FAILED), [StartReplay]),
        (VerifierLocal(), [StartReplay]),
    ],
    ids=["start", "running", "pass attests", "mismatch replays", "error replays", "full"],
)
def test_sampled_decision(local: VerifierLocal, expected: list[type]) -> None:
    actions = decide(job(assigned=MINE, solver=OTHER), [], local, 1201, ME)
    assert [type(a) for a in actions] == expected


def test_a_challenge_needs_the_full_replay() -> None:
    cheated = job(
        assigned=MINE, solver=OTHER, final_state=CHEAT[-1], trace_root=MerkleTree(CHEAT).root
    )
    failed = dataclasses.replace(SAMPLED, sample=WorkState.DONE, sample_ok=False)
    assert [type(a) for a in decide(cheated, [], failed, 1201, ME)] == [StartReplay]
    replayed = dataclasses.replace(
        failed, replay=WorkState.DONE, steps=STEPS, trace_root=MerkleTree(STEPS).root
    )
    assert [type(a) for a in decide(cheated, [], replayed, 1201, ME)] == [Challenge]


def test_manifest_must_match_the_chain() -> None:
    chain = job(solver=OTHER).job
    assert manifest_consistent(STEPS, chain) is None
    assert "trace root" in str(manifest_consistent(CHEAT, chain))
    assert manifest_consistent((), chain) is not None


# ------------------------------------------------------------------ a real sampled check
def small_spec(steps: int) -> JobSpec:
    raw = load_spec(EXAMPLE).model_dump(mode="json")
    raw["training"]["steps"] = steps
    raw["checkpoint"]["interval"] = 2
    return spec_from_dict(raw)


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[JobSpec, JobWork, Path]:
    tmp = tmp_path_factory.mktemp("sampled")
    spec = small_spec(6)
    work = JobWork(tmp / "work", spec=spec)
    work.steps = train_trace(spec, work.directory)
    work.trace_root = MerkleTree(work.steps).root
    return spec, work, tmp


def publish(
    work: JobWork, store: LocalStore, steps: tuple[StateHash, ...], peers: list[str] | None = None
) -> Job:
    manifest = build_manifest(3, work, store)
    manifest["steps"] = ["0x" + bytes(s).hex() for s in steps]
    uri = make_uri(store.put_bytes(manifest_bytes(manifest)), peers or [])
    return dataclasses.replace(
        job(solver=OTHER).job,
        job_id=JobId(3),
        artifact_uri=uri,
        final_state=steps[-1],
        trace_root=MerkleTree(steps).root,
    )


def test_sampled_check_passes_an_honest_trace_training_only_the_segments(
    solved: tuple[JobSpec, JobWork, Path], tmp_path: Path
) -> None:
    spec, work, _ = solved
    store = LocalStore(tmp_path / "store")
    chain = publish(work, store, work.steps)
    result = sampled_replay(spec, chain, store, ReplayPolicy.sampled(1, 5))
    assert result.ok, result.reason
    assert len(result.segments) == 1 and result.trained_steps == 2 < 6


def test_sampled_check_catches_a_corrupt_segment(
    solved: tuple[JobSpec, JobWork, Path], tmp_path: Path
) -> None:
    spec, work, _ = solved
    store = LocalStore(tmp_path / "store")
    steps = list(work.steps)
    steps[3] = StateHash(b"\x01" * 32)
    chain = publish(work, store, tuple(steps))  # consistent with the chain, wrong in [2, 4]
    result = sampled_replay(spec, chain, store, ReplayPolicy.sampled(3, 5))
    assert not result.ok and "h_3" in result.reason


def test_sampled_check_without_checkpoints_checks_the_first_segment_only(
    solved: tuple[JobSpec, JobWork, Path], tmp_path: Path
) -> None:
    spec, work, _ = solved
    store = LocalStore(tmp_path / "store")
    chain = publish(work, store, work.steps)
    bare = LocalStore(tmp_path / "bare")  # the manifest only: no checkpoint blobs, no peers
    bare.put_bytes(store.get_bytes(parse_uri(chain.artifact_uri).content_hash))
    result = sampled_replay(spec, chain, bare, ReplayPolicy.sampled(3, 5), timeout=0.2)
    assert result.ok, result.reason
    assert result.segments == ((0, 2),) and "first segment from h_0 only" in result.reason


# ------------------------------------------------------------------ a job on a user data file
@pytest.fixture(scope="module")
def on_user_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[JobSpec, JobWork, Path]:
    """A 4-step job on `artifact:0x<sha256>` (an .npz), trained; and the data file."""
    tmp = tmp_path_factory.mktemp("user-data")
    data = tmp / "data"
    data.mkdir()
    spec = load_spec(artifact_job(data))
    work = JobWork(tmp / "work", spec=spec)
    work.steps = train_trace(spec, work.directory, artifact_dir=data)
    work.trace_root = MerkleTree(work.steps).root
    return spec, work, next(data.glob("*.npz"))


def test_sampled_check_of_a_job_on_a_user_data_file_fetches_it_from_the_solver(
    on_user_data: tuple[JobSpec, JobWork, Path], tmp_path: Path
) -> None:
    spec, work, data_file = on_user_data
    solver = LocalStore(tmp_path / "solver")  # the manifest, checkpoints and the data file
    digest = solver.put_file(data_file)
    assert digest == ContentHash("0x" + data_file.stem)
    verifier = LocalStore(tmp_path / "verifier")
    with BlobServer(solver) as server:
        chain = publish(work, solver, work.steps, [server.endpoint])
        result = sampled_replay(
            spec, chain, verifier, ReplayPolicy.sampled(2, 5), workdir=tmp_path / "job_3"
        )
    assert result.ok, result.reason
    assert result.segments == ((0, 2), (2, 4)) and result.trained_steps == 4
    assert verifier.has(digest)
    assert (tmp_path / "job_3" / "data" / data_file.name).read_bytes() == data_file.read_bytes()


def test_sampled_check_without_the_user_data_file_falls_back_to_a_full_replay(
    on_user_data: tuple[JobSpec, JobWork, Path], tmp_path: Path
) -> None:
    spec, work, data_file = on_user_data
    store = LocalStore(tmp_path / "store")  # manifest and checkpoints, no data file, no peers
    chain = publish(work, store, work.steps)
    result = sampled_replay(spec, chain, store, ReplayPolicy.sampled(2, 5), timeout=0.2)
    assert not result.ok
    assert "data is unavailable" in result.reason and data_file.stem in result.reason
