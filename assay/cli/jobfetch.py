"""`assay job result|fetch`: what a solver delivered, and its trained model brought home.

A solver's artifactURI names its trace manifest (assay/agents/manifest.py), which names the
final weights by content hash. `result` reads the manifest (local store, else the URI's peers)
and names the weights; `fetch` downloads them, checks that they hash to the final state on chain,
writes `model.safetensors` and evaluates the job's metric on the spec's test split.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from assay.agents.datafiles import fetch_data, load_job_data
from assay.agents.specsource import SpecUnavailableError, StoreSpecSource
from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    ChainOptions,
    DeploymentFile,
    DevAccount,
    KeystoreFile,
    RpcUrl,
    connect,
    fail,
)
from assay.cli.explain import explained
from assay.cli.jobcommon import JobIdArg, StoreDir, job_document, status_name
from assay.cli.output import JsonFlag, console, emit_json
from assay.errors import AssayError
from assay.net.blobs import BlobClient
from assay.net.errors import NetError, UriError
from assay.net.uri import make_uri, parse_uri
from assay.protocol.records import Job
from assay.protocol.types import JobId, JobStatus
from assay.store import DEFAULT_STORE, LocalStore
from assay.store.errors import StoreError
from assay.store.hashing import ContentHash

MANIFEST_KIND = "assay-trace-manifest"
MODEL_FILE = "model.safetensors"

VERDICTS = {
    JobStatus.FINALIZED: "final: accepted and paid",
    JobStatus.FAILED: "REJECTED: a challenger proved it wrong",
    JobStatus.SUBMITTED: "submitted, still inside the challenge window",
}

Timeout = Annotated[
    float,
    typer.Option("--timeout", min=0.1, metavar="SECONDS", help="seconds to wait for each peer"),
]


class ResultUnavailableError(AssayError):
    """The solver's manifest or weights could not be read, or are not what the job committed."""


@dataclass(frozen=True)
class Delivery:
    """What the artifactURI leads to: the manifest's hash and the final weights' hash."""

    manifest: str
    weights: str | None
    peers: tuple[str, ...]


def read_delivery(job: Job, store: LocalStore, timeout: float) -> Delivery:
    """Read the job's manifest (local store, else its peers) and the weights it names."""
    try:
        manifest_hash, peers = parse_uri(job.artifact_uri)
    except UriError as exc:
        raise ResultUnavailableError(
            f"the artifact URI {job.artifact_uri!r} is not an assay:// URI ({exc})"
        ) from None
    try:
        path = BlobClient(peers, store, timeout=timeout).fetch(str(manifest_hash))
        manifest = json.loads(Path(path).read_bytes())
    except (NetError, StoreError, OSError) as exc:
        err = ResultUnavailableError(f"cannot fetch the solver's manifest {manifest_hash}: {exc}")
        err.hint = "the solver serves it while its agent runs; retry later or ask its operator"
        raise err from None
    except ValueError:
        raise ResultUnavailableError(
            f"artifact {manifest_hash} is not a trace manifest (not JSON)"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != MANIFEST_KIND:
        raise ResultUnavailableError(f"artifact {manifest_hash} is not a trace manifest")
    weights = manifest.get("final_weights")
    return Delivery(str(manifest_hash), str(weights) if weights else None, tuple(peers))


def result(
    job_id: JobIdArg,
    as_json: JsonFlag = False,
    timeout: Timeout = 3.0,
    store: StoreDir = DEFAULT_STORE,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Show a job's result: final state, trace root, and the trained weights' artifact.

    Example: assay job result 3 --json
    """
    with explained():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account), signing=False)
        job = chain.protocol.market.get_job(JobId(job_id))
        now = chain.now()
    _require_result(job)
    local = LocalStore(store)
    try:
        delivery: Delivery | None = read_delivery(job, local, timeout)
        problem = ""
    except ResultUnavailableError as exc:
        delivery, problem = None, str(exc)
    weights = ContentHash(delivery.weights) if delivery and delivery.weights else None
    model_file = str(local.path_of(weights)) if weights and local.has(weights) else None
    if as_json:
        emit_json(
            job_document(job, now)
            | {
                "final_state": job.final_state.to_hex(),
                "trace_root": job.trace_root.to_hex(),
                "artifact_uri": job.artifact_uri,
                "manifest": delivery.manifest if delivery else None,
                "weights": weights,
                "model_file": model_file,
                "problem": problem or None,
            }
        )
        return
    if delivery is None:
        weights_line = f"unknown: {problem}"
    elif weights is None:
        weights_line = "none: the manifest names no final weights (T is not a checkpoint step)"
    else:
        weights_line = weights
    rows = [
        ("status", f"{status_name(job.status)} ({VERDICTS.get(job.status, '')})"),
        ("solver", job.solver),
        ("final state", job.final_state.to_hex()),
        ("trace root", job.trace_root.to_hex()),
        ("artifact URI", f"{job.artifact_uri} (trace manifest)"),
        ("weights", weights_line),
        ("model file", model_file or f"not here yet: `assay job fetch {job_id}` downloads it"),
    ]
    for label, value in rows:
        console.print(f"{label + ':':14}{value}", soft_wrap=True, markup=False)


def _require_result(job: Job) -> None:
    if not job.submitted_at:
        fail(
            f"job {job.job_id} has no result yet (it is {status_name(job.status)})",
            f"follow it with `assay job watch {job.job_id}`",
        )


def fetch(
    job_id: JobIdArg,
    out: Annotated[
        Path,
        typer.Option("--out", metavar="DIR", help="directory to write model.safetensors into"),
    ] = Path("."),
    as_json: JsonFlag = False,
    timeout: Timeout = 10.0,
    store: StoreDir = DEFAULT_STORE,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Download a job's trained model from the solver's peers, verify it, print its metric.

    The weights must hash to the job's final state on chain; the metric is the spec's,
    computed on its test split.

    Example: assay job fetch 3 --out models/job3
    """
    with explained():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account), signing=False)
        job = chain.protocol.market.get_job(JobId(job_id))
    _require_result(job)
    local = LocalStore(store)
    with explained():
        delivery = read_delivery(job, local, timeout)
        if delivery.weights is None:
            raise ResultUnavailableError(
                f"the manifest of job {job_id} names no final weights: the last step is not a "
                "checkpoint step, so the solver kept none"
            )
        try:
            weights = BlobClient(delivery.peers, local, timeout=timeout).fetch(delivery.weights)
        except (NetError, StoreError) as exc:
            raise ResultUnavailableError(f"cannot fetch the weights: {exc}") from None
        name, metric = _check_and_evaluate(job, weights, delivery.peers, local, timeout)
    out.mkdir(parents=True, exist_ok=True)
    target = out / MODEL_FILE
    shutil.copyfile(weights, target)
    document: dict[str, Any] = {
        "job_id": job_id,
        "status": status_name(job.status),
        "weights": delivery.weights,
        "final_state": job.final_state.to_hex(),
        "model_file": str(target),
        "metric": name,
        "value": metric,
    }
    if as_json:
        emit_json(document)
        return
    if job.status == JobStatus.FAILED:
        console.print("[bold red]warning:[/] this result was proven wrong in a dispute game")
    console.print(f"wrote {target} (sha256 {delivery.weights})", soft_wrap=True, markup=False)
    console.print(f"weights hash to the final state on chain {job.final_state.to_hex()}")
    console.print(f"{name}: {metric:.4f} (on the spec's test split)", markup=False)


def _check_and_evaluate(
    job: Job, weights: Path, solver_peers: tuple[str, ...], store: LocalStore, timeout: float
) -> tuple[str, float]:
    """Check the weights' state hash against the chain, then the spec's metric on them.

    The spec comes from its URI's peers, else from the solver's (which fetched it to train)."""
    # deferred: loads torch (~2 s); keeps `assay --help` light
    from assay.repro.state import load_checkpoint, state_hash
    from assay.repro.trainer import Trainer

    state = load_checkpoint(weights)
    if bytes(state_hash(state)) != bytes(job.final_state):
        raise ResultUnavailableError(
            f"the weights {weights.name} hash to {state_hash(state).to_hex()}, not to the final "
            f"state on chain {job.final_state.to_hex()}; refusing them"
        )
    specs = StoreSpecSource(store, fetch_timeout=timeout)
    try:
        spec = specs.resolve(bytes(job.spec_hash), job.spec_uri)
    except SpecUnavailableError:
        content_hash, _ = parse_uri(job.spec_uri)
        spec = specs.resolve(bytes(job.spec_hash), make_uri(content_hash, solver_peers))
    fetch_data(spec, store, solver_peers, timeout)  # a no-op when the data came with the spec
    with tempfile.TemporaryDirectory(prefix="assay-fetch-") as scratch:
        trainer = Trainer(spec, load_job_data(spec, store, Path(scratch)))
        trainer.resume(state)
        return str(spec.evaluation.metric), float(trainer.evaluate())
