"""The canonical encoding of a job spec and the hash that identifies it on-chain.

canonical_bytes(spec) is the JSON text of the fully validated spec, every default filled in:

- objects with keys sorted by code point, no whitespace (separators "," and ":"), ASCII only
  (json.dumps with sort_keys=True, separators=(",", ":"), ensure_ascii=True);
- every float field is written as Python's repr of the binary64 value (the shortest text that
  reads back to the same double), so `lr = 1`, `lr = 1.0` and `lr = 1e0` all encode as `1.0`;
  NaN and infinities are rejected by validation;
- integers in decimal; booleans `true`/`false`; an unset optional field (grad_clip) is `null`.

Two files that differ only in key order, whitespace, comments, or in writing a default out,
validate to equal specs and so have equal canonical bytes and equal hashes.
"""

from __future__ import annotations

import json
from typing import NewType

from eth_hash.auto import keccak

from assay.protocol.spec import JobSpec

SpecHash = NewType("SpecHash", bytes)
"""keccak256 of canonical_bytes(spec): the job's identity in the market (32 bytes)."""


def canonical_bytes(spec: JobSpec) -> bytes:
    """The deterministic JSON encoding described in the module docstring."""
    document = spec.model_dump(mode="json")
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return text.encode("ascii")


def spec_hash(spec: JobSpec) -> SpecHash:
    """keccak256 over the canonical bytes."""
    return SpecHash(keccak(canonical_bytes(spec)))
