"""Training state, its hash (a leaf of the on-chain trace) and safetensors checkpoints.

State hash layout (`state_hash`): a `MerkleTree` (keccak, assay.protocol.merkle) over

    [tensor_digest(name, t) for name, t in sorted(state.tensors().items())]
    + [scalar_digest("step", step), scalar_digest("seed", seed), scalar_digest("cursor", cursor)]

where tensor names are "param/<module path>" for parameters and "optim/<slot>/<module path>"
for optimizer moments (slot: momentum, exp_avg, exp_avg_sq), sorted by their UTF-8 bytes, and

    tensor_digest(name, t) = sha256(u32le(len(name)) || name || u32le(len(dtype)) || dtype
                                    || u32le(ndim) || u64le(dim)... || raw little-endian bytes)
    scalar_digest(name, v) = sha256(b"scalar" || u32le(len(name)) || name || u64le(v))

with dtype the torch name ("torch.float32"). The RNG is counter-based, so (seed, step) are its
whole state; the data cursor counts the examples consumed.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from torch import Tensor

from assay.protocol.merkle import MerkleTree
from assay.protocol.types import StateHash
from assay.repro.errors import CheckpointFormatError

CHECKPOINT_FORMAT = "assay-checkpoint/1"
_SCALARS = ("step", "seed", "cursor")


@dataclass
class TrainState:
    """Everything a training run carries from one step to the next."""

    step: int
    seed: int
    cursor: int
    params: dict[str, Tensor]
    """Parameters by module path (model.named_parameters())."""
    moments: dict[str, Tensor] = field(default_factory=dict)
    """Optimizer slots by "<slot>/<module path>"."""
    spec_hash: str = ""
    """0x-hex hash of the job spec (checkpoint metadata; not part of the state hash)."""

    def tensors(self) -> dict[str, Tensor]:
        """All tensors under their state names ("param/..." and "optim/...")."""
        out = {f"param/{k}": v for k, v in self.params.items()}
        out.update({f"optim/{k}": v for k, v in self.moments.items()})
        return out

    def scalars(self) -> dict[str, int]:
        """The integer entries, in hash order."""
        return {"step": self.step, "seed": self.seed, "cursor": self.cursor}


def _u32(n: int) -> bytes:
    return struct.pack("<I", n)


def tensor_bytes(tensor: Tensor) -> memoryview:
    """The raw little-endian bytes of a tensor (copied to contiguous CPU memory if needed)."""
    if sys.byteorder != "little":  # pragma: no cover - every supported platform is LE
        raise CheckpointFormatError("state hashing needs a little-endian host")
    t = tensor.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    if t.numel() <= 1:  # size-1 dims may carry any stride; copy the few bytes
        return memoryview(t.numpy().tobytes())
    return np.ascontiguousarray(t.numpy()).data.cast("B")


def tensor_digest(name: str, tensor: Tensor) -> bytes:
    """sha256 over (name, dtype, shape, raw bytes); see the module docstring."""
    h = hashlib.sha256()
    raw_name, dtype = name.encode(), str(tensor.dtype).encode()
    h.update(_u32(len(raw_name)) + raw_name + _u32(len(dtype)) + dtype + _u32(tensor.dim()))
    h.update(b"".join(struct.pack("<Q", d) for d in tensor.shape))
    h.update(tensor_bytes(tensor))
    return h.digest()


def scalar_digest(name: str, value: int) -> bytes:
    """sha256 of an integer state entry; see the module docstring.

    Step, seed and cursor are non-negative and below 2^64 (a spec's seed may use all 64 bits), so
    they are packed unsigned; for values below 2^63 these are the bytes of the signed i64 packing
    earlier releases used, so no state hash changed."""
    if not 0 <= value < 2**64:
        raise ValueError(f"state entry {name!r} = {value} is outside 0..2^64-1")
    raw = name.encode()
    return hashlib.sha256(b"scalar" + _u32(len(raw)) + raw + struct.pack("<Q", value)).digest()


def state_leaves(state: TrainState) -> list[bytes]:
    """The Merkle leaf values of a state, in hash order."""
    tensors = state.tensors()
    leaves = [tensor_digest(k, tensors[k]) for k in sorted(tensors, key=str.encode)]
    return leaves + [scalar_digest(k, v) for k, v in state.scalars().items()]


def state_hash(state: TrainState) -> StateHash:
    """The Merkle root committing to a training state."""
    return MerkleTree(state_leaves(state)).root


def save_checkpoint(path: str | Path, state: TrainState) -> None:
    """Write `state` as safetensors; step, seed, cursor and spec hash go in the metadata."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in state.tensors().items()}
    meta = {"format": CHECKPOINT_FORMAT, "spec_hash": state.spec_hash}
    meta.update({k: str(v) for k, v in state.scalars().items()})

    Path(path).write_bytes(safetensors_bytes(tensors, meta))


_DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}  # fmt: skip


def safetensors_bytes(tensors: dict[str, Tensor], metadata: dict[str, str]) -> bytes:
    """A safetensors file whose bytes depend only on its contents, so its hash can be a commitment.

    The safetensors library writes `__metadata__` from a hash map, so its key order (and the
    file's bytes) changes from one process to the next. Here the header is canonical JSON (keys
    sorted, no whitespace) padded with spaces to a multiple of 8 bytes, and the tensors follow in
    name order, each little-endian and C-contiguous. Any safetensors reader loads it.
    """
    if sys.byteorder != "little":  # pragma: no cover - every supported platform is little-endian
        raise CheckpointFormatError("checkpoints are written on little-endian machines only")
    header: dict[str, object] = {"__metadata__": dict(sorted(metadata.items()))}
    blobs: list[bytes] = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        if t.dtype not in _DTYPES:
            raise CheckpointFormatError(
                f"tensor {name!r} has dtype {t.dtype}, not one a checkpoint holds"
            )
        data = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {
            "dtype": _DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def _read_metadata(path: Path) -> dict[str, str]:
    """The safetensors header metadata, refusing anything that is not a safetensors file."""
    try:
        with path.open("rb") as f:
            size = struct.unpack("<Q", f.read(8))[0]
            if size > 100 * 1024 * 1024:
                raise ValueError("header too large")
            header = json.loads(f.read(size))
        meta = header.get("__metadata__") or {}
    except (OSError, ValueError, struct.error, AttributeError) as exc:
        raise CheckpointFormatError(
            f"{path} is not a safetensors checkpoint ({exc}); Assay loads only safetensors files "
            "written by `assay repro run` — never pickles"
        ) from None
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointFormatError(
            f"{path} is a safetensors file but not an Assay checkpoint ({CHECKPOINT_FORMAT}); "
            "write it with save_checkpoint"
        )
    return dict(meta)


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> TrainState:
    """Read a checkpoint written by `save_checkpoint` (safetensors only, never pickle)."""
    p = Path(path)
    meta = _read_metadata(p)

    params: dict[str, Tensor] = {}
    moments: dict[str, Tensor] = {}
    with safe_open(str(p), framework="pt", device=str(device)) as f:
        for key in f.keys():  # noqa: SIM118 - safe_open is not a mapping
            kind, _, name = key.partition("/")
            (params if kind == "param" else moments)[name] = f.get_tensor(key)
    try:
        step, seed, cursor = (int(meta[k]) for k in _SCALARS)
    except (KeyError, ValueError) as exc:
        raise CheckpointFormatError(f"{p} lacks the scalar entry {exc}") from None
    return TrainState(step, seed, cursor, params, moments, meta.get("spec_hash", ""))
