"""The compiled elementwise kernels and optimizer updates against fp's / optim's torch code."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from torch import Tensor

from assay.repro import fp, optim
from assay.repro.dispatch import repro
from tests.repro.native_check import assert_same, randn, torch_path, with_specials

pytestmark = pytest.mark.usefixtures("native_on")

UNARY = {
    "exp": fp.exp,
    "log": fp.log,
    "tanh": fp.tanh,
    "sigmoid": fp.sigmoid,
    "gelu": fp.gelu,
}


def _every_exponent(n: int, seed: int) -> Tensor:
    """n float32s from uniformly random bit patterns: every exponent, sign, denormal, inf, nan."""
    words = np.random.default_rng(seed).integers(0, 2**32, size=n, dtype=np.uint64)
    return torch.from_numpy(words.astype(np.uint32).view(np.float32).copy())


def _domains(seed: int) -> dict[str, Tensor]:
    return {
        "bit patterns": _every_exponent(50_000, seed),
        "unit normal": randn(20_000, seed=seed),
        "wide normal": randn(20_000, seed=seed + 1) * 40,
        "specials": with_specials(randn(5_000, seed=seed + 2) * 10, seed),
        "near exp limits": torch.linspace(-110.0, 95.0, 20_001),
        "near tanh split": torch.linspace(0.5, 0.6, 10_001)
        * torch.tensor([1.0, -1.0]).repeat(5_001)[:10_001],
    }


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("domain", sorted(_domains(0)))
def test_unary_kernels_match_the_torch_path(ops: Any, name: str, domain: str) -> None:
    x = _domains(0)[domain]
    fn = UNARY[name]
    got = fn(x)
    assert_same(got, torch_path(fn, x))
    assert_same(getattr(ops, name)(x), got)  # the compiled kernel really is what ran


def test_unary_kernels_keep_the_shape_of_non_contiguous_inputs() -> None:
    x = randn(6, 9, seed=3).t()
    for fn in UNARY.values():
        assert_same(fn(x), torch_path(fn, x))


@pytest.mark.parametrize("domain", sorted(_domains(0)))
def test_gelu_backward_matches_the_torch_path(domain: str) -> None:
    x = _domains(1)[domain]
    grad = randn(*x.shape, seed=9)
    assert_same(fp.gelu_backward(grad, x), torch_path(fp.gelu_backward, grad, x))


def test_the_compiled_exp_rounds_like_the_specification_not_like_libm(ops: Any) -> None:
    # A libm exp would be correctly rounded here; the runtime's polynomial is not (1.17 ulp max),
    # and the compiled kernel must reproduce the runtime, not libm.
    x = randn(200_000, seed=5) * 30
    x = x.clamp(-80, 80)
    libm = torch.from_numpy(np.exp(x.double().numpy()).astype(np.float32))
    ours = ops.exp(x)
    assert not torch.equal(ours, libm)
    assert_same(ours, torch_path(fp.exp, x))


# --- optimizer updates --------------------------------------------------------------------------


def _slots(opt: optim.Optimizer, p: Tensor, seed: int) -> dict[str, Tensor]:
    out = {}
    for i, name in enumerate(opt.slots()):
        t = randn(*p.shape, seed=seed + i)
        out[name] = t * t if name == "exp_avg_sq" else t  # a second moment is never negative
    return out


OPTIMIZERS: dict[str, optim.Optimizer] = {
    "adamw": optim.AdamW(),
    "adamw no decay": optim.AdamW(beta1=0.8, beta2=0.95, eps=1e-6, weight_decay=0.0),
    "sgd": optim.SGD(),
    "sgd momentum": optim.SGD(momentum=0.9, weight_decay=1e-4),
    "sgd nesterov": optim.SGD(momentum=0.9, nesterov=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("step", [1, 2, 37])
def test_in_place_update_matches_the_op_by_op_update(name: str, step: int) -> None:
    opt = OPTIMIZERS[name]
    p, g = randn(33, 17, seed=1), with_specials(randn(33, 17, seed=2), seed=step)
    g = torch.where(torch.isnan(g), 0.0, g)  # keep one nan from poisoning the whole comparison
    slots = _slots(opt, p, seed=3)
    with repro():  # the op-by-op form is the specification under ReproMode's kernels
        want_p, want_slots = opt.update(p, g, slots, 3e-3, step)
    got_p, got_slots = p.clone(), {k: v.clone() for k, v in slots.items()}
    assert opt.update_(got_p, g, got_slots, 3e-3, step) is True
    assert_same(got_p, want_p)
    for k, v in want_slots.items():
        assert_same(got_slots[k], v)


def test_in_place_update_declines_what_the_compiled_kernel_cannot_take(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opt = optim.AdamW()
    p, g = randn(4, 4, seed=1), randn(4, 4, seed=2)
    slots = _slots(opt, p, seed=3)
    before = p.clone()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSAY_NATIVE", "0")
        assert opt.update_(p, g, slots, 1e-3, 1) is False
    assert torch.equal(p, before)  # declined means untouched: the caller runs the op-by-op form
    assert opt.update_(p.t(), g, slots, 1e-3, 1) is False  # not contiguous
