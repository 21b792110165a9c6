"""Op traces: the ordered operator records of one step, for phase 2 of the dispute game.

Leaves of the op-trace Merkle tree (DisputeGame phase 2): r_0 = h_{s-1} (state hash at the
step's start), r_j = `OpRecord.leaf(r_{j-1})` of the j-th operator ReproMode ran (forward,
backward, clipping, optimizer), r_N = h_s. The record leaves are chained — r_j hashes r_{j-1}
with record j — so two traces that differ once differ at every later record: bisection then
finds the first differing record, and agreeing on r_{j-1} means agreeing on r_0 and every
record before j, which are exactly the inputs of record j. The referee recomputes one
operator with `replay_op` from those agreed inputs (assay.agents.opinputs).

An input reference names where a tensor came from: "op:<j>" (output of record j; "op:<j>.<k>"
for the k-th of a tuple), a state entry "param/<name>" / "optim/<slot>/<name>", a batch tensor
"batch/x" / "batch/y", or "const:<sha256>" for anything else. Devices are never recorded, so a
CPU and a GPU trace of one step are identical.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from assay.protocol.merkle import MerkleTree
from assay.protocol.types import StateHash
from assay.repro.kernels import OpContext, op_name, resolve, run_kernel
from assay.repro.state import TrainState, tensor_digest


def encode(value: Any, ref_of: Any, structural: bool = False) -> Any:
    """A JSON-able form of an operator argument; tensors become {"ref": ref_of(tensor)}."""
    if isinstance(value, Tensor):
        return {"ref": ref_of(value)}
    if isinstance(value, list | tuple):
        return [encode(v, ref_of, structural) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return {"int": None if structural else value}
    if isinstance(value, float):
        return {"float": None if structural else value.hex()}
    if isinstance(value, torch.dtype):
        return {"dtype": str(value)}
    if isinstance(value, torch.device):
        return {"device": None}
    if isinstance(value, torch.layout | torch.memory_format):
        return {"torch": str(value)}
    raise TypeError(f"cannot record an argument of type {type(value).__name__}")


def decode(value: Any, inputs: dict[str, Tensor], device: torch.device) -> Any:
    """Inverse of `encode` (non-structural), with tensors taken from `inputs`."""
    if isinstance(value, list):
        return [decode(v, inputs, device) for v in value]
    if not isinstance(value, dict):
        return value
    if "ref" in value:
        return inputs[value["ref"]]
    if "int" in value:
        return value["int"]
    if "float" in value:
        return float.fromhex(value["float"])
    if "dtype" in value:
        return getattr(torch, value["dtype"].removeprefix("torch."))
    if "device" in value:
        return device
    return getattr(torch, value["torch"].removeprefix("torch."))


def output_parts(out: Any) -> list[bytes]:
    """What `output_hash` hashes: each output's content digest (a tensor) or repr (else)."""
    return [
        tensor_digest("", leaf) if isinstance(leaf, Tensor) else repr(leaf).encode()
        for leaf in (out if isinstance(out, list | tuple) else [out])
    ]


def output_hash(out: Any) -> bytes:
    """sha256 over the content digests of an operator's outputs, in order."""
    return parts_hash(output_parts(out))


def parts_hash(parts: list[bytes]) -> bytes:
    """sha256 of the concatenated output parts (see `output_parts`)."""
    return hashlib.sha256(b"".join(parts)).digest()


@dataclass(frozen=True)
class OpRecord:
    """One operator of a step: what ran, on which inputs, and the hash of what it produced."""

    index: int
    op: str
    args: Any
    kwargs: Any
    purpose: str
    seed: int
    step: int
    output_hash: bytes

    def refs(self) -> list[str]:
        """The input references, in argument order."""
        found: list[str] = []

        def walk(v: Any) -> None:
            if isinstance(v, list):
                for x in v:
                    walk(x)
            elif isinstance(v, dict):
                if "ref" in v:
                    found.append(v["ref"])
                else:
                    for x in v.values():
                        walk(x)

        walk([self.args, self.kwargs])
        return found

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON document of this record (what `leaf` hashes)."""
        return {"index": self.index, "op": self.op, "args": self.args, "kwargs": self.kwargs,
                "purpose": self.purpose, "seed": self.seed, "step": self.step,
                "output_hash": "0x" + self.output_hash.hex()}  # fmt: skip

    def leaf(self, prev: bytes) -> StateHash:
        """The op-trace leaf r_index = sha256(r_{index-1} || canonical JSON of the record)."""
        if len(prev) != 32:
            raise ValueError(f"the previous leaf is 32 bytes, got {len(prev)}")
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return StateHash(hashlib.sha256(bytes(prev) + text.encode()).digest())


class Recorder:
    """An OpRecorder that keeps records and (copies of) every value, for replay."""

    def __init__(self, keep_values: bool = True) -> None:
        self.records: list[OpRecord] = []
        self.values: dict[str, Tensor] = {}
        self.parts: dict[int, list[bytes]] = {}  # record index -> output_parts
        self.keep_values = keep_values
        self._refs: dict[int, str] = {}
        self._alive: list[Tensor] = []  # keeps ids unique for the step

    def bind(self, name: str, tensor: Tensor) -> None:
        """Name a tensor that exists before the step (state entry or batch)."""
        self._set(tensor, name)

    def _set(self, tensor: Tensor, ref: str) -> None:
        self._refs[id(tensor)] = ref
        self._alive.append(tensor)
        if self.keep_values:
            self.values[ref] = tensor.detach().clone()

    def ref_of(self, tensor: Tensor) -> str:
        """The reference of a tensor seen before, or a const:<sha256> reference."""
        ref = self._refs.get(id(tensor))
        if ref is None:
            ref = "const:" + tensor_digest("", tensor).hex()
            self._set(tensor, ref)
        return ref

    def record(
        self, func: Any, ctx: OpContext, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any
    ) -> None:
        """Append the record of one operator and name its outputs "op:<index>"."""
        index = len(self.records) + 1
        parts = output_parts(out)
        rec = OpRecord(index, op_name(func), encode(list(args), self.ref_of),
                       {k: encode(v, self.ref_of) for k, v in sorted(kwargs.items())},
                       ctx.purpose, ctx.seed, ctx.step, parts_hash(parts))  # fmt: skip
        self.records.append(rec)
        if self.keep_values:
            self.parts[index] = parts
        self.name_outputs(index, out)

    def name_outputs(self, index: int, out: Any) -> None:
        """Name operator `index`'s output tensors "op:<index>" (one) or "op:<index>.<k>" (several),
        so later records refer to them by reference."""
        if isinstance(out, Tensor):
            self._set(out, f"op:{index}")
        elif isinstance(out, list | tuple):
            for k, t in enumerate(out):
                if isinstance(t, Tensor):
                    self._set(t, f"op:{index}.{k}")


@dataclass
class StepTrace:
    """The op trace of step `step`: records, their values, and the phase-2 Merkle root."""

    step: int
    start_hash: StateHash
    end_hash: StateHash
    records: list[OpRecord]
    values: dict[str, Tensor] = field(default_factory=dict, repr=False)
    parts: dict[int, list[bytes]] = field(default_factory=dict, repr=False)

    def leaves(self) -> list[StateHash]:
        """r_0 = h_{s-1}, r_1..r_{N-1} = chained record leaves, r_N = h_s."""
        return [*chain_leaves(self.start_hash, self.records), self.end_hash]

    @property
    def op_root(self) -> StateHash:
        """The op-trace root the solver commits in phase 2."""
        return MerkleTree(self.leaves()).root

    def inputs_of(self, record: OpRecord) -> dict[str, Tensor]:
        """Copies of the recorded input tensors of `record`, by reference."""
        return {ref: self.values[ref].clone() for ref in record.refs()}


def chain_leaves(start: StateHash, records: list[OpRecord]) -> list[StateHash]:
    """[r_0 = start, r_1, …] with r_j = records[j-1].leaf(r_{j-1})."""
    leaves = [start]
    for r in records:
        leaves.append(r.leaf(leaves[-1]))
    return leaves


def trace_step(
    spec: Any, dataset: Any, state: TrainState, step: int, device: str = "cpu"
) -> StepTrace:
    """Run step `step` from the state at its start (h_{step-1}), recording every operator."""
    from assay.repro.trainer import Trainer  # the trainer imports nothing from here

    if state.step != step - 1:
        raise ValueError(f"step {step} starts from the state after step {step - 1}, "
                         f"got the state after step {state.step}")  # fmt: skip
    trainer = Trainer(spec, dataset, device=device)
    trainer.resume(state)
    start = trainer.state_hash()
    recorder = Recorder()
    trainer.train_step(recorder)
    return StepTrace(
        step, start, trainer.state_hash(), recorder.records, recorder.values, recorder.parts
    )


def replay_op(record: OpRecord, inputs: dict[str, Tensor], device: str = "cpu") -> bytes:
    """Recompute one operator from its input tensors with the kernels; its output hash."""
    dev = torch.device(device)
    moved = {k: v.to(dev) for k, v in inputs.items()}
    args = decode(record.args, moved, dev)
    kwargs = {k: decode(v, moved, dev) for k, v in record.kwargs.items()}
    ctx = OpContext(record.seed, record.step, record.purpose)
    return output_hash(run_kernel(resolve(record.op), ctx, tuple(args), kwargs))


def first_divergence(a: StepTrace, b: StepTrace) -> int | None:
    """Index of the first op-trace leaf on which two traces differ, or None if identical."""
    la, lb = a.leaves(), b.leaves()
    for i, (x, y) in enumerate(zip(la, lb, strict=False)):
        if x != y:
            return i
    return None if len(la) == len(lb) else min(len(la), len(lb))
