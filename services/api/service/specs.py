"""Job-spec validation with the rules of `assay job validate` (assay.protocol.spec)."""

from __future__ import annotations

import importlib
import json

from assay.errors import AssayError
from assay.protocol.canonical import spec_hash
from assay.protocol.datasets import parse_source
from assay.protocol.estimate import estimate
from assay.protocol.spec import JobSpec, SpecError, parse_spec, spec_from_dict
from services.api.errors import InvalidBodyError, UnsupportedMediaTypeError
from services.api.schemas.specs import SpecEstimate, SpecValidation

TOML_TYPES = ("application/toml", "application/x-toml", "text/x-toml", "text/plain")
JSON_TYPES = ("application/json",)
ORIGIN = "job spec"


def spec_format(content_type: str | None) -> str:
    """`toml` or `json` from a Content-Type header; UnsupportedMediaTypeError otherwise."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in TOML_TYPES:
        return "toml"
    if media_type in JSON_TYPES:
        return "json"
    raise UnsupportedMediaTypeError(
        f"cannot read a job spec sent as {media_type or 'no Content-Type'!r}: send job.toml as "
        "application/toml (curl -H 'Content-Type: application/toml' --data-binary @job.toml) "
        "or the parsed document as application/json"
    )


def validate_spec(body: bytes, fmt: str, *, with_graph_hash: bool = False) -> SpecValidation:
    """The spec's hash and estimates if it is valid, else every problem found.

    A body that is not a document at all (JSON that does not parse or is not an object, bytes
    that are not UTF-8) raises InvalidBodyError: the request, not the spec, is wrong.

    with_graph_hash: also trace one training step for the operator-graph hash (runs the
    reproducible runtime: ~0.5 s for small models, longer for large ones).
    """
    try:
        spec = _parse(body, fmt)
    except SpecError as exc:
        return _invalid(_problem_lines(str(exc)))
    est = estimate(spec)
    graph_hash, note = _graph_hash(spec) if with_graph_hash else (None, _ASK_FOR_GRAPH_HASH)
    return SpecValidation(
        valid=True,
        spec_hash="0x" + spec_hash(spec).hex(),
        graph_hash=graph_hash,
        graph_hash_note=note,
        estimate=SpecEstimate(
            parameters=est.parameters,
            flops_per_step=est.flops_per_step,
            total_flops=est.total_flops,
            memory_bytes=est.memory_bytes,
        ),
        problems=[],
    )


_ASK_FOR_GRAPH_HASH = "not computed: pass ?graph_hash=true (traces one training step)"


def _parse(body: bytes, fmt: str) -> JobSpec:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidBodyError(
            f"the body is not UTF-8 text ({exc}); save the spec as UTF-8"
        ) from None
    if fmt == "toml":
        return parse_spec(text, ORIGIN)
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InvalidBodyError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidBodyError(
            "a JSON job spec is an object with the sections of job.toml (version, model, data, "
            f"training…), not a JSON {type(document).__name__}"
        )
    return spec_from_dict(document, ORIGIN)


def _problem_lines(message: str) -> list[str]:
    """SpecError's block (`job spec is invalid (2 problems):` then indented lines) as lines."""
    header, _, rest = message.partition("\n")
    lines = [line.strip() for line in rest.splitlines() if line.strip()]
    return lines if header.endswith("):") and lines else [message]


def _invalid(problems: list[str]) -> SpecValidation:
    return SpecValidation(
        valid=False,
        spec_hash=None,
        graph_hash=None,
        graph_hash_note=None,
        estimate=None,
        problems=problems,
    )


def _graph_hash(spec: JobSpec) -> tuple[str | None, str | None]:
    if parse_source(spec.data.source).family == "artifact":
        return None, (
            "not computed: the data is a user artifact; `assay job submit` computes it with "
            "the file at hand"
        )
    try:
        # Imported late: the runtime pulls in torch, which the rest of the API never needs.
        graph = importlib.import_module("assay.repro.graph")
        value: bytes = graph.graph_hash(spec)
    except AssayError as exc:
        return None, f"not computed: {exc}"
    return "0x" + bytes(value).hex(), None
