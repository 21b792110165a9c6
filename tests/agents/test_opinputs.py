"""The referee's one-operator recompute: record shapes from the spec, inputs checked against
the agreed records, every kind of tampering refused."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch

from assay.agents.opinputs import (
    Agreed,
    OpInputsError,
    ShapeTracer,
    build_bundle,
    check_inputs,
    expected_record,
    load_bundle,
    load_tensors,
    op_inputs_name,
    publish_bundle,
    recompute_leaf,
)
from assay.protocol.spec import JobSpec, load_spec
from assay.protocol.types import StateHash
from assay.repro.data import load_dataset
from assay.repro.state import TrainState
from assay.repro.tracer import StepTrace, chain_leaves, trace_step
from assay.repro.trainer import Trainer
from assay.store import LocalStore

ROOT = Path(__file__).resolve().parents[2]
STEP = 3


def _spec(name: str) -> JobSpec:
    return load_spec(ROOT / "examples" / f"{name}.toml")  # only its first STEP steps run


@dataclass
class Case:
    spec: JobSpec
    data: Any
    state: TrainState  # h_{STEP-1}
    trace: StepTrace  # step STEP with values

    def agreed(self, j: int) -> Agreed:
        return Agreed(self.trace.leaves()[j - 1], STEP, j)

    def first_with(self, prefix: str) -> int:
        """The first record with an input reference starting with `prefix`."""
        return next(
            r.index for r in self.trace.records if any(x.startswith(prefix) for x in r.refs())
        )


def _case(name: str) -> Case:
    spec = _spec(name)
    data = load_dataset(spec.data, int(spec.training.seed))
    trainer = Trainer(spec, data)
    for _ in range(STEP - 1):
        trainer.train_step()
    return Case(spec, data, trainer.state, trace_step(spec, data, trainer.state, STEP))


@pytest.fixture(scope="module")
def mlp() -> Case:
    return _case("digits-mlp")


@pytest.mark.parametrize("name", ["digits-mlp", "digits-cnn", "tiny-gpt"])
def test_record_shapes_do_not_depend_on_weights_or_data(name: str) -> None:
    """The premise of `expected_record`: step s from the initial state gives every record of
    the real step s (kernel, references, scalars, seed), only the output hashes differ."""
    case = _case(name)
    n = len(case.trace.records)
    for j in sorted({1, 2, n // 3, n // 2, n - 1, n}):
        got = expected_record(case.spec, case.data, STEP, j).record.to_json()
        want = case.trace.records[j - 1].to_json()
        got.pop("output_hash"), want.pop("output_hash")
        assert got == want, f"record {j} of {name}"


@pytest.mark.parametrize("name", ["digits-mlp", "tiny-gpt"])
def test_one_operator_recomputed_from_checked_inputs_gives_the_true_leaf(name: str) -> None:
    case = _case(name)
    n, leaves = len(case.trace.records), case.trace.leaves()
    picks = {1, case.first_with("op:"), case.first_with("batch/"), n // 2, n}
    for j in sorted(picks):
        doc, tensors = build_bundle(9, case.trace, case.state, j)
        expected = expected_record(case.spec, case.data, STEP, j)
        inputs = check_inputs(doc, tensors, expected, case.agreed(j))
        got = recompute_leaf(expected, inputs, leaves[j - 1])
        assert got == leaves[j], f"record {j} ({expected.record.op})"


def test_a_wrong_claim_is_outvoted_by_the_recompute(mlp: Case) -> None:
    """The solver committed a lie at r_j (inputs honest): the recompute is the honest leaf."""
    j = mlp.first_with("op:")
    honest = mlp.trace.leaves()
    lie = [*honest]
    lie[j] = StateHash(b"\x01" * 32)
    doc, tensors = build_bundle(9, mlp.trace, mlp.state, j, committed=lie)
    expected = expected_record(mlp.spec, mlp.data, STEP, j)
    inputs = check_inputs(doc, tensors, expected, Agreed(lie[j - 1], STEP, j))
    leaf = recompute_leaf(expected, inputs, lie[j - 1])
    assert leaf == honest[j] != lie[j]


def test_later_records_differ_once_an_earlier_one_does(mlp: Case) -> None:
    """Chained leaves: a change in record i changes r_i and every later record leaf, so
    bisection's first disagreement is the first differing record."""
    records = list(mlp.trace.records)
    i = len(records) // 3
    r = records[i - 1]
    records[i - 1] = type(r)(r.index, r.op, r.args, r.kwargs, r.purpose, r.seed + 1, r.step,
                             r.output_hash)  # fmt: skip
    a = mlp.trace.leaves()[:-1]
    b = chain_leaves(mlp.trace.start_hash, records)
    assert a[:i] == b[:i]
    assert all(x != y for x, y in zip(a[i:], b[i:], strict=True))


def test_publish_then_load_round_trips_through_the_store(mlp: Case, tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    j = mlp.first_with("op:")
    name = publish_bundle(store, 4, mlp.trace, mlp.state, j)
    assert name == op_inputs_name(4, STEP, j)
    bundle = store.resolve_name(name)
    assert bundle is not None
    doc = load_bundle(store.path_of(bundle))
    tensors = load_tensors(store.path_of(doc["tensors"]))
    expected = expected_record(mlp.spec, mlp.data, STEP, j)
    inputs = check_inputs(doc, tensors, expected, mlp.agreed(j))
    assert recompute_leaf(expected, inputs, mlp.trace.leaves()[j - 1]) == mlp.trace.leaves()[j]


# ------------------------------------------------------------------------------ tampering


def _tampered(mlp: Case, j: int, how: str) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    doc, tensors = build_bundle(9, mlp.trace, mlp.state, j)
    op_ref = next(r for r in mlp.trace.records[j - 1].refs() if r.startswith("op:"))
    i = op_ref[3:].split(".")[0]
    if how == "op-input":
        tensors[op_ref] = tensors[op_ref] + 1
    elif how == "state-input":
        state_ref = next(r for r in tensors if r.startswith("param/"))
        tensors[state_ref] = tensors[state_ref] * 2
    elif how == "missing-input":
        del tensors[op_ref]
    elif how == "record":
        doc["records"][int(i) - 1]["seed"] += 1
    elif how == "records-missing":
        doc["records"].pop()
    elif how == "parts":
        doc["outputs"][i] = ["0x" + "00" * 32]
    elif how == "start":
        doc["start"] = "0x" + "ab" * 32
    elif how == "state-leaves":
        doc["state_leaves"][0] = "0x" + "cd" * 32
    elif how == "step":
        doc["step"] = STEP + 1
    elif how == "kind":
        doc["kind"] = "something-else"
    return doc, tensors


TAMPERING = {
    "op-input": "is not the output record",
    "state-input": "is not the state entry",
    "missing-input": "lacks input",
    "record": "do not chain to the agreed leaf",
    "records-missing": "records, op",
    "parts": "output parts of record",
    "start": "do not chain to the agreed leaf",
    "state-leaves": "state leaves do not hash",
    "step": "the request is step",
    "kind": "not an assay-op-inputs",
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampered_bundles_are_refused_naming_what_is_wrong(mlp: Case, how: str) -> None:
    # An operator with both an earlier op's output and a parameter as inputs (a Linear's addmm).
    j = next(
        r.index
        for r in mlp.trace.records
        if any(x.startswith("op:") for x in r.refs())
        and any(x.startswith("param/") for x in r.refs())
    )
    doc, tensors = _tampered(mlp, j, how)
    expected = expected_record(mlp.spec, mlp.data, STEP, j)
    with pytest.raises(OpInputsError, match=TAMPERING[how]):
        check_inputs(doc, tensors, expected, mlp.agreed(j))


def test_a_bundle_whose_agreed_input_differs_is_refused(mlp: Case) -> None:
    j = mlp.first_with("op:")
    doc, tensors = build_bundle(9, mlp.trace, mlp.state, j)
    wrong = Agreed(StateHash(b"\x02" * 32), STEP, j)
    with pytest.raises(OpInputsError, match="do not chain to the agreed leaf"):
        check_inputs(doc, tensors, expected_record(mlp.spec, mlp.data, STEP, j), wrong)


def test_the_end_state_is_not_an_operator(mlp: Case) -> None:
    n = len(mlp.trace.records)
    with pytest.raises(OpInputsError, match="end state"):
        build_bundle(9, mlp.trace, mlp.state, n + 1)
    with pytest.raises(OpInputsError, match="end state"):
        expected_record(mlp.spec, mlp.data, STEP, n + 1)


def test_unreadable_files_raise_op_inputs_errors(tmp_path: Path) -> None:
    (tmp_path / "doc").write_bytes(b"[1, 2")
    (tmp_path / "t").write_bytes(b"not safetensors")
    with pytest.raises(OpInputsError, match="unreadable op-inputs bundle"):
        load_bundle(tmp_path / "doc")
    with pytest.raises(OpInputsError, match="unreadable op-inputs tensors"):
        load_tensors(tmp_path / "t")


def test_a_shape_tracer_reused_across_requests_gives_fresh_shapes(mlp: Case) -> None:
    """The tracer resets its trainer: an optimizer op (which updates parameters in place
    before the step is cut) does not leak into the next request's inputs or records."""
    tracer = ShapeTracer(mlp.spec, mlp.data)
    n = len(mlp.trace.records)
    for j in (n, 2, n - 5, 2):
        want = mlp.trace.records[j - 1].to_json()
        got = tracer.record(STEP, j).record.to_json()
        got.pop("output_hash"), want.pop("output_hash")
        assert got == want
    j = mlp.first_with("batch/")
    doc, tensors = build_bundle(9, mlp.trace, mlp.state, j)
    expected = tracer.record(STEP, j)
    inputs = check_inputs(doc, tensors, expected, mlp.agreed(j))
    assert recompute_leaf(expected, inputs, mlp.trace.leaves()[j - 1]) == mlp.trace.leaves()[j]


def test_a_record_leaf_needs_a_32_byte_previous_leaf(mlp: Case) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        mlp.trace.records[0].leaf(b"short")
