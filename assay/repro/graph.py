"""graphHash: the commitment to a job's per-step operator graph, known before training.

keccak256 over the canonical JSON list of (op name, input reference structure, output
shapes and dtypes) of one training step, recorded with `tracer.encode(structural=True)` —
integer and float arguments (lr, bias corrections) appear by type only, so every step of the
job has the same graph. The step runs from the initial state on an all-zero copy of the data,
so the hash cannot depend on data values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from eth_hash.auto import keccak
from torch import Tensor

from assay.repro.kernels import OpContext, op_name
from assay.repro.tracer import encode


@dataclass(frozen=True)
class Operator:
    """One recorded operator of a step: its aten name and the model layer (or phase) that ran it."""

    name: str
    layer: str


class _GraphRecorder:
    def __init__(self, layer: Callable[[], str] = lambda: "") -> None:
        self.entries: list[Any] = []
        self.operators: list[Operator] = []
        self._layer = layer
        self._refs: dict[int, str] = {}
        self._alive: list[Tensor] = []

    def bind(self, name: str, tensor: Tensor) -> None:
        self._refs[id(tensor)] = name
        self._alive.append(tensor)

    def _ref(self, tensor: Tensor) -> str:
        return self._refs.get(id(tensor), "const")

    def record(
        self, func: Any, ctx: OpContext, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any
    ) -> None:
        index = len(self.entries) + 1
        self.operators.append(Operator(op_name(func), self._layer()))
        outs = list(out) if isinstance(out, list | tuple) else [out]
        meta = [[list(t.shape), str(t.dtype)] if isinstance(t, Tensor) else None for t in outs]
        self.entries.append([op_name(func), encode(list(args), self._ref, True),
                             {k: encode(v, self._ref, True) for k, v in sorted(kwargs.items())},
                             ctx.purpose, meta])  # fmt: skip
        for k, t in enumerate(outs):
            if isinstance(t, Tensor):
                self.bind(f"op:{index}" if len(outs) == 1 else f"op:{index}.{k}", t)


def graph_hash(spec: Any, dataset: Any = None) -> bytes:
    """keccak256 of the step graph of `spec` (see the module docstring)."""
    return step_graph(spec, dataset)[0]


def ops_per_step(spec: Any, dataset: Any = None) -> int:
    """N, the op count every step of `spec` commits in a dispute: r_0..r_N are h_{s-1}, one chained
    record per operator of the step graph, and h_s, so N = operators + 1."""
    return step_graph(spec, dataset)[1]


def step_graph(spec: Any, dataset: Any = None) -> tuple[bytes, int]:
    """(graphHash, N) of `spec` from one recorded step (see `graph_hash`, `ops_per_step`)."""
    recorder = _record_step(spec, dataset)
    text = json.dumps(recorder.entries, sort_keys=True, separators=(",", ":"))
    return bytes(keccak(text.encode())), len(recorder.entries) + 1


def step_operators(spec: Any, dataset: Any = None) -> list[Operator]:
    """The operators of every step of `spec`, in record order: record j (leaf r_j, 1 <= j < N)
    is `step_operators(spec)[j - 1]`; the graph is static, so this holds for every step."""
    return _record_step(spec, dataset).operators


def _record_step(spec: Any, dataset: Any) -> _GraphRecorder:
    # deferred: assay.repro.data takes ~0.6 s to import
    from assay.repro.data import Dataset, load_dataset

    # deferred: assay.repro.trainer takes ~0.5 s to import
    from assay.repro.trainer import Trainer

    data = dataset if dataset is not None else load_dataset(spec.data, int(spec.training.seed))
    zero = torch.zeros_like
    zeros = Dataset(zero(data.x_train), zero(data.y_train), zero(data.x_test), zero(data.y_test),
                    data.info)  # fmt: skip
    trainer = Trainer(spec, zeros)
    recorder = _GraphRecorder(layer=lambda: trainer.mode.layer)
    trainer.train_step(recorder)
    return recorder
