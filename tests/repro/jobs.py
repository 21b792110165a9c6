"""Small job specs shared by the runtime's system tests."""

from __future__ import annotations

import copy
from typing import Any

from assay.protocol.spec import JobSpec, spec_from_dict
from assay.repro.data import Dataset, load_dataset

MLP: dict[str, Any] = {
    "model": {"arch": "mlp", "hidden": [32], "activation": "gelu", "dropout": 0.1},
    "data": {"source": "sklearn:digits"},
    "training": {"steps": 6, "batch_size": 32, "seed": 3, "grad_clip": 1.0,
                 "optimizer": {"name": "adamw", "lr": 0.003},
                 "schedule": {"name": "cosine", "warmup_steps": 2}},
    "checkpoint": {"interval": 3},
}  # fmt: skip

CNN: dict[str, Any] = {
    "model": {"arch": "cnn", "channels": [4], "dropout": 0.1},
    "data": {"source": "sklearn:digits"},
    "training": {"steps": 3, "batch_size": 16, "seed": 1,
                 "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True,
                               "weight_decay": 0.001}},
    "checkpoint": {"interval": 1},
}  # fmt: skip

GPT: dict[str, Any] = {
    "model": {"arch": "tiny_gpt", "d_model": 16, "n_heads": 2, "n_layers": 1, "seq_len": 8,
              "vocab_size": 32, "dropout": 0.1},
    "data": {"source": "synthetic:char_sequence", "n_samples": 64},
    "training": {"steps": 3, "batch_size": 8, "seed": 1, "grad_clip": 0.5,
                 "optimizer": {"name": "adamw", "lr": 0.003},
                 "schedule": {"name": "warmup", "warmup_steps": 2}},
    "checkpoint": {"interval": 1},
    "evaluation": {"metric": "perplexity"},
}  # fmt: skip


def job(base: dict[str, Any], **changes: Any) -> tuple[JobSpec, Dataset]:
    """A spec from `base` with changes by path (training__seed=4), and its dataset."""
    raw = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = raw
        for key in parents:
            node = node[key]
        node[leaf] = value
    spec = spec_from_dict(raw)
    return spec, load_dataset(spec.data, int(spec.training.seed))
