"""Op traces bind h_{s-1} and h_s, replay operator by operator, and locate a wrong operator."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from assay.protocol.merkle import MerkleTree
from assay.repro.data import Dataset
from assay.repro.graph import graph_hash
from assay.repro.kernels import OpContext
from assay.repro.tracer import Recorder, StepTrace, first_divergence, replay_op, trace_step
from assay.repro.trainer import Trainer
from tests.repro.jobs import CNN, GPT, MLP, job


def _state_before(spec: Any, data: Dataset, step: int) -> Trainer:
    trainer = Trainer(spec, data)
    while trainer.step < step - 1:
        trainer.train_step()
    return trainer


@pytest.mark.parametrize("base", [MLP, CNN, GPT], ids=["mlp", "cnn", "gpt"])
def test_every_recorded_op_replays_to_its_output_hash(base: dict[str, Any]) -> None:
    spec, data = job(base)
    trace = trace_step(spec, data, _state_before(spec, data, 2).state, 2)
    assert len(trace.records) > 20
    for record in trace.records:
        assert replay_op(record, trace.inputs_of(record)) == record.output_hash, record.op


def test_op_trace_leaves_are_bound_to_the_step_hashes() -> None:
    spec, data = job(MLP)
    hashes = [r.state_hash for r in Trainer(spec, data).run()]
    trace = trace_step(spec, data, _state_before(spec, data, 3).state, 3)
    leaves = trace.leaves()
    assert leaves[0] == hashes[2] and leaves[-1] == hashes[3]
    assert trace.op_root == MerkleTree(leaves).root
    assert [r.index for r in trace.records] == list(range(1, len(leaves) - 1))


def test_trace_is_deterministic_and_the_graph_is_static_across_steps() -> None:
    spec, data = job(MLP)
    t2 = trace_step(spec, data, _state_before(spec, data, 2).state, 2)
    again = trace_step(spec, data, _state_before(spec, data, 2).state, 2)
    t5 = trace_step(spec, data, _state_before(spec, data, 5).state, 5)
    assert first_divergence(t2, again) is None and t2.op_root == again.op_root
    assert [r.op for r in t2.records] == [r.op for r in t5.records]


class _Corrupting(Recorder):
    """Flips one bit in the output of operator `target`, as a faulty device would."""

    def __init__(self, target: int) -> None:
        super().__init__()
        self.target = target

    def record(self, func: Any, ctx: OpContext, args: Any, kwargs: Any, out: Any) -> None:
        if len(self.records) + 1 == self.target and isinstance(out, torch.Tensor):
            out.view(torch.int32).view(-1)[0] ^= 1 << 20
        super().record(func, ctx, args, kwargs, out)


def test_first_divergence_locates_a_corrupted_operator() -> None:
    spec, data = job(MLP)
    honest = trace_step(spec, data, _state_before(spec, data, 2).state, 2)
    target = next(r.index for r in honest.records if r.op == "aten.mm.default")
    trainer = _state_before(spec, data, 2)
    start = trainer.state_hash()
    recorder = _Corrupting(target)
    trainer.train_step(recorder)
    bad = StepTrace(2, start, trainer.state_hash(), recorder.records, recorder.values)
    assert first_divergence(honest, bad) == target
    record = bad.records[target - 1]
    # The referee recomputes the disputed operator from the agreed inputs: the honest hash.
    assert replay_op(record, honest.inputs_of(record)) == honest.records[target - 1].output_hash
    assert bad.leaves()[-1] != honest.leaves()[-1]


def test_graph_hash_ignores_data_values_and_scalars_but_not_the_architecture() -> None:
    spec, data = job(MLP)
    noisy = Dataset(data.x_train * 2 + 1, (data.y_train + 1) % 10, data.x_test, data.y_test,
                    data.info)  # fmt: skip
    other_lr, _ = job(MLP, training__optimizer={"name": "adamw", "lr": 0.01})
    wider, _ = job(MLP, model__hidden=[33])
    h = graph_hash(spec, data)
    assert len(h) == 32
    assert h == graph_hash(spec, noisy) == graph_hash(other_lr, data)
    assert h != graph_hash(wider, data)
