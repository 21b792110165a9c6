"""The name and layer of a disputed operator, from the job's spec when the API's store holds it.

A job's per-step operator graph is static and fixed by its spec (it is what the graph hash commits
to), so operator j of any step is the j-th record of one step traced on zeroed data
(`assay.repro.graph.step_operators`). Leaves r_1..r_{N-1} are the records; r_N is the step's end
state h_s. The spec must be in this API's store (`assay://` spec URI) and hash to the job's
spec hash; otherwise `disputed_operator` says why and the page shows the index only.
"""

from __future__ import annotations

import functools
import json

from pydantic import BaseModel

from assay.errors import AssayError
from assay.net.uri import parse_uri
from assay.protocol.canonical import spec_hash
from assay.protocol.spec import spec_from_dict
from assay.store import LocalStore

MAX_SPEC_BYTES = 1024 * 1024


class OperatorName(BaseModel):
    """What operator j of a step is: its aten name and the layer (or phase) that runs it."""

    op_index: int
    name: str
    layer: str


class NoOperatorName(BaseModel):
    """Why a disputed operator is shown by index only."""

    reason: str


def disputed_operator(
    store: LocalStore, spec_uri: str, expected_spec_hash: str, op_index: int
) -> OperatorName | NoOperatorName:
    """Name operator `op_index` (leaf r_j of the op trace) of the job whose spec is `spec_uri`."""
    try:
        content_hash = parse_uri(spec_uri).content_hash
    except AssayError:
        return NoOperatorName(reason="the job's spec is not an assay:// artifact")
    if not store.has(content_hash) or store.size(content_hash) > MAX_SPEC_BYTES:
        return NoOperatorName(reason="the job's spec is not in this API's store")
    try:
        operators = _operators(store.get_bytes(content_hash), expected_spec_hash.lower())
    except (AssayError, ValueError, OSError, RuntimeError) as exc:  # RuntimeError: torch's own
        return NoOperatorName(reason=f"the job's operator graph could not be rebuilt: {exc}")
    if 1 <= op_index <= len(operators):
        name, layer = operators[op_index - 1]
        return OperatorName(op_index=op_index, name=name, layer=layer)
    if op_index == len(operators) + 1:
        return OperatorName(op_index=op_index, name="state hash", layer="end of step (h_s)")
    return NoOperatorName(reason=f"operator {op_index} is outside the job's graph")


@functools.lru_cache(maxsize=32)
def _operators(spec_bytes: bytes, expected_spec_hash: str) -> tuple[tuple[str, str], ...]:
    """(name, layer) of every record of one step, for a spec that hashes as the job says."""
    # deferred: the operator graph needs torch and the runtime (~3 s to import), pages do not
    from assay.repro.graph import step_operators

    raw = json.loads(spec_bytes)  # a published spec is its canonical JSON (`job submit`)
    if not isinstance(raw, dict):
        raise ValueError("the stored spec is not a JSON object")
    spec = spec_from_dict(raw, origin="the job's spec")
    if "0x" + spec_hash(spec).hex() != expected_spec_hash:
        raise ValueError("the stored spec does not hash to the job's spec hash")
    return tuple((op.name, op.layer) for op in step_operators(spec))
