"""State hashing follows its documented layout; checkpoints are safetensors and nothing else."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from assay.protocol.merkle import MerkleTree
from assay.repro.errors import CheckpointFormatError
from assay.repro.state import (
    TrainState,
    load_checkpoint,
    safetensors_bytes,
    save_checkpoint,
    scalar_digest,
    state_hash,
    tensor_digest,
)

ROOT = Path(__file__).resolve().parents[2]


def _state() -> TrainState:
    params = {"b.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3),
              "a.bias": torch.tensor([0.5, -0.25])}  # fmt: skip
    moments = {"exp_avg/a.bias": torch.zeros(2), "exp_avg/b.weight": torch.ones(2, 3)}
    return TrainState(step=7, seed=3, cursor=224, params=params, moments=moments, spec_hash="0x1")


def test_tensor_digest_layout() -> None:
    t = torch.tensor([[1.0, -2.0]])
    expected = hashlib.sha256(
        struct.pack("<I", 1) + b"w" + struct.pack("<I", 13) + b"torch.float32"
        + struct.pack("<I", 2) + struct.pack("<QQ", 1, 2) + struct.pack("<ff", 1.0, -2.0)
    ).digest()  # fmt: skip
    assert tensor_digest("w", t) == expected


def test_tensor_digest_ignores_layout_in_memory() -> None:
    t = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    assert tensor_digest("x", t.t()) == tensor_digest("x", t.t().contiguous())
    assert tensor_digest("x", t[1:2, 2:3]) == tensor_digest("x", torch.tensor([[6.0]]))


def test_state_hash_layout() -> None:
    s = _state()
    names = ["optim/exp_avg/a.bias", "optim/exp_avg/b.weight", "param/a.bias", "param/b.weight"]
    tensors = s.tensors()
    leaves = [tensor_digest(n, tensors[n]) for n in names]
    leaves += [scalar_digest("step", 7), scalar_digest("seed", 3), scalar_digest("cursor", 224)]
    assert state_hash(s) == MerkleTree(leaves).root


def test_one_flipped_bit_changes_the_hash() -> None:
    base = state_hash(_state())
    seen = {base}
    for name in ("b.weight", "a.bias"):
        s = _state()
        s.params[name].view(torch.int32).view(-1)[1] ^= 1
        seen.add(state_hash(s))
    s = _state()
    s.cursor += 1
    seen.add(state_hash(s))
    assert len(seen) == 4


def test_spec_hash_metadata_is_not_part_of_the_state_hash() -> None:
    s = _state()
    s.spec_hash = "0x2"
    assert state_hash(s) == state_hash(_state())


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, _state())
    back = load_checkpoint(path)
    assert (back.step, back.seed, back.cursor, back.spec_hash) == (7, 3, 224, "0x1")
    assert state_hash(back) == state_hash(_state())


def test_checkpoint_refuses_a_pickle(tmp_path: Path) -> None:
    path = tmp_path / "c.pt"
    path.write_bytes(b"\x80\x04\x95pickle data that must never be unpickled")
    with pytest.raises(CheckpointFormatError, match="not a safetensors checkpoint"):
        load_checkpoint(path)


def test_checkpoint_refuses_a_foreign_safetensors_file(tmp_path: Path) -> None:
    path = tmp_path / "c.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(CheckpointFormatError, match="not an Assay checkpoint"):
        load_checkpoint(path)


def test_scalar_digest_packs_unsigned_and_keeps_smaller_values_hashes() -> None:
    # Below 2^63 the unsigned packing is byte-identical to the signed one hashes were made with.
    for v in (0, 3, 224, 2**63 - 1):
        signed = hashlib.sha256(b"scalar" + struct.pack("<I", 4) + b"seed" + struct.pack("<q", v))
        assert scalar_digest("seed", v) == signed.digest()
    top = hashlib.sha256(b"scalar" + struct.pack("<I", 4) + b"seed" + struct.pack("<Q", 2**64 - 1))
    assert scalar_digest("seed", 2**64 - 1) == top.digest()
    with pytest.raises(ValueError, match=r"outside 0\.\.2\^64-1"):
        scalar_digest("seed", 2**64)


_WRITE_ONE = """
import sys
from assay.repro.state import save_checkpoint
from tests.repro.test_state import _state
save_checkpoint(sys.argv[1], _state())
"""


def test_two_processes_write_byte_identical_checkpoints(tmp_path: Path) -> None:
    # The safetensors library orders `__metadata__` by a per-process hash seed; two runs of one
    # job must write the same bytes, so a checkpoint's content hash can be committed to.
    digests = set()
    for seed in ("1", "2", "3"):
        out = tmp_path / f"ckpt_{seed}.safetensors"
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", _WRITE_ONE, str(out)], env=env, check=True, cwd=ROOT)
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_checkpoint_bytes_are_canonical_and_any_safetensors_reader_loads_them(
    tmp_path: Path,
) -> None:
    tensors = {
        "param/w": torch.randn(3, 4),
        "moment/n": torch.arange(5, dtype=torch.int64),
        "param/empty": torch.zeros(0),
        "param/scalar": torch.tensor(2.5),
        "param/half": torch.randn(3).bfloat16(),
        "param/mask": torch.tensor([True, False]),
    }
    data = safetensors_bytes(tensors, {"b": "2", "a": "1"})
    assert data == safetensors_bytes(dict(reversed(tensors.items())), {"a": "1", "b": "2"})
    size = struct.unpack("<Q", data[:8])[0]
    assert size % 8 == 0 and data[8 : 8 + size].rstrip(b" ").startswith(b'{"__metadata__":')
    path = tmp_path / "t.safetensors"
    path.write_bytes(data)
    loaded = load_file(str(path))
    assert set(loaded) == set(tensors)
    assert all(torch.equal(loaded[k], v) for k, v in tensors.items())


def test_a_tensor_of_an_unknown_dtype_is_refused_naming_it() -> None:
    with pytest.raises(CheckpointFormatError, match="complex64"):
        safetensors_bytes({"param/z": torch.zeros(2, dtype=torch.complex64)}, {})
