"""The Triton kernels (assay.repro.gpu) against fp's torch code and the compiled CPU kernels, bit
for bit, run on CPU by Triton's interpreter (TRITON_INTERPRET=1 while the kernels are decorated).

The interpreter executes each kernel's operations one numpy float32 operation at a time, so this
checks the operation sequence (tree order, rounding points, constants, special values); what the
CUDA compiler makes of it (no FMA, no flushing) is test_triton_ptx.py's job, and the bits on a real
GPU are test_triton_gpu.py's (tools/gpu_check.sh).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch
import triton
import triton.language as tl
from torch import Tensor
from triton.runtime.interpreter import InterpretedFunction

from assay.repro import fp, gpu, native
from assay.repro.errors import ReproducibilityError

_MODULES = ("assay.repro.gpu.kernels", "assay.repro.gpu.ops")


@contextlib.contextmanager
def _interpreter() -> Iterator[None]:
    """Kernels decorated inside run on CPU under Triton's interpreter (triton.jit reads
    TRITON_INTERPRET when it decorates); assay.repro.gpu's modules import afresh inside, and
    everything is put back afterwards, so other test files still get compiled kernels."""
    saved = {name: sys.modules.pop(name) for name in _MODULES if name in sys.modules}
    attrs = {name: gpu.__dict__.pop(name) for name in ("kernels", "ops") if name in gpu.__dict__}
    before = os.environ.get("TRITON_INTERPRET")
    os.environ["TRITON_INTERPRET"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["TRITON_INTERPRET"]
        else:
            os.environ["TRITON_INTERPRET"] = before
        for name in _MODULES:
            sys.modules.pop(name, None)
        gpu.__dict__.pop("kernels", None)
        gpu.__dict__.pop("ops", None)
        sys.modules.update(saved)
        gpu.__dict__.update(attrs)


with _interpreter():
    kernels: ModuleType = importlib.import_module("assay.repro.gpu.kernels")
    ops: ModuleType = importlib.import_module("assay.repro.gpu.ops")

# The interpreter computes inf - inf and overflows in numpy, which warns; the kernels mean them.
pytestmark = pytest.mark.filterwarnings(
    "ignore:overflow encountered:RuntimeWarning", "ignore:invalid value encountered:RuntimeWarning"
)

KS = [1, 2, 3, 5, 7, 12, 33, 100]


@pytest.fixture(scope="module", autouse=True)
def _interpreted() -> None:
    assert isinstance(kernels.elementwise_kernel, InterpretedFunction)
    assert isinstance(_other_order_kernel, InterpretedFunction)


@pytest.fixture(scope="module")
def compiled() -> Any:
    """The compiled CPU kernels (assay.repro.native), built if `make setup` has not."""
    loaded = native.load()
    if loaded is None:
        native.build()
        loaded = native.load()
    assert loaded is not None, "built the extension, but load() refuses it"
    return loaded


def _torch_path(fn: Callable[..., Tensor], *args: Any) -> Tensor:
    """fn by fp's torch code (ASSAY_NATIVE=0): the specification."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(native.ENV_SWITCH, "0")
        return fn(*args)


def _bits(t: Tensor) -> np.ndarray:
    """uint32 bit patterns with every NaN mapped to one pattern (payloads are not specified)."""
    a = t.detach().contiguous().numpy()
    return np.where(np.isnan(a), np.float32(np.nan), a).view(np.uint32)


def _assert_same(got: Tensor, want: Tensor) -> None:
    assert got.shape == want.shape
    differ = int((_bits(got) != _bits(want)).sum())
    assert differ == 0, f"{differ} of {want.numel()} results differ in their bits"


def _spread(*shape: int, seed: int) -> Tensor:
    """Normal values times 2^[-20, 20]: sums whose value depends on the order of additions."""
    g = torch.Generator().manual_seed(seed)
    scale = torch.pow(2.0, torch.randint(-20, 21, shape, generator=g).to(torch.float32))
    return torch.randn(shape, generator=g) * scale


_SPECIAL_SUMMANDS = torch.tensor(
    [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-40, -3e-42, 1.4e-45, 1.1754942e-38, 3.4e38, -3.4e38]
)


def _with_specials(x: Tensor, seed: int) -> Tensor:
    """x with about a fifth of its entries made inf, -inf, nan, ±0, denormal or huge."""
    g = torch.Generator().manual_seed(seed)
    pick = torch.randint(0, len(_SPECIAL_SUMMANDS), x.shape, generator=g)
    hit = torch.rand(x.shape, generator=g) < 0.2
    return torch.where(hit, _SPECIAL_SUMMANDS[pick], x)


# --- transcendentals -----------------------------------------------------------------------------

_SPECIALS = torch.tensor(
    [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 88.72, 89.0, -87.3, -103.9, -104.5,
     1e-45, -1e-45, 1e-40, -1e-40, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1.0, -1.0, 0.55,
     -0.55, 0.54999995, 9.01, -9.02, -5.5, 1e-20, -1e-20]
)  # fmt: skip


def _inputs(domain: str, n: int = 6000, seed: int = 0) -> Tensor:
    g = torch.Generator().manual_seed(seed)
    if domain == "positive":  # uniform bit patterns: every binade, denormals included
        body = torch.randint(0, 0x7F800000, (n,), generator=g, dtype=torch.int32).view(
            torch.float32
        )
    else:
        body = torch.randn(n, generator=g) * {"wide": 40.0, "moderate": 4.0, "small": 0.5}[domain]
    return torch.cat([body, _SPECIALS])


TRANSCENDENTALS = [
    ("exp", "wide"),
    ("log", "positive"),
    ("log", "moderate"),
    ("tanh", "moderate"),
    ("tanh", "small"),
    ("sigmoid", "wide"),
    ("gelu", "moderate"),
]


@pytest.mark.parametrize(("name", "domain"), TRANSCENDENTALS)
def test_transcendentals_match_fp_bit_for_bit(name: str, domain: str) -> None:
    x = _inputs(domain)
    _assert_same(getattr(ops, name)(x), getattr(fp, name)(x))


def test_transcendentals_keep_the_shape_and_special_values() -> None:
    x = _SPECIALS.reshape(3, 9)
    for name in ("exp", "log", "tanh", "sigmoid", "gelu"):
        _assert_same(getattr(ops, name)(x), getattr(fp, name)(x))
    zeros = torch.tensor([0.0, -0.0])
    assert torch.signbit(ops.tanh(zeros)).tolist() == [False, True]  # tanh(-0) = -0
    assert ops.gelu(torch.tensor([float("-inf")])).item() == 0.0
    assert ops.exp(torch.empty(0)).shape == (0,)


def test_the_comparison_catches_a_fused_multiply_add() -> None:
    # The check above can fail: exp's Horner steps done as fused multiply-adds (exact product and
    # sum, one rounding: what an FMA gives) differ from fp.exp on the same inputs.
    x = _inputs("wide")
    xc = torch.clamp(torch.where(torch.isnan(x), 0.0, x), fp._EXP_MIN, fp._EXP_MAX)
    nf = ((xc * fp._LOG2E) + fp._ROUND_MAGIC) - fp._ROUND_MAGIC
    r = ((xc - nf * fp._LN2_HI) - nf * fp._LN2_LO).double()
    p = torch.full_like(r, fp._EXP_POLY[0])
    for c in fp._EXP_POLY[1:]:
        p = (p * r + c).float().double()  # exact in float64 for these magnitudes, then one rounding
    n = nf.to(torch.int32)
    fused = (p.float() * fp._pow2(n >> 1)) * fp._pow2(n - (n >> 1))
    fused = torch.where(torch.isnan(x), x, fused)
    assert (_bits(fused) != _bits(fp.exp(x))).sum() > 0
    _assert_same(ops.exp(x), fp.exp(x))


# --- tree_sum ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [*KS, 128, 129, 300])
def test_tree_sum_matches_fp_and_the_compiled_kernel(n: int, compiled: Any) -> None:
    x = _spread(6, n, seed=n)
    got = ops.tree_sum(x, 1)
    _assert_same(got, _torch_path(fp.tree_sum, x, 1))
    _assert_same(got, compiled.tree_sum(x, 1))


@pytest.mark.parametrize(("shape", "dim"), [((33, 5), 0), ((4, 12, 3), 1), ((2, 3, 100), -1)])
def test_tree_sum_over_any_dim_and_keepdim(shape: tuple[int, ...], dim: int) -> None:
    x = _spread(*shape, seed=len(shape))
    _assert_same(ops.tree_sum(x, dim), _torch_path(fp.tree_sum, x, dim))
    _assert_same(ops.tree_sum(x, dim, keepdim=True), fp.tree_sum(x, dim, keepdim=True))


@pytest.mark.parametrize("n", [2, 3, 7, 33, 300])
def test_tree_sum_of_special_values(n: int) -> None:
    x = _with_specials(_spread(8, n, seed=n + 1), seed=n)
    _assert_same(ops.tree_sum(x, 1), _torch_path(fp.tree_sum, x, 1))


def test_tree_sum_keeps_negative_zero_and_sums_nothing_to_positive_zero() -> None:
    for n in (1, 2, 3, 5, 7, 12, 33, 129):
        got = ops.tree_sum(torch.full((2, n), -0.0), 1)
        assert torch.signbit(got).all(), f"a sum of {n} negative zeros lost its sign"
    assert _bits(ops.tree_sum(torch.empty(3, 0), 1)).tolist() == [0, 0, 0]
    assert ops.tree_sum(torch.empty(0, 5), 1).shape == (0,)


def _other_order_rows(x_ptr, out_ptr, n, WIDTH: tl.constexpr, LEVELS: tl.constexpr,
                        HALVES: tl.constexpr, NEGATIVE_PAD: tl.constexpr):  # fmt: skip
    """One row's sum in a deliberately different order: halves (x_i + x_{i+W/2}, the usual GPU
    reduction) or adjacent pairs, padded with -0 or +0."""
    k = tl.arange(0, WIDTH)
    x = tl.load(x_ptr + tl.program_id(0) * n + k, mask=k < n, other=0.0)
    if NEGATIVE_PAD:
        x = tl.where(k < n, x, kernels._negative_zeros(x))
    for level in tl.static_range(LEVELS):
        if HALVES:
            left, right = x.reshape(2, WIDTH >> (level + 1)).permute(1, 0).split()
        else:
            left, right = x.reshape(WIDTH >> (level + 1), 2).split()
        x = left + right
    tl.store(out_ptr + tl.program_id(0) + tl.arange(0, 1), x)


with _interpreter():
    _other_order_kernel = triton.jit(_other_order_rows)


def _other_order(x: Tensor, halves: bool, negative_pad: bool = True) -> Tensor:
    rows, n = x.shape
    levels = max(0, (n - 1).bit_length())
    out = torch.empty(rows)
    _other_order_kernel[(rows,)](x, out, n, WIDTH=1 << levels, LEVELS=levels, HALVES=halves,
                                 NEGATIVE_PAD=negative_pad)  # fmt: skip
    return out


def test_the_comparison_catches_another_tree_order_or_padding() -> None:
    # What the tests above compare with can tell orders apart: the same inputs summed by halves,
    # or in the right order but padded with +0 instead of -0, give other bits.
    x = _spread(64, 100, seed=5)
    want = _torch_path(fp.tree_sum, x, 1)
    _assert_same(ops.tree_sum(x, 1), want)
    assert (_bits(_other_order(x, halves=True)) != _bits(want)).sum() > 0
    _assert_same(_other_order(x, halves=False), want)  # the spec's order, padded right
    zeros = torch.full((1, 5), -0.0)
    assert torch.signbit(ops.tree_sum(zeros, 1)).all()
    assert torch.signbit(_other_order(zeros, halves=False)).all()
    assert not torch.signbit(_other_order(zeros, halves=False, negative_pad=False)).any()


# --- matmul --------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [*KS, 129, 300])
def test_matmul_matches_fp_and_the_compiled_kernel(k: int, compiled: Any) -> None:
    a, b = _spread(3, k, seed=k), _spread(k, 37, seed=k + 1)
    got = ops.matmul(a, b)
    _assert_same(got, _torch_path(fp.matmul, a, b))
    _assert_same(got, compiled.matmul(a, b))


# The zoo's inner dimensions and widths; rows (batch, tokens, pixels) cut to keep the interpreter
# quick: every row is computed alike.
ZOO_SHAPES = [
    ((8, 64), (64, 128)),  # digits-mlp: hidden layer
    ((8, 128), (128, 10)),  # digits-mlp: head
    ((24, 16), (16, 64)),  # digits-mlp: weight gradient (K = batch)
    ((16, 72), (72, 16)),  # digits-cnn: im2col 3x3 conv, 8 -> 16 channels
    ((16, 32), (32, 96)),  # tiny-gpt: qkv projection
    ((2, 2, 16, 16), (2, 2, 16, 16)),  # tiny-gpt: attention scores per head
    ((2, 3, 5, 7), (7, 9)),  # one b for every matrix
    ((2, 1, 5, 7), (1, 3, 7, 9)),  # both broadcast
]


@pytest.mark.parametrize(("a_shape", "b_shape"), ZOO_SHAPES)
def test_matmul_at_zoo_and_batched_shapes(
    a_shape: tuple[int, ...], b_shape: tuple[int, ...]
) -> None:
    a, b = _spread(*a_shape, seed=1), _spread(*b_shape, seed=2)
    _assert_same(ops.matmul(a, b), _torch_path(fp.matmul, a, b))


def test_matmul_of_non_contiguous_and_special_inputs() -> None:
    a = _with_specials(_spread(9, 33, seed=3), seed=3)
    b = _with_specials(_spread(40, 33, seed=4), seed=4)
    _assert_same(ops.matmul(a, b.t()), _torch_path(fp.matmul, a, b.t()))
    _assert_same(ops.matmul(a[::2, 1:], b.t()[1:, ::3]), fp.matmul(a[::2, 1:], b.t()[1:, ::3]))


def test_matmul_edge_shapes_and_signed_zero_sums() -> None:
    got = ops.matmul(torch.full((2, 5), -0.0), torch.ones(5, 3))
    assert torch.equal(got, torch.zeros(2, 3)) and bool(torch.signbit(got).all())
    _assert_same(
        ops.matmul(torch.ones(2, 0), torch.ones(0, 3)),
        fp.matmul(torch.ones(2, 0), torch.ones(0, 3)),
    )
    assert ops.matmul(torch.ones(0, 4), torch.ones(4, 3)).shape == (0, 3)


def test_matmul_rounds_each_product_before_adding_it() -> None:
    # (1 + 2^-12)^2 rounds to 1 + 2^-11; adding -1 gives 2^-11, where an FMA keeps the 2^-24.
    x = 1.0 + 2.0**-12
    separate = np.float32(np.float32(x) * np.float32(x)) + np.float32(-1.0)
    assert separate != np.float32(x * x - 1.0)
    assert ops.matmul(torch.tensor([[x, -1.0]]), torch.tensor([[x], [1.0]])).item() == separate


def test_the_kernels_refuse_other_dtypes_and_shapes() -> None:
    with pytest.raises(ValueError, match="float32-only"):
        ops.exp(torch.zeros(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="do not align"):
        ops.matmul(torch.zeros(2, 3), torch.zeros(4, 5))
    with pytest.raises(ValueError, match="at least one dimension"):
        ops.tree_sum(torch.tensor(1.0), 0)


# --- selection by fp -----------------------------------------------------------------------------


def test_fp_selects_the_triton_kernels_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    x = torch.ones(3)
    monkeypatch.delenv(gpu.ENV_SWITCH, raising=False)
    assert gpu.enabled() is None
    monkeypatch.setenv(gpu.ENV_SWITCH, "1")
    loaded = gpu.enabled()
    assert loaded is not None and loaded is sys.modules["assay.repro.gpu.ops"]
    assert fp._triton_ops(x) is None  # CPU tensors keep fp's own code (and the native kernels)
    assert fp._triton_ops(x.to("meta")) is None


def test_a_missing_triton_is_an_error_naming_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(gpu.ENV_SWITCH, "1")
    monkeypatch.delattr(gpu, "ops", raising=False)  # never imported: the import runs and fails
    monkeypatch.delitem(sys.modules, "assay.repro.gpu.ops", raising=False)
    monkeypatch.setitem(sys.modules, "triton", None)
    gpu.load.cache_clear()
    try:
        with pytest.raises(ReproducibilityError, match="ASSAY_TRITON=1") as caught:
            gpu.enabled()
        assert caught.value.hint is not None and gpu.TRITON_PIN in caught.value.hint
    finally:
        gpu.load.cache_clear()


def test_the_kernels_refuse_tensors_their_32_bit_indices_cannot_reach() -> None:
    huge = torch.empty(2**31, dtype=torch.float32, device="meta")  # no memory, just a size
    with pytest.raises(ValueError, match="32-bit"):
        ops.exp(huge)
    with pytest.raises(ValueError, match="32-bit"):
        ops.matmul(
            torch.empty(2**16, 2**10, device="meta"), torch.empty(2**10, 2**16, device="meta")
        )
