"""The referee's recompute: one operator from inputs fetched from peers, checked, replayed.

For a request (job, step s, op j) the referee
1. derives record j's shape from the spec (`opinputs.ShapeTracer`: step s up to op j from
   the initial state — no peer is trusted for which kernel runs on which scalars);
2. resolves `op_inputs_name(job, s, j)` at the peers named in the job's artifact URI and
   fetches the bundle and its tensors (every byte hash-checked by the blob client);
3. checks every input against the agreed records (`opinputs.check_inputs`): the records
   1..j-1 must chain from r_0 to the agreed leaf r_{j-1}, state entries must be leaves of
   h_{s-1} = r_0;
4. recomputes the one operator with `replay_op` and votes the resulting leaf r_j.

While the solver may still be publishing the bundle (`publish_wait` seconds from the first
try), a recompute raises OpInputsPendingError and the agent retries on its next tick.
If the bundle is then unavailable or fails a check (a withholding or lying solver, a dead peer),
or the dispute is about the end state r_N (no operator), the referee falls back to the
`fallback` recompute (a replay of the job up to step s): slower, never a wrong vote.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog

from assay.agents.datafiles import fetch_data, load_job_data
from assay.agents.opinputs import (
    Agreed,
    OpInputsError,
    ShapeTracer,
    check_inputs,
    load_bundle,
    load_tensors,
    op_inputs_name,
    recompute_leaf,
)
from assay.agents.work import SpecSource
from assay.errors import AssayError
from assay.net.blobs import BlobClient
from assay.net.errors import ArtifactUnavailableError
from assay.net.uri import parse_uri
from assay.protocol.records import Game, Job, Request
from assay.protocol.types import GameId, StateHash
from assay.store import LocalStore
from referee.recompute import Recompute

log = structlog.get_logger(__name__)

GameReader = Callable[[GameId], Game]


class OpInputsPendingError(OpInputsError):
    """The solver has not published the operator's inputs yet (retry on a later tick)."""


class PeerRecompute:
    """A `Recompute` that fetches the operator's inputs from peers (see module docstring).

    `paths` counts how requests were answered ("op-inputs" or "replay"), for logs and tests.
    A job's user data file is read from `store` (fetched from the job's peers if missing) and
    laid out under `workdir` (default: a temporary directory).
    """

    def __init__(
        self,
        specs: SpecSource,
        store: LocalStore,
        games: GameReader,
        fallback: Recompute,
        *,
        timeout: float = 5.0,
        publish_wait: float = 10.0,
        workdir: Path | None = None,
    ) -> None:
        self.specs, self.store, self.games, self.fallback = specs, store, games, fallback
        self.workdir = workdir
        self.timeout, self.publish_wait = timeout, publish_wait
        self._first_try: dict[int, float] = {}
        self.paths: dict[str, int] = {"op-inputs": 0, "replay": 0}
        self._shape_tracers: dict[bytes, ShapeTracer] = {}

    def __call__(self, request: Request, job: Job) -> StateHash:
        try:
            leaf = self.from_peers(request, job)
        except OpInputsPendingError:
            raise  # the agent retries on a later tick
        except (AssayError, OSError, ValueError, KeyError) as exc:
            log.warning("referee.fallback_replay", request=int(request.request_id),
                        job=int(job.job_id), step=request.step, op=request.op_index,
                        reason=str(exc))  # fmt: skip
            self.paths["replay"] += 1
            return self.fallback(request, job)
        self.paths["op-inputs"] += 1
        return leaf

    def from_peers(self, request: Request, job: Job) -> StateHash:
        """r_j from the fetched, checked inputs; raises if anything does not hold."""
        spec = self.specs.get(job.spec_hash)
        if spec is None:
            raise OpInputsError(f"the referee does not know spec {job.spec_hash}")
        g = self.games(request.game_id)
        if request.op_index >= g.n_ops:
            raise OpInputsError(f"op {request.op_index} is the end state r_N, not an operator")
        _, peers = parse_uri(job.artifact_uri)
        client = BlobClient(peers, self.store, timeout=self.timeout)
        name = op_inputs_name(int(job.job_id), request.step, request.op_index)
        # Resolve first: while the solver is still publishing, a retry costs one round trip,
        # not a shape derivation.
        doc = load_bundle(client.fetch(self._resolve(client, name, int(request.request_id))))
        if doc.get("job_id") != int(job.job_id):
            raise OpInputsError(f"bundle is for job {doc.get('job_id')}, not {int(job.job_id)}")
        tensors = load_tensors(client.fetch(str(doc.get("tensors"))))
        fetch_data(spec, self.store, peers, self.timeout)  # a user data file: the solver has it
        expected = self._shapes(spec, job).record(request.step, request.op_index)
        agreed = Agreed(request.input, request.step, request.op_index)
        inputs = check_inputs(doc, tensors, expected, agreed)
        leaf = recompute_leaf(expected, inputs, request.input)
        log.info("referee.recomputed", request=int(request.request_id), job=int(job.job_id),
                 step=request.step, op=request.op_index, kernel=expected.record.op,
                 inputs=len(inputs), agrees_with_solver=leaf == request.claimed_output)  # fmt: skip
        return leaf

    def _resolve(self, client: BlobClient, name: str, request_id: int) -> str:
        """The bundle's hash. The solver publishes it when its game reaches adjudication, so a
        referee drawn at that moment may ask first: for `publish_wait` seconds after the first
        try, a missing name is "not yet" (the agent retries next tick), then it is a failure."""
        try:
            return client.resolve(name)
        except ArtifactUnavailableError:
            first = self._first_try.setdefault(request_id, time.monotonic())
            if time.monotonic() - first < self.publish_wait:
                raise OpInputsPendingError(f"{name} is not published yet; retrying") from None
            raise

    def _shapes(self, spec: Any, job: Job) -> ShapeTracer:
        """One ShapeTracer (dataset, model) per spec, kept for the process's life."""
        key = bytes(job.spec_hash)
        if key not in self._shape_tracers:
            data = load_job_data(spec, self.store, self.workdir)
            self._shape_tracers[key] = ShapeTracer(spec, data)
        return self._shape_tracers[key]


__all__ = ["OpInputsPendingError", "PeerRecompute"]
