"""Operator inputs for a referee: what the solver serves, and how a referee checks it.

Phase 3 of a dispute names one operator: record j of step s's op trace, between the agreed
leaf r_{j-1} (`request.input`) and the solver's disputed r_j. A referee recomputes that one
operator. It needs the operator's input tensors, and must not trust whoever sends them, so
each input is tied to something both parties already agreed on:

    input reference       the tensor must hash to ...                    tied by
    op:<i>[.<k>]          part k of record i's outputs (record i < j)   the leaf chain r_0 →
                                                                         r_{j-1} = request.input
    <state entry name>    its leaf in the state tree of h_{s-1} = r_0   Merkle root = r_0
    batch/x, batch/y      the referee's own data batch of step s        recomputed locally
    const:<sha256>        the digest in its name                        recomputed locally

Record leaves are chained (r_i = sha256(r_{i-1} || record i), assay.repro.tracer), so the
records 1..j-1 and r_0 the bundle carries are the agreed ones exactly when chaining them
from r_0 gives the agreed r_{j-1}.

The *shape* of record j (which kernel, its input references, its scalars: lr, bias
corrections, RNG seed) is not taken from anyone: the step's control flow does not depend on
data or weights, so the referee derives record j by running step s up to op j from the
job's initial state (`expected_record`). Only the output hash of record j is recomputed from
the fetched inputs, with `replay_op`.

The solver's bundle is a canonical JSON artifact, bound in its store under the name
`op_inputs_name(job, step, j)` and served by its blob service:

    {"kind": "assay-op-inputs", "version": 1, "job_id": 3, "step": 7, "op_index": 41,
     "start": "0x<r_0 = h_{s-1}>",
     "records": [<OpRecord JSON of record 1>, …, <record j-1>],
     "outputs": {"<i>": ["0x<part>", …], …},       output parts (`tracer.output_parts`) of
                                                    the records whose outputs j reads
     "state_names": [...], "state_leaves": ["0x…"], the state tree of h_{s-1}
     "tensors": "0x<sha256 of a safetensors file: input reference -> tensor>"}
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from safetensors.torch import load_file, save
from torch import Tensor

from assay.errors import AssayError
from assay.protocol.merkle import MerkleTree
from assay.protocol.types import StateHash
from assay.repro.kernels import op_name
from assay.repro.state import TrainState, state_leaves, tensor_digest
from assay.repro.tracer import (
    OpRecord,
    Recorder,
    StepTrace,
    chain_leaves,
    encode,
    parts_hash,
    replay_op,
)
from assay.repro.trainer import Trainer
from assay.store import LocalStore

log = structlog.get_logger(__name__)

KIND = "assay-op-inputs"
VERSION = 1
_LOCAL_PREFIXES = ("batch/", "const:")


class OpInputsError(AssayError):
    """A bundle of operator inputs is missing, malformed, or contradicts the agreed records."""


def op_inputs_name(job_id: int, step: int, op_index: int) -> str:
    """The store name a solver binds its bundle to (and a referee resolves)."""
    return f"op-inputs/job-{int(job_id)}/step-{int(step)}/op-{int(op_index)}"


def _hex(b: bytes) -> str:
    return "0x" + bytes(b).hex()


def _unhex(text: Any, what: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("0x"):
        raise OpInputsError(f"{what}: expected 0x-hex, got {str(text)[:40]!r}")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise OpInputsError(f"{what}: not hex: {text[:40]!r}") from None


def _op_ref(ref: str) -> tuple[int, int] | None:
    """(i, k) of an "op:<i>[.<k>]" reference, None for other references."""
    if not ref.startswith("op:"):
        return None
    index, _, part = ref[3:].partition(".")
    return int(index), int(part) if part else 0


# ---------------------------------------------------------------------------- solver side
def build_bundle(
    job_id: int,
    trace: StepTrace,
    state: TrainState,
    op_index: int,
    committed: Sequence[bytes] | None = None,
) -> tuple[dict[str, Any], dict[str, Tensor]]:
    """The bundle document (without its "tensors" hash) and the input tensors of record j.

    `trace` must carry values (`trace_step` records them) and `state` is h_{s-1}.
    `committed` is the op trace the solver committed on-chain, when it differs from `trace`
    (its r_0 is the one the bundle names).
    """
    if not 1 <= op_index < len(trace.records) + 1:
        raise OpInputsError(
            f"op index {op_index} is not an operator of step {trace.step} "
            f"(records 1..{len(trace.records)}; {len(trace.records) + 1} is the end state)"
        )
    record = trace.records[op_index - 1]
    outputs: dict[str, list[str]] = {}
    tensors: dict[str, Tensor] = {}
    for ref in record.refs():
        tensors[ref] = trace.values[ref].detach().cpu().contiguous().clone()
        op = _op_ref(ref)
        if op is not None:
            outputs[str(op[0])] = [_hex(p) for p in trace.parts[op[0]]]
    names = sorted(state.tensors(), key=str.encode)
    doc = {
        "kind": KIND,
        "version": VERSION,
        "job_id": int(job_id),
        "step": int(trace.step),
        "op_index": int(op_index),
        "start": _hex(trace.start_hash if committed is None else committed[0]),
        "records": [r.to_json() for r in trace.records[: op_index - 1]],
        "outputs": outputs,
        "state_names": names,
        "state_leaves": [_hex(h) for h in state_leaves(state)],
    }
    return doc, tensors


def bundle_bytes(doc: Mapping[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, no whitespace)."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii")


def publish_bundle(
    store: LocalStore,
    job_id: int,
    trace: StepTrace,
    state: TrainState,
    op_index: int,
    committed: Sequence[bytes] | None = None,
) -> str:
    """Put the bundle and its tensors in `store` and bind its name; returns the name."""

    doc, tensors = build_bundle(job_id, trace, state, op_index, committed)
    doc["tensors"] = str(store.put_bytes(save(tensors)))
    name = op_inputs_name(job_id, trace.step, op_index)
    store.bind_name(name, store.put_bytes(bundle_bytes(doc)))
    log.info("solver.op_inputs_published", job=int(job_id), step=trace.step, op=op_index,
             name=name, inputs=len(tensors))  # fmt: skip
    return name


# ---------------------------------------------------------------------------- referee side
class _StopAt(Exception):
    pass


class _ShapeRecorder(Recorder):
    """Records step s until op j; keeps only the values a referee computes itself."""

    def __init__(self, target: int) -> None:
        super().__init__(keep_values=True)
        self.target = target

    def _set(self, tensor: Tensor, ref: str) -> None:
        self._refs[id(tensor)] = ref
        self._alive.append(tensor)
        if ref.startswith(_LOCAL_PREFIXES):
            self.values[ref] = tensor.detach().clone()

    def record(self, func: Any, ctx: Any, args: Any, kwargs: Any, out: Any) -> None:
        # Like Recorder.record without hashing the outputs: only record j's shape is wanted.
        index = len(self.records) + 1
        self.records.append(OpRecord(index, op_name(func), encode(list(args), self.ref_of),
                                     {k: encode(v, self.ref_of) for k, v in sorted(kwargs.items())},
                                     ctx.purpose, ctx.seed, ctx.step, b""))  # fmt: skip
        if index == self.target:
            raise _StopAt
        self.name_outputs(index, out)


@dataclass(frozen=True)
class ExpectedOp:
    """Record j as the program defines it (its output hash is the traced run's, not trusted)
    and the input values the referee computed itself (batch and constants)."""

    record: OpRecord
    local_values: dict[str, Tensor]


class ShapeTracer:
    """Derives record shapes for one spec (`expected_record`), keeping one Trainer and its
    initial state between calls (building the model is most of the cost for small jobs)."""

    def __init__(self, spec: Any, dataset: Any) -> None:

        self.trainer = Trainer(spec, dataset)
        st = self.trainer.state
        self._initial = TrainState(st.step, st.seed, st.cursor,
                                   {k: v.clone() for k, v in st.params.items()},
                                   {k: v.clone() for k, v in st.moments.items()},
                                   st.spec_hash)  # fmt: skip

    def record(self, step: int, op_index: int) -> ExpectedOp:
        """Record j of step s (see `expected_record`)."""
        trainer = self.trainer
        trainer.resume(self._initial)  # a stopped step may have updated parameters in place
        trainer.step = step - 1
        recorder = _ShapeRecorder(op_index)
        with contextlib.suppress(_StopAt):
            trainer.train_step(recorder)
        if len(recorder.records) != op_index:
            raise OpInputsError(
                f"step {step} has {len(recorder.records)} operators; op {op_index} is not one "
                "(the end state r_N is recomputed by replaying the step)"
            )
        return ExpectedOp(recorder.records[-1], recorder.values)


def expected_record(spec: Any, dataset: Any, step: int, op_index: int) -> ExpectedOp:
    """Record j of step s, derived from the spec: step s run from the initial state to op j.

    Every record's kernel, input references, scalars and seed depend only on (spec, step),
    not on the weights or data values (tests/agents/test_opinputs.py checks this for the
    model zoo), so the initial state gives the same record shape as the real state h_{s-1}.
    Outputs are not hashed and the step stops at op j: at most one step's forward/backward.
    """
    return ShapeTracer(spec, dataset).record(step, op_index)


@dataclass(frozen=True)
class Agreed:
    """What the chain says both parties agreed on, for request (step s, op j)."""

    input: StateHash  # r_{j-1}, agreed (request.input)
    step: int
    op_index: int


def check_inputs(
    doc: Mapping[str, Any], tensors: Mapping[str, Tensor], expected: ExpectedOp, agreed: Agreed
) -> dict[str, Tensor]:
    """The input tensors of record j, each checked against the agreed records.

    Raises OpInputsError naming the first thing that does not hold.
    """
    j = agreed.op_index
    if doc.get("kind") != KIND or doc.get("version") != VERSION:
        raise OpInputsError(f"not an {KIND} v{VERSION} document")
    if doc.get("step") != agreed.step or doc.get("op_index") != j:
        raise OpInputsError(
            f"bundle is for step {doc.get('step')} op {doc.get('op_index')}, "
            f"the request is step {agreed.step} op {j}"
        )
    start = StateHash(_unhex(doc.get("start"), "start"))
    records = [_record(r, i) for i, r in enumerate(_list(doc, "records"), start=1)]
    if len(records) != j - 1:
        raise OpInputsError(f"the bundle has {len(records)} records, op {j} needs 1..{j - 1}")
    if chain_leaves(start, records)[-1] != agreed.input:
        raise OpInputsError(
            f"the bundle's records 1..{j - 1} do not chain to the agreed leaf r_{j - 1}"
        )
    outputs = _dict(doc, "outputs")
    state_tree: list[bytes] | None = None
    names: list[str] = []
    inputs: dict[str, Tensor] = {}
    for ref in expected.record.refs():
        if ref in inputs:
            continue
        if ref.startswith(_LOCAL_PREFIXES):
            inputs[ref] = expected.local_values[ref].clone()
            continue
        tensor = tensors.get(ref)
        if tensor is None:
            raise OpInputsError(f"the bundle lacks input {ref}")
        op = _op_ref(ref)
        if op is not None:
            i, k = op
            if not 1 <= i < j:
                raise OpInputsError(f"input {ref} is not the output of an earlier operator")
            rec = records[i - 1]
            parts = [_unhex(p, f"output part of record {i}") for p in _seq(outputs.get(str(i)))]
            if parts_hash(parts) != rec.output_hash or not 0 <= k < len(parts):
                raise OpInputsError(f"the output parts of record {i} do not match its hash")
            if tensor_digest("", tensor) != parts[k]:
                raise OpInputsError(f"input {ref} is not the output record {i} committed to")
        else:
            if state_tree is None:
                names = [str(n) for n in _list(doc, "state_names")]
                state_tree = [_unhex(h, "state leaf") for h in _list(doc, "state_leaves")]
                if MerkleTree(state_tree).root != start:
                    raise OpInputsError("the bundle's state leaves do not hash to h_{s-1} = r_0")
            if ref not in names:
                raise OpInputsError(f"input {ref} is neither an operator output nor state")
            if tensor_digest(ref, tensor) != state_tree[names.index(ref)]:
                raise OpInputsError(f"input {ref} is not the state entry h_(s-1) committed to")
        inputs[ref] = tensor
    return inputs


def recompute_leaf(
    expected: ExpectedOp, inputs: Mapping[str, Tensor], prev: StateHash
) -> StateHash:
    """r_j: record j with its output hash recomputed from checked inputs (one operator),
    chained to the agreed r_{j-1} = `prev`."""
    r = expected.record
    out = replay_op(r, dict(inputs))
    return OpRecord(r.index, r.op, r.args, r.kwargs, r.purpose, r.seed, r.step, out).leaf(prev)


def load_bundle(path: Path) -> dict[str, Any]:
    """The bundle document at `path` (a verified store copy)."""
    try:
        doc = json.loads(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise OpInputsError(f"unreadable op-inputs bundle: {exc}") from exc
    if not isinstance(doc, dict):
        raise OpInputsError("the op-inputs bundle is not a JSON object")
    return doc


def load_tensors(path: Path) -> dict[str, Tensor]:
    """The safetensors file of input tensors (no pickle)."""

    try:
        return dict(load_file(str(path), device="cpu"))
    except Exception as exc:  # safetensors raises its own error types
        raise OpInputsError(f"unreadable op-inputs tensors: {exc}") from exc


def _record(doc: Any, i: int) -> OpRecord:
    if not isinstance(doc, dict):
        raise OpInputsError(f"record {i} of the bundle is not an object")
    try:
        return OpRecord(int(doc["index"]), str(doc["op"]), doc["args"], doc["kwargs"],
                        str(doc["purpose"]), int(doc["seed"]), int(doc["step"]),
                        _unhex(doc["output_hash"], f"record {i} output hash"))  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise OpInputsError(f"record {i} is malformed: {exc}") from exc


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        raise OpInputsError(f"the bundle's {key!r} is not a list")
    return value


def _dict(doc: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    if not isinstance(value, dict):
        raise OpInputsError(f"the bundle's {key!r} is not an object")
    return value


def _seq(value: Any) -> Sequence[Any]:
    if not isinstance(value, list):
        raise OpInputsError("a record's output parts are not a list")
    return value


__all__ = [
    "Agreed",
    "ExpectedOp",
    "OpInputsError",
    "ShapeTracer",
    "build_bundle",
    "check_inputs",
    "expected_record",
    "load_bundle",
    "load_tensors",
    "op_inputs_name",
    "publish_bundle",
    "recompute_leaf",
]
