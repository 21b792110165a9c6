"""The shipped examples learn under the reproducible runtime, and as well as plain torch does.

Each example spec (examples/*.toml) is loaded as shipped; where the reproducible CPU runtime would
be too slow for the suite only the steps and the warmup shrink (models as shipped).
Bit-reproducibility itself is tested in test_trainer.py; here the question
is whether the fixed-order kernels compute the right thing: the loss falls, and the final metric
is within 0.03 of the same job trained natively (`Trainer(..., reproducible=False)`, same rng
init and batch order, torch's own kernels).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from assay.protocol.spec import JobSpec, spec_from_dict
from assay.repro.data import Dataset, load_dataset
from assay.repro.trainer import Trainer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example(name: str, **changes: Any) -> tuple[JobSpec, Dataset]:
    """examples/<name>.toml with `changes` by path (training__steps=50), and its dataset."""
    with open(EXAMPLES / f"{name}.toml", "rb") as fh:
        raw = tomllib.load(fh)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = raw
        for key in parents:
            node = node[key]
        node[leaf] = value
    spec = spec_from_dict(raw)
    return spec, load_dataset(spec.data, int(spec.training.seed))


def _train(spec: JobSpec, data: Dataset, reproducible: bool = True) -> tuple[list[float], float]:
    """Training losses of every step, and the final metric."""
    trainer = Trainer(spec, data, reproducible=reproducible)
    losses = [r.loss for r in trainer.run() if r.loss is not None]
    assert len(losses) == spec.training.steps
    return losses, trainer.evaluate()


def _assert_loss_falls(losses: list[float], factor: float) -> None:
    tenth = max(1, len(losses) // 10)
    first = sum(losses[:tenth]) / tenth
    last = sum(losses[-tenth:]) / tenth
    assert last < factor * first, f"loss did not fall enough: first {first:.4f}, last {last:.4f}"


def _shrink(steps: int, warmup: int) -> dict[str, Any]:
    return {
        "training__steps": steps,
        "training__schedule__warmup_steps": warmup,
        "checkpoint__interval": steps,
    }


def test_digits_mlp_matches_native_training() -> None:
    spec, data = _example("digits-mlp")  # as shipped: 500 steps, ~10 ms/step
    losses, accuracy = _train(spec, data)
    _assert_loss_falls(losses, 0.25)
    native_losses, native_accuracy = _train(spec, data, reproducible=False)
    _assert_loss_falls(native_losses, 0.25)
    assert accuracy >= 0.9, accuracy
    assert abs(accuracy - native_accuracy) <= 0.03, (accuracy, native_accuracy)


def test_digits_cnn_learns_and_matches_native_training() -> None:
    spec, data = _example("digits-cnn", **_shrink(150, 10))  # the shipped model, 150 of 500 steps
    losses, accuracy = _train(spec, data)
    _assert_loss_falls(losses, 0.5)
    _, native_accuracy = _train(spec, data, reproducible=False)
    assert accuracy >= 0.8, accuracy
    assert abs(accuracy - native_accuracy) <= 0.03, (accuracy, native_accuracy)


@pytest.mark.parametrize("steps", [100], ids=["100-steps"])
def test_tiny_gpt_learns(steps: int) -> None:
    spec, data = _example("tiny-gpt", **_shrink(steps, 10))
    losses, perplexity = _train(spec, data)
    _assert_loss_falls(losses, 0.8)
    vocab = spec.model.vocab_size
    assert 1.0 < perplexity < 0.8 * vocab, perplexity  # clearly better than uniform guessing
    _, native = _train(spec, data, reproducible=False)
    assert abs(perplexity - native) <= 0.03 * native, (perplexity, native)
