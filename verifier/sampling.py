"""Sampled-segment replay: check K checkpoint-aligned segments of the solver's trace.

`ReplayPolicy` is `full` (replay h_0..h_T, the default) or `sampled(segments=K, seed)`. Sampled:
fetch the solver's manifest (artifactURI), check its step hashes hash to the on-chain traceRoot
and end at finalState, pick K segments [a, b] between consecutive checkpoint steps with the
counter RNG keyed by the verifier's secret `seed` and the job id (the solver cannot predict
them), fetch checkpoint a from the solver's peers, check it hashes to h_a, replay a -> b and
compare every h_i with the manifest. When checkpoints cannot be fetched, only the first segment
(from h_0, built from the spec) is checked, and the result says so. Any failure means "fall back
to a full replay" (verifier/decide.py): a challenge is always backed by a full trace.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.agents.datafiles import fetch_data, load_job_data
from assay.errors import AssayError
from assay.net.blobs import BlobClient
from assay.net.uri import parse_uri
from assay.protocol.merkle import MerkleTree
from assay.protocol.records import Job
from assay.protocol.types import StateHash
from assay.repro import rng
from assay.repro.trainer import Trainer
from assay.store import LocalStore

Segment = tuple[int, int]


@dataclass(frozen=True)
class ReplayPolicy:
    """How a verifier replays: `full`, or `sampled` K segments chosen with a secret seed."""

    mode: str = "full"
    segments: int = 0
    seed: int = 0

    @classmethod
    def full(cls) -> ReplayPolicy:
        return cls()

    @classmethod
    def sampled(cls, segments: int, seed: int) -> ReplayPolicy:
        if segments < 1:
            raise ValueError(f"sampled replay needs at least one segment, got {segments}")
        return cls("sampled", segments, seed)

    @property
    def is_sampled(self) -> bool:
        return self.mode == "sampled"


def all_segments(total_steps: int, checkpoints: Sequence[int]) -> list[Segment]:
    """[a, b] between consecutive checkpoint steps (0 included), the last one ending at T."""
    starts = sorted({0, *(int(c) for c in checkpoints if 0 <= int(c) < total_steps)})
    ends = [*starts[1:], total_steps]
    return [(a, b) for a, b in zip(starts, ends, strict=True) if b > a]


def choose_segments(
    total_steps: int, checkpoints: Sequence[int], k: int, *, seed: int, job_id: int
) -> list[Segment]:
    """K distinct checkpoint-aligned segments (all of them if fewer), sorted; a pure function of
    (seed, job_id) and the checkpoint layout."""
    candidates = all_segments(total_steps, checkpoints)
    if not candidates or k < 1:
        return []
    order = rng.permutation(
        len(candidates), seed=int(seed), purpose=f"verifier/segments/{int(job_id)}"
    )
    picked = sorted(int(i) for i in order[: min(k, len(candidates))].tolist())
    return [candidates[i] for i in picked]


@dataclass(frozen=True)
class SampleResult:
    """The outcome of a sampled replay: ok (attest) or not (fall back to a full replay)."""

    ok: bool
    reason: str
    segments: tuple[Segment, ...] = ()
    trained_steps: int = 0


def _hash(text: object) -> StateHash:
    return StateHash(bytes.fromhex(str(text).removeprefix("0x")))


def manifest_consistent(steps: Sequence[bytes], job: Job) -> str | None:
    """Why the manifest's step hashes disagree with the chain (None if they agree)."""
    if not steps:
        return "the manifest has no step hashes"
    if MerkleTree([StateHash(bytes(s)) for s in steps]).root != bytes(job.trace_root):
        return "the manifest's step hashes do not hash to the on-chain trace root"
    if bytes(steps[-1]) != bytes(job.final_state):
        return "the manifest's last step hash is not the on-chain final state"
    return None


def replay_segment(spec: Any, data: Any, start: Path | None, a: int, b: int) -> list[StateHash]:
    """h_a..h_b: from checkpoint `start` (None: a fresh trainer at h_0, so a must be 0)."""

    trainer = Trainer(spec, data)
    if start is not None:
        trainer.resume(start)
    elif a != 0:
        raise ValueError(f"segment [{a}, {b}] needs a checkpoint")
    if trainer.step != a:
        raise ValueError(f"checkpoint is at step {trainer.step}, expected {a}")
    hashes = [trainer.state_hash()]
    while trainer.step < b:
        trainer.train_step()
        hashes.append(trainer.state_hash())
    return hashes


def sampled_replay(
    spec: Any,
    job: Job,
    store: LocalStore,
    policy: ReplayPolicy,
    *,
    timeout: float = 3.0,
    workdir: Path | None = None,
) -> SampleResult:
    """Check `policy.segments` sampled segments of the solver's trace against its manifest.

    A user data file (`artifact:0x…`) is read from `store`, fetched from the solver's peers if
    missing, and laid out under `workdir` (default: a temporary directory).
    """

    try:
        h, peers = parse_uri(job.artifact_uri)
        client = BlobClient(peers, store, timeout=timeout)
        manifest = json.loads(Path(client.fetch(h)).read_bytes())
        steps = [_hash(s) for s in manifest["steps"]]
        checkpoints = {int(k): str(v) for k, v in dict(manifest.get("checkpoints") or {}).items()}
    except (AssayError, OSError, ValueError, KeyError, TypeError) as exc:
        return SampleResult(False, f"manifest unavailable: {exc}")
    problem = manifest_consistent(steps, job)
    if problem is not None:
        return SampleResult(False, problem)
    total = len(steps) - 1
    if total != int(spec.training.steps):
        want = int(spec.training.steps)
        return SampleResult(False, f"the manifest has {total} steps, the spec {want}")
    segments = choose_segments(
        total, list(checkpoints), policy.segments, seed=policy.seed, job_id=int(job.job_id)
    )
    starts: dict[int, Path | None] = {0: None}
    note = ""
    try:
        for a, _ in segments:
            if a != 0:
                starts[a] = Path(client.fetch(checkpoints[a]))
    except (AssayError, OSError, KeyError) as exc:
        first = all_segments(total, list(checkpoints))[:1]
        segments, starts = first, {0: None}
        note = f" (checkpoints unavailable: {exc}; checked the first segment from h_0 only)"
    try:  # the solver serves the data file it trained on; its hash is in the spec
        fetch_data(spec, store, peers, timeout)
        data = load_job_data(spec, store, workdir)
    except (AssayError, OSError, ValueError) as exc:
        return SampleResult(False, f"the job's data is unavailable: {exc}", tuple(segments))
    trained = 0
    for a, b in segments:
        try:
            mine = replay_segment(spec, data, starts[a], a, b)
        except (AssayError, OSError, ValueError) as exc:
            reason = f"segment [{a}, {b}] failed: {exc}"
            return SampleResult(False, reason, tuple(segments), trained)
        trained += b - a
        for i, got in enumerate(mine, start=a):
            if bytes(got) != bytes(steps[i]):
                return SampleResult(
                    False, f"h_{i} departs from the manifest in segment [{a}, {b}]",
                    tuple(segments), trained,
                )  # fmt: skip
    return SampleResult(
        True, f"{len(segments)} sampled segments match the manifest{note}", tuple(segments), trained
    )


__all__ = [
    "ReplayPolicy",
    "SampleResult",
    "Segment",
    "all_segments",
    "choose_segments",
    "manifest_consistent",
    "replay_segment",
    "sampled_replay",
]
