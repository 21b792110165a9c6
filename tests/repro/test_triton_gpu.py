"""The Triton kernels on a CUDA GPU: the same bits as fp on CPU, and the examples' golden hashes.

Needs a CUDA device (`-m gpu`); skipped everywhere else. tools/gpu_check.sh runs this file in a
process of its own: test_triton_kernels.py decorates interpreted copies of the kernels, and this
file must get the compiled ones (checked below).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import Tensor

from assay.protocol.spec import load_spec
from assay.repro import fp, gpu, native
from assay.repro.data import load_dataset
from assay.repro.trainer import Trainer

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        not torch.cuda.is_available(),
        reason="needs a CUDA device (torch.cuda.is_available() is False); "
        "run tools/gpu_check.sh on a GPU machine",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
KS = [1, 2, 3, 5, 7, 12, 33, 100, 128, 129, 1000, 4097]


@pytest.fixture(scope="module")
def ops() -> Any:
    """The compiled (not interpreted) Triton ops."""
    loaded = gpu.load()
    # deferred: both import triton, which gpu.load() has just checked for
    from triton.runtime.interpreter import InterpretedFunction

    from assay.repro.gpu import kernels

    assert not isinstance(kernels.elementwise_kernel, InterpretedFunction), (
        "the Triton kernels were decorated under TRITON_INTERPRET=1: run this file on its own"
    )
    return loaded


def _bits(t: Tensor) -> np.ndarray:
    a = t.detach().cpu().contiguous().numpy()
    return np.where(np.isnan(a), np.float32(np.nan), a).view(np.uint32)


def _same_bits(on_gpu: Tensor, on_cpu: Tensor) -> None:
    assert on_gpu.device.type == "cuda" and on_gpu.shape == on_cpu.shape
    differ = int((_bits(on_gpu) != _bits(on_cpu)).sum())
    assert differ == 0, f"{differ} of {on_cpu.numel()} results differ in their bits"


def _cpu(fn: Callable[..., Tensor], *args: Any) -> Tensor:
    """fn on CPU by fp's torch code (ASSAY_NATIVE=0), the specification."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(native.ENV_SWITCH, "0")
        return fn(*args)


def _spread(*shape: int, seed: int) -> Tensor:
    g = torch.Generator().manual_seed(seed)
    scale = torch.pow(2.0, torch.randint(-20, 21, shape, generator=g).to(torch.float32))
    return torch.randn(shape, generator=g) * scale


_SPECIALS = torch.tensor(
    [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 88.72, 89.0, -87.3, -103.9, -104.5,
     1e-45, -1e-45, 1e-40, 1.1754942e-38, 3.4028235e38, 1.0, -1.0, 0.55, -0.55, 9.01, -9.02]
)  # fmt: skip


def _inputs(domain: str, n: int = 1 << 20) -> Tensor:
    g = torch.Generator().manual_seed(0)
    if domain == "positive":
        body = torch.randint(0, 0x7F800000, (n,), generator=g, dtype=torch.int32)
        return torch.cat([body.view(torch.float32), _SPECIALS])
    scale = {"wide": 40.0, "moderate": 4.0, "small": 0.5}[domain]
    return torch.cat([torch.randn(n, generator=g) * scale, _SPECIALS])


@pytest.mark.parametrize(
    ("name", "domain"),
    [("exp", "wide"), ("log", "positive"), ("log", "moderate"), ("tanh", "moderate"),
     ("tanh", "small"), ("sigmoid", "wide"), ("gelu", "moderate")],
)  # fmt: skip
def test_transcendentals_on_the_gpu_match_fp_on_cpu(ops: Any, name: str, domain: str) -> None:
    x = _inputs(domain)
    _same_bits(getattr(ops, name)(x.cuda()), getattr(fp, name)(x))


@pytest.mark.parametrize("n", KS)
def test_tree_sum_on_the_gpu_matches_fp_on_cpu(ops: Any, n: int) -> None:
    x = _spread(33, n, seed=n)
    want = _cpu(fp.tree_sum, x, 1)
    _same_bits(ops.tree_sum(x.cuda(), 1), want)
    _same_bits(ops.tree_sum(x.t().contiguous().cuda(), 0), want)


@pytest.mark.parametrize("k", KS)
def test_matmul_on_the_gpu_matches_fp_on_cpu(ops: Any, k: int) -> None:
    a, b = _spread(37, k, seed=k), _spread(k, 70, seed=k + 1)
    _same_bits(ops.matmul(a.cuda(), b.cuda()), _cpu(fp.matmul, a, b))


@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [((64, 64), (64, 128)), ((64, 128), (128, 10)), ((128, 64), (64, 64)), ((4096, 72), (72, 16)),
     ((256, 32), (32, 96)), ((16, 2, 16, 16), (16, 2, 16, 16)), ((2, 3, 5, 7), (7, 9)),
     ((512, 512), (512, 512))],
)  # fmt: skip
def test_matmul_at_zoo_shapes_on_the_gpu(
    ops: Any, a_shape: tuple[int, ...], b_shape: tuple[int, ...]
) -> None:
    a, b = _spread(*a_shape, seed=1), _spread(*b_shape, seed=2)
    _same_bits(ops.matmul(a.cuda(), b.cuda()), fp.matmul(a, b))


def test_fp_runs_the_triton_kernels_on_cuda_when_asked(
    ops: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = ops.matmul

    def counting(a: Tensor, b: Tensor) -> Tensor:
        calls.append("matmul")
        return real(a, b)

    monkeypatch.setattr(ops, "matmul", counting)
    a, b = _spread(5, 9, seed=3), _spread(9, 4, seed=4)
    monkeypatch.delenv(gpu.ENV_SWITCH, raising=False)
    _same_bits(fp.matmul(a.cuda(), b.cuda()), fp.matmul(a, b))
    assert calls == []
    monkeypatch.setenv(gpu.ENV_SWITCH, "1")
    _same_bits(fp.matmul(a.cuda(), b.cuda()), fp.matmul(a, b))
    assert calls == ["matmul"]


@pytest.mark.parametrize("triton_kernels", [True, False], ids=["triton", "torch-code"])
@pytest.mark.parametrize("example", ["digits-mlp", "digits-cnn", "tiny-gpt"])
def test_example_trains_to_its_golden_hashes_on_the_gpu(
    example: str, triton_kernels: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if triton_kernels:
        monkeypatch.setenv(gpu.ENV_SWITCH, "1")
    else:
        monkeypatch.delenv(gpu.ENV_SWITCH, raising=False)
    spec = load_spec(ROOT / "examples" / f"{example}.toml")
    data = load_dataset(spec.data, int(spec.training.seed))
    want = GOLDEN.joinpath(f"{example}.txt").read_text().split()
    got = ["0x" + bytes(r.state_hash).hex() for r in Trainer(spec, data, device="cuda").run()]
    assert len(got) == len(want)
    first = next((i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b), None)
    assert first is None, f"{example} on CUDA: h_{first} differs from the golden hash"
