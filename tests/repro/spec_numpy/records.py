"""§5.4: op records, their canonical JSON, the chained op-trace leaves and the graph hash."""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from eth_hash.auto import keccak

from tests.repro.spec_numpy.core import merkle_root

DTYPE_NAMES = {np.dtype(np.float32): "torch.float32", np.dtype(np.int64): "torch.int64",
               np.dtype(np.bool_): "torch.bool"}  # fmt: skip


class Ref(str):
    """A tensor argument, by its reference name (`param/…`, `batch/x`, `op:<j>`, `op:<j>.<k>`)."""


@dataclass(frozen=True)
class Torch:
    """A dtype (`kind` "dtype") or a memory format / layout (`kind` "torch") argument."""

    kind: str
    name: str


def output_digest(value: Any) -> bytes:
    """§5.4 output part: tensor_digest("", t) with t's dtype, or the UTF-8 of a repr."""
    if not isinstance(value, np.ndarray):
        return repr(value).encode()
    dtype = DTYPE_NAMES[value.dtype].encode()
    head = struct.pack("<I", 0) + struct.pack("<I", len(dtype)) + dtype
    head += struct.pack("<I", value.ndim) + b"".join(struct.pack("<Q", d) for d in value.shape)
    body = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<")).tobytes()
    return hashlib.sha256(head + body).digest()


def enc(v: Any, structural: bool = False) -> Any:
    """§5.4 `enc` (and `enc_s` with structural=True)."""
    if isinstance(v, Ref):
        return {"ref": str(v)}
    if isinstance(v, list | tuple):
        return [enc(x, structural) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return {"int": None if structural else v}
    if isinstance(v, float):
        return {"float": None if structural else v.hex()}
    assert isinstance(v, Torch)
    return {v.kind: v.name}


def canonical_json(v: Any) -> bytes:
    return json.dumps(v, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class StepRecords:
    """The records of one step: (op, args, kwargs, outputs), outputs a list of values."""

    seed: int
    step: int
    rows: list[tuple[str, list[Any], dict[str, Any], list[Any], str]] = field(default_factory=list)

    def add(
        self, op: str, args: list[Any], outs: Any, kwargs: dict[str, Any] | None = None,
        purpose: str = "",
    ) -> Ref:  # fmt: skip
        """Append a record; its reference (`op:<j>`; index a tuple output with `.k`)."""
        many = isinstance(outs, tuple)
        self.rows.append(
            (f"aten.{op}", args, kwargs or {}, list(outs) if many else [outs], purpose)
        )
        return Ref(f"op:{len(self.rows)}")

    def leaves(self, start: bytes, end: bytes) -> list[bytes]:
        """r_0 = start, r_j = sha256(r_{j-1} || canonical_json(record j)), r_{R+1} = end."""
        out = [start]
        for j, (op, args, kwargs, outs, purpose) in enumerate(self.rows, start=1):
            record = {"index": j, "op": op, "args": enc(args),
                      "kwargs": {k: enc(v) for k, v in kwargs.items()}, "purpose": purpose,
                      "seed": self.seed, "step": self.step,
                      "output_hash": "0x" + hashlib.sha256(
                          b"".join(output_digest(o) for o in outs)).hexdigest()}  # fmt: skip
            out.append(hashlib.sha256(out[-1] + canonical_json(record)).digest())
        return [*out, end]

    def op_root(self, start: bytes, end: bytes) -> bytes:
        """merkle_root(r_0..r_N), N = R + 1."""
        return merkle_root(self.leaves(start, end))

    def graph_hash(self) -> bytes:
        """keccak256 of the structural entries (§5.4, the graph hash)."""
        entries = [[op, enc(args, True), {k: enc(v, True) for k, v in kwargs.items()}, purpose,
                    [[list(o.shape), DTYPE_NAMES[o.dtype]] if isinstance(o, np.ndarray) else None
                     for o in outs]]
                   for op, args, kwargs, outs, purpose in self.rows]  # fmt: skip
        return bytes(keccak(canonical_json(entries)))
