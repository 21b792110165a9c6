"""A job's training metrics, when the artifact its result names is in the API's store.

The job's artifactURI (`assay://0x<sha256>?peer=…`) names the artifact the solver published. The
explorer reads it if the API's store holds it and it is one of:

- a metrics document, as `assay repro run` writes metrics.json:
  {"loss": [l_1, …, l_T], "metric": "<name>", "<name>": <value>, …};
- a trace manifest (assay.agents.manifest) with a "metrics" key naming such a document's hash.

The solver's manifest names the metrics.json its training wrote; a job whose artifacts this store
lacks (or an older manifest without "metrics") has none: `job_metrics` then says why, and the
explorer shows it instead of a curve.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import BaseModel

from assay.errors import AssayError
from assay.net.uri import parse_uri
from assay.store import ContentHash, LocalStore

MAX_METRICS_BYTES = 8 * 1024 * 1024  # a metrics document is small; never read a checkpoint
MANIFEST_KIND = "assay-trace-manifest"


class TrainingMetrics(BaseModel):
    """The per-step training loss and the final metric of a job, from one stored artifact."""

    content_hash: str
    losses: list[float]
    metric_name: str | None
    metric_value: float | None


class NoMetrics(BaseModel):
    """Why a job shows no metrics."""

    reason: str


def job_metrics(store: LocalStore, artifact_uri: str | None) -> TrainingMetrics | NoMetrics:
    """The metrics the job's result artifact leads to, or why there are none."""
    if artifact_uri is None:
        return NoMetrics(reason="no metrics artifact: no result submitted yet")
    try:
        content_hash = parse_uri(artifact_uri).content_hash
    except AssayError:
        return NoMetrics(reason="no metrics artifact: the result's artifact URI is not assay://")
    doc = _read_json(store, content_hash)
    if doc is None:
        return NoMetrics(reason="no metrics artifact in this API's store")
    if doc.get("kind") == MANIFEST_KIND:
        named = doc.get("metrics")
        if not isinstance(named, str):
            return NoMetrics(reason="no metrics artifact: the solver's manifest names none")
        try:
            content_hash = ContentHash(named)
        except AssayError:
            return NoMetrics(reason="no metrics artifact: the manifest's metrics hash is invalid")
        doc = _read_json(store, content_hash)
        if doc is None:
            return NoMetrics(reason="no metrics artifact in this API's store")
    metrics = _metrics(str(content_hash), doc)
    if metrics is None:
        return NoMetrics(reason="no metrics artifact: the stored artifact holds no loss curve")
    return metrics


def _read_json(store: LocalStore, content_hash: ContentHash) -> dict[str, Any] | None:
    """The artifact as a JSON object, or None (absent, too large, corrupt, not JSON)."""
    try:
        if not store.has(content_hash) or store.size(content_hash) > MAX_METRICS_BYTES:
            return None
        doc = json.loads(store.get_bytes(content_hash))
    except (AssayError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _metrics(content_hash: str, doc: dict[str, Any]) -> TrainingMetrics | None:
    losses = doc.get("loss")
    if not isinstance(losses, list) or not losses or not all(_finite(x) for x in losses):
        return None
    name = doc.get("metric")
    value = doc.get(name) if isinstance(name, str) else None
    return TrainingMetrics(
        content_hash=content_hash,
        losses=[float(x) for x in losses],
        metric_name=name if isinstance(name, str) else None,
        metric_value=float(value) if isinstance(value, int | float) and _finite(value) else None,
    )


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
