"""The solver's result manifest: what its artifactURI points at, and the verifier's cross-check.

The manifest is a small canonical JSON artifact in the solver's store:

    {"version": 1, "kind": "assay-trace-manifest", "job_id": 3, "spec_hash": "0x<keccak>",
     "steps": ["0x<h_0>", …, "0x<h_T>"], "trace_root": "0x…", "final_state": "0x…",
     "checkpoints": {"0": "0x<sha256>", "2": "0x<sha256>", …}, "final_weights": "0x<sha256>",
     "metrics": "0x<sha256>"}

`checkpoints` maps a step to the content hash of its safetensors checkpoint (also put in the
store, so peers can fetch them); `final_weights` is the checkpoint of step T (null when T is not
a checkpoint step). `metrics`, when training wrote metrics.json (the losses per step and the
test-split metric, the format `assay repro run` writes), is its content hash (also in the store);
the explorer draws the loss curve from it. The solver submits
`make_uri(manifest_hash, [its BlobServer endpoint])`.

A verifier replays from the spec anyway; it fetches the manifest to cross-check the submitted
trace root and to report the first step where the solver's hash list departs from its replay
(`ManifestChecker`). The check is evidence for logs and humans — decisions stay with replay.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from assay.agents.work import METRICS_FILE, JobWork, Trace
from assay.errors import AssayError
from assay.net.blobs import BlobClient
from assay.net.uri import make_uri, parse_uri
from assay.protocol.canonical import spec_hash
from assay.protocol.merkle import MerkleTree
from assay.protocol.records import Job
from assay.protocol.types import StateHash
from assay.store import LocalStore

log = structlog.get_logger(__name__)

KIND = "assay-trace-manifest"
VERSION = 1


def _hex(b: bytes) -> str:
    return "0x" + bytes(b).hex()


def _checkpoints(directory: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for p in directory.glob("step_*.safetensors"):
        try:
            found[int(p.stem.removeprefix("step_"))] = p
        except ValueError:
            continue
    return dict(sorted(found.items()))


def build_manifest(job_id: int, work: JobWork, store: LocalStore) -> dict[str, Any]:
    """Put the job's checkpoints in the store and describe them with the step hashes."""
    steps = work.steps
    checkpoints = {
        str(step): str(store.put_file(path)) for step, path in _checkpoints(work.directory).items()
    }
    last = str(len(steps) - 1)
    manifest = {
        "version": VERSION,
        "kind": KIND,
        "job_id": int(job_id),
        "spec_hash": _hex(spec_hash(work.spec)) if work.spec is not None else None,
        "steps": [_hex(h) for h in steps],
        "trace_root": _hex(work.trace_root or MerkleTree(steps).root),
        "final_state": _hex(steps[-1]),
        "checkpoints": checkpoints,
        "final_weights": checkpoints.get(last),
    }
    metrics = work.directory / METRICS_FILE
    if metrics.is_file():
        manifest["metrics"] = str(store.put_file(metrics))
    return manifest


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, no whitespace)."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode("ascii")


class ManifestPublisher:
    """The solver's artifact publisher: manifest into the store, URI naming our endpoints."""

    def __init__(self, store: LocalStore, endpoints: Sequence[str]) -> None:
        self.store = store
        self.endpoints = list(endpoints)

    def __call__(self, job_id: int, work: JobWork) -> str:
        manifest = build_manifest(job_id, work, self.store)
        h = self.store.put_bytes(manifest_bytes(manifest))
        uri = make_uri(h, self.endpoints)
        log.info(
            "solver.manifest_published",
            job=int(job_id),
            manifest=str(h),
            checkpoints=len(manifest["checkpoints"]),
            metrics=manifest.get("metrics"),
            uri=uri,
        )
        return uri


@dataclass(frozen=True)
class ManifestCheck:
    """What a verifier learned from the solver's manifest."""

    ok: bool
    reason: str
    first_divergence: int | None = None
    manifest_hash: str | None = None


def first_divergence(mine: Sequence[bytes], theirs: Sequence[bytes]) -> int | None:
    """The first step index where the two hash lists differ (or one ends), None if equal."""
    for i, (a, b) in enumerate(zip(mine, theirs, strict=False)):
        if bytes(a) != bytes(b):
            return i
    if len(mine) != len(theirs):
        return min(len(mine), len(theirs))
    return None


class ManifestChecker:
    """Fetches a job's manifest (local store, else the artifactURI's peers) and compares."""

    def __init__(self, store: LocalStore, *, timeout: float = 3.0) -> None:
        self.store = store
        self.timeout = timeout

    def __call__(self, job: Job, replay: Trace) -> ManifestCheck:
        try:
            h, peers = parse_uri(job.artifact_uri)
            path = BlobClient(peers, self.store, timeout=self.timeout).fetch(h)
            manifest = json.loads(Path(path).read_bytes())
            steps = [StateHash(bytes.fromhex(str(s).removeprefix("0x"))) for s in manifest["steps"]]
            root = bytes.fromhex(str(manifest["trace_root"]).removeprefix("0x"))
        except (AssayError, OSError, ValueError, KeyError, TypeError) as exc:
            return ManifestCheck(False, f"manifest unavailable: {exc}")
        mh = str(h)
        if root != bytes(job.trace_root) or MerkleTree(steps).root != bytes(job.trace_root):
            return ManifestCheck(
                False, "the manifest's hash list does not match the submitted trace root", None, mh
            )
        at = first_divergence(replay, steps)
        if at is None:
            return ManifestCheck(True, "manifest matches the replay", None, mh)
        return ManifestCheck(False, f"the solver's trace departs from the replay at h_{at}", at, mh)
