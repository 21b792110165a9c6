"""Every reproducible kernel, called as an aten operator under ReproMode, against the scalar oracle.

The determinism contract (docs/runtime.md) is checked against an independent oracle that must
agree bit for bit. Each test below calls `torch.ops.aten.<op>` inside `ReproMode` (checking that
the mode really received that overload, not a decomposition), and compares the result's bit
patterns with `tests.repro.oracle`, written from the documented algorithms one np.float32 op at a
time. NaN payloads are not part of the contract; every NaN compares equal to every NaN.

`test_every_kernel_has_an_oracle` keeps the KERNELS table and this file in step: a kernel added
without an oracle test fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from assay.repro.dispatch import ReproMode
from assay.repro.kernels import KERNELS
from tests.repro import oracle

aten = torch.ops.aten
F32 = np.float32
FAST = settings(max_examples=50, deadline=None)
SLOW = settings(max_examples=25, deadline=None)
NAN, INF = float("nan"), float("inf")

# --- coverage bookkeeping ---------------------------------------------------------------------

COVERED: set[Any] = set()

# Kernels exempt from an oracle test: only pure data movement may go here, with a reason. Empty:
# even embedding.default (an exact gather) and amax/max (exact selections) are checked below.
DATA_MOVEMENT_ALLOW_LIST: frozenset[Any] = frozenset()


def covers(*ops: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark the aten overloads a test checks against the oracle."""

    def mark(test: Callable[..., None]) -> Callable[..., None]:
        COVERED.update(ops)
        return test

    return mark


# --- helpers ----------------------------------------------------------------------------------


class _Seen:
    def __init__(self) -> None:
        self.ops: list[Any] = []

    def bind(self, name: str, tensor: torch.Tensor) -> None:
        pass

    def record(self, func: Any, ctx: Any, args: Any, kwargs: Any, out: Any) -> None:
        self.ops.append(func)


def run(op: Any, *args: Any, **kwargs: Any) -> Any:
    """`op(*args, **kwargs)` under ReproMode; asserts the mode saw exactly this overload."""
    seen = _Seen()
    with ReproMode(recorder=seen):
        out = op(*args, **kwargs)
    assert op in seen.ops, f"ReproMode never saw {op}; it saw {[str(o) for o in seen.ops]}"
    return out


def t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a, dtype=np.float32, copy=True))


def _bits(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float32)
    return np.where(np.isnan(a), np.float32(np.nan), a).view(np.int32)


def same(got: torch.Tensor, want: np.ndarray, what: str = "") -> None:
    """Bit-for-bit equality (int32 views), any NaN equal to any NaN."""
    assert got.dtype == torch.float32, (what, got.dtype)
    g = got.detach().numpy()
    w = np.asarray(want, dtype=np.float32)
    assert g.shape == w.shape, (what, g.shape, w.shape)
    if not np.array_equal(_bits(g), _bits(w)):
        bad = np.argwhere(_bits(g) != _bits(w))[:5]
        detail = [(tuple(i), g[tuple(i)], w[tuple(i)]) for i in bad]
        raise AssertionError(f"{what}: kernel != oracle at (index, kernel, oracle) {detail}")


@pytest.fixture(autouse=True)
def _quiet_numpy() -> Iterator[None]:
    with np.errstate(all="ignore"):
        yield


# --- strategies -------------------------------------------------------------------------------

_special = st.sampled_from(
    [
        float(F32(v))  # exactly representable, so hypothesis stores them unchanged
        for v in (NAN, INF, -INF, 0.0, -0.0, 1e-45, -1e-45, 1e-40, 1.1754944e-38, 3.4028235e38,
                  -3.4028235e38)
    ]
)  # fmt: skip
_moderate = st.floats(min_value=-30.0, max_value=30.0, width=32)
_finite = st.floats(min_value=-1e4, max_value=1e4, width=32)
_mixed = st.one_of(st.floats(width=32), _moderate, _special)
# Reductions: mixed magnitudes make the summation order visible in the last bits.
_wide = st.one_of(
    _finite,
    st.floats(min_value=-1e7, max_value=1e7, width=32),
    st.floats(min_value=-(2.0**-10), max_value=2.0**-10, width=32),
)
_shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


def _arr(elements: st.SearchStrategy[float], shape: Any = _shapes) -> st.SearchStrategy:
    return arrays(np.float32, shape, elements=elements)


# --- elementwise binary: add/sub/rsub/mul/div (+ alpha, scalars, in place) --------------------

_ALPHAS = st.sampled_from([1, 2.0, -0.5, 3, 0.1, 1e-3])

# (id, overload, oracle(a, b, alpha), takes alpha, other is a Python number, in place)
_BINARY: list[tuple[str, Any, Callable[..., np.float32], bool, bool, bool]] = [
    ("add.Tensor", aten.add.Tensor, oracle.add, True, False, False),
    ("add.Scalar", aten.add.Scalar, oracle.add, True, True, False),
    ("add_.Tensor", aten.add_.Tensor, oracle.add, True, False, True),
    ("sub.Tensor", aten.sub.Tensor, oracle.sub, True, False, False),
    ("sub.Scalar", aten.sub.Scalar, oracle.sub, True, True, False),
    ("sub_.Tensor", aten.sub_.Tensor, oracle.sub, True, False, True),
    ("rsub.Tensor", aten.rsub.Tensor, oracle.rsub, True, False, False),
    ("rsub.Scalar", aten.rsub.Scalar, oracle.rsub, True, True, False),
    ("mul.Tensor", aten.mul.Tensor, lambda a, b, _: F32(a * b), False, False, False),
    ("mul.Scalar", aten.mul.Scalar, lambda a, b, _: F32(a * b), False, True, False),
    ("mul_.Tensor", aten.mul_.Tensor, lambda a, b, _: F32(a * b), False, False, True),
    ("div.Tensor", aten.div.Tensor, lambda a, b, _: F32(a / b), False, False, False),
    ("div.Scalar", aten.div.Scalar, lambda a, b, _: F32(a / b), False, True, False),
    ("div_.Tensor", aten.div_.Tensor, lambda a, b, _: F32(a / b), False, False, True),
]


@covers(*(row[1] for row in _BINARY))
@pytest.mark.parametrize(
    ("op", "fn", "has_alpha", "scalar", "inplace"),
    [row[1:] for row in _BINARY],
    ids=[row[0] for row in _BINARY],
)
@FAST
@given(a=_arr(_mixed), data=st.data())
def test_binary_elementwise(
    op: Any,
    fn: Callable[..., np.float32],
    has_alpha: bool,
    scalar: bool,
    inplace: bool,
    a: np.ndarray,
    data: st.DataObject,
) -> None:
    alpha = data.draw(_ALPHAS, label="alpha") if has_alpha else 1
    kwargs = {"alpha": alpha} if alpha != 1 else {}
    if scalar:
        # A Python number: the kernel rounds it to float32 once (a full tensor or op math).
        b_num = data.draw(st.one_of(_finite, st.sampled_from([0.1, 3.0, -7.25, 1e-3])), label="b")
        b_arg: Any = b_num
        b_ref = np.array(F32(b_num))
    else:
        kind = data.draw(st.sampled_from(["same", "row", "0-dim"]), label="b kind")
        shape = {"same": a.shape, "row": a.shape[-1:], "0-dim": ()}[kind]
        b_ref = data.draw(_arr(_mixed, shape), label="b")
        b_arg = t(b_ref)
    x = t(a)
    out = run(op, x, b_arg, **kwargs)
    want = oracle.each(lambda u, v: fn(u, v, alpha), a, b_ref)
    same(out, want, str(op))
    if inplace:
        assert out is x or out.data_ptr() == x.data_ptr()
        same(x, want, f"{op} (self)")


@covers(aten.div.Tensor_mode)
@pytest.mark.parametrize("mode", [None, "trunc", "floor"], ids=["true", "trunc", "floor"])
@FAST
@given(a=_arr(_mixed), data=st.data())
def test_div_with_rounding_mode(mode: str | None, a: np.ndarray, data: st.DataObject) -> None:
    b = data.draw(_arr(st.one_of(_mixed, st.sampled_from([0.5, -3.0, 7.0])), a.shape[-1:]))
    fn = {None: lambda u, v: F32(u / v), "trunc": oracle.div_trunc, "floor": oracle.div_floor}[mode]
    out = run(aten.div.Tensor_mode, t(a), t(b), rounding_mode=mode)
    same(out, oracle.each(fn, a, b), f"div rounding_mode={mode}")


# --- elementwise unary ------------------------------------------------------------------------

_UNARY: list[tuple[str, Any, Callable[[np.float32], np.float32], dict[str, Any]]] = [
    ("neg", aten.neg.default, lambda v: F32(-v), {}),
    ("relu", aten.relu.default, oracle.relu, {}),
    ("exp", aten.exp.default, oracle.exp, {}),
    ("log", aten.log.default, oracle.log, {}),
    ("tanh", aten.tanh.default, oracle.tanh, {}),
    ("sigmoid", aten.sigmoid.default, oracle.sigmoid, {}),
    ("sqrt", aten.sqrt.default, oracle.sqrt, {}),
    ("rsqrt", aten.rsqrt.default, oracle.rsqrt, {}),
    ("gelu", aten.gelu.default, oracle.gelu, {"approximate": "tanh"}),
]


@covers(*(row[1] for row in _UNARY))
@pytest.mark.parametrize(
    ("op", "fn", "kwargs"), [row[1:] for row in _UNARY], ids=[row[0] for row in _UNARY]
)
@FAST
@given(x=_arr(_mixed))
def test_unary_elementwise(
    op: Any, fn: Callable[[np.float32], np.float32], kwargs: dict[str, Any], x: np.ndarray
) -> None:
    same(run(op, t(x), **kwargs), oracle.each(fn, x), str(op))


def test_sqrt_is_correctly_rounded_on_a_wide_sample() -> None:
    """Regression: torch.sqrt on x86 CPUs (MKL VML) misrounds ~0.6% of float32 inputs by 1 ulp;
    sqrt(5.34608e16) gave 0x4D5CD332 instead of the correctly rounded 0x4D5CD333."""
    gen = np.random.default_rng(7)
    x = gen.integers(0, 2**32, 2**16, dtype=np.uint64).astype(np.uint32).view(np.float32)
    x = np.concatenate([x, np.array([5.34608e16, 1e-45, 3.4028235e38, -0.0, 2.0], np.float32)])
    want = np.sqrt(x)  # numpy's float32 sqrt is the IEEE operation
    same(run(aten.sqrt.default, t(x)), want, "sqrt")
    same(run(aten.rsqrt.default, t(x)), oracle.each(oracle.rsqrt, x), "rsqrt")
    same(run(aten.pow.Tensor_Scalar, t(x), 0.5), want, "pow 0.5")


@covers(aten.pow.Tensor_Scalar)
@FAST
@given(
    x=_arr(_mixed),
    p=st.sampled_from([-16, -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 4, 7, 16, 2.0, -1.0]),
)
def test_pow_tensor_scalar(x: np.ndarray, p: float) -> None:
    same(run(aten.pow.Tensor_Scalar, t(x), p), oracle.each(lambda v: oracle.pow_scalar(v, p), x))


# --- elementwise backward ---------------------------------------------------------------------


@covers(
    aten.threshold_backward.default,
    aten.tanh_backward.default,
    aten.sigmoid_backward.default,
    aten.gelu_backward.default,
)
@FAST
@given(
    x=_arr(_mixed),
    data=st.data(),
    threshold=st.one_of(st.just(0.0), _moderate),
)
def test_activation_backwards(x: np.ndarray, data: st.DataObject, threshold: float) -> None:
    g = data.draw(_arr(st.one_of(_finite, _special), x.shape), label="grad")
    out = run(aten.threshold_backward.default, t(g), t(x), threshold)
    same(out, oracle.each(lambda u, v: oracle.threshold_backward(u, v, threshold), g, x), "thr")
    # tanh/sigmoid backward take the forward *output*; feed plausible and arbitrary ones.
    y = np.concatenate([x.reshape(-1)[: x.size // 2], np.tanh(x.reshape(-1)[x.size // 2 :])])
    y = y.astype(np.float32).reshape(x.shape)
    same(run(aten.tanh_backward.default, t(g), t(y)), oracle.each(oracle.tanh_backward, g, y))
    same(
        run(aten.sigmoid_backward.default, t(g), t(y)),
        oracle.each(oracle.sigmoid_backward, g, y),
    )
    same(
        run(aten.gelu_backward.default, t(g), t(x), approximate="tanh"),
        oracle.each(oracle.gelu_backward, g, x),
        "gelu_backward",
    )


# --- reductions -------------------------------------------------------------------------------


def _dims(data: st.DataObject, ndim: int) -> list[int]:
    dims = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    # Negative spellings must name the same dims.
    return [d - ndim if data.draw(st.booleans()) else d for d in dims]


@covers(aten.sum.default, aten.sum.dim_IntList, aten.mean.default, aten.mean.dim)
@FAST
@given(x=_arr(st.one_of(_wide, _special), array_shapes(min_dims=1, max_dims=4, max_side=6)),
       data=st.data(), keepdim=st.booleans())  # fmt: skip
def test_sum_and_mean(x: np.ndarray, data: st.DataObject, keepdim: bool) -> None:
    dims = _dims(data, x.ndim)
    # sum.default: one pairwise tree over the row-major flattening.
    same(run(aten.sum.default, t(x)), np.array(oracle.tree_sum(x.reshape(-1))), "sum")
    # dim variants: one tree per dim, innermost first.
    same(
        run(aten.sum.dim_IntList, t(x), dims, keepdim),
        oracle.sum_dims(x, dims, keepdim),
        f"sum dims={dims}",
    )
    same(run(aten.mean.dim, t(x), dims, keepdim), oracle.mean_dims(x, dims, keepdim), "mean.dim")
    # mean.default is mean over every dim (innermost first), not over the flattening.
    same(run(aten.mean.default, t(x)), oracle.mean_dims(x, list(range(x.ndim))), "mean")


@FAST
@given(x=_arr(_wide, array_shapes(min_dims=2, max_dims=3, max_side=5)))
def test_sum_dim_none_and_empty_list_reduce_everything(x: np.ndarray) -> None:
    want = oracle.sum_dims(x, list(range(x.ndim)))
    same(run(aten.sum.dim_IntList, t(x), None), want, "sum dim=None")
    same(run(aten.sum.dim_IntList, t(x), []), want, "sum dim=[]")
    same(run(aten.mean.dim, t(x), None), oracle.mean_dims(x, list(range(x.ndim))), "mean None")


def _no_negative_zero(x: np.ndarray) -> np.ndarray:
    # The sign of a zero maximum has its own tests below (IEEE maximum: +0 wins); the property
    # runs on -0-free inputs so the oracle's simple max stays a sharp check of everything else.
    return (x + np.float32(0.0)).astype(np.float32)


@covers(aten.amax.default, aten.max.default, aten.max.dim)
@FAST
@given(
    x=_arr(st.one_of(_finite, st.sampled_from([INF, -INF, 0.0, 1.0, NAN])),
           array_shapes(min_dims=1, max_dims=3, max_side=6)),
    data=st.data(), keepdim=st.booleans(),
)  # fmt: skip
def test_amax_and_max(x: np.ndarray, data: st.DataObject, keepdim: bool) -> None:
    x = _no_negative_zero(x)
    dims = _dims(data, x.ndim)
    norm = sorted({d % x.ndim for d in dims})
    # amax over several dims is the max of the flattened selection: exact, order-free.
    moved = np.moveaxis(x, norm, list(range(x.ndim - len(norm), x.ndim)))
    flat = moved.reshape(*moved.shape[: x.ndim - len(norm)], -1)
    want = oracle._along(oracle.amax, flat, -1)
    if keepdim:
        want = np.expand_dims(want, norm)
    same(run(aten.amax.default, t(x), dims, keepdim), want, f"amax dims={dims}")
    same(run(aten.max.default, t(x)), np.array(oracle.amax(x.reshape(-1))), "max")
    dim = dims[0]
    values, indices = run(aten.max.dim, t(x), dim, keepdim)
    lanes = np.moveaxis(x, dim, -1)
    want_v = oracle._along(oracle.amax, x, dim)
    want_i = np.empty(lanes.shape[:-1], dtype=np.int64)
    for idx in np.ndindex(want_i.shape):
        want_i[idx] = oracle.argmax_first(lanes[idx])
    if keepdim:
        want_v, want_i = np.expand_dims(want_v, dim), np.expand_dims(want_i, dim)
    same(values, want_v, "max.dim values")
    assert indices.dtype == torch.int64
    np.testing.assert_array_equal(indices.numpy(), want_i)


def test_max_dim_index_of_a_nan_row_is_the_first_nan() -> None:
    """Regression: the index used to be n (one past the end) for rows holding a NaN."""
    x = torch.tensor([[1.0, NAN, 3.0, NAN], [2.0, 5.0, 5.0, -1.0]])
    values, indices = run(aten.max.dim, x, 1)
    assert indices.tolist() == [1, 1]
    assert torch.isnan(values[0]) and values[1] == 5.0
    assert torch.max(x, dim=1).indices.tolist() == [1, 1]  # native torch agrees


def test_amax_sign_of_zero_does_not_depend_on_the_vectorisation() -> None:
    # Regression: torch's vectorised amax kept whichever zero its lanes saw first.
    x = torch.zeros(64)
    x[::2] = -0.0  # first element -0: a lane-order-dependent result
    flat = run(aten.amax.default, x, [0])
    col = run(aten.amax.default, x.reshape(64, 1).expand(64, 3).contiguous(), [0])[0]
    assert not torch.signbit(flat) and not torch.signbit(col)


# --- matmul family ----------------------------------------------------------------------------

_mat_dims = st.tuples(st.integers(1, 4), st.integers(1, 17), st.integers(1, 4))


@covers(aten.mm.default, aten.bmm.default, aten.addmm.default)
@FAST
@given(dims=_mat_dims, batch=st.integers(1, 3), data=st.data())
def test_mm_bmm_addmm(dims: tuple[int, int, int], batch: int, data: st.DataObject) -> None:
    m, k, n = dims
    elems = st.one_of(_wide, _special) if data.draw(st.booleans()) else _wide
    a = data.draw(_arr(elems, (batch, m, k)), label="a")
    b = data.draw(_arr(elems, (batch, k, n)), label="b")
    same(run(aten.mm.default, t(a[0]), t(b[0])), oracle.matmul(a[0], b[0]), "mm")
    # A transposed (non-contiguous) right operand, as linear layers pass it.
    bt = t(b[0].T).t()
    same(run(aten.mm.default, t(a[0]), bt), oracle.matmul(a[0], b[0]), "mm(b.t())")
    same(run(aten.bmm.default, t(a), t(b)), oracle.bmm(a, b), "bmm")
    bias = data.draw(_arr(_wide, data.draw(st.sampled_from([(n,), (1, n), (m, n)]))), label="bias")
    beta = data.draw(st.sampled_from([1, 0.5, 2.0, 0.1]), label="beta")
    alpha = data.draw(st.sampled_from([1, -1.0, 3.0, 0.1]), label="alpha")
    got = run(aten.addmm.default, t(bias), t(a[0]), t(b[0]), beta=beta, alpha=alpha)
    same(got, oracle.addmm(bias, a[0], b[0], beta, alpha), f"addmm beta={beta} alpha={alpha}")


# --- softmax family ---------------------------------------------------------------------------


@covers(
    aten._softmax.default,
    aten._log_softmax.default,
    aten._softmax_backward_data.default,
    aten._log_softmax_backward_data.default,
)
@FAST
@given(
    x=_arr(st.one_of(_finite, _moderate, st.just(-INF)),
           array_shapes(min_dims=1, max_dims=3, max_side=7)),
    data=st.data(),
)  # fmt: skip
def test_softmax_family(x: np.ndarray, data: st.DataObject) -> None:
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dim")
    sm = run(aten._softmax.default, t(x), dim, False)
    same(sm, oracle.softmax_axis(x, dim), f"softmax dim={dim}")
    lsm = run(aten._log_softmax.default, t(x), dim, False)
    same(lsm, oracle.log_softmax_axis(x, dim), f"log_softmax dim={dim}")
    g = data.draw(_arr(_finite, x.shape), label="grad")
    out = oracle.softmax_axis(x, dim)
    got = run(aten._softmax_backward_data.default, t(g), t(out), dim, torch.float32)
    same(got, oracle.softmax_backward_axis(g, out, dim), "softmax backward")
    lout = oracle.log_softmax_axis(x, dim)
    got = run(aten._log_softmax_backward_data.default, t(g), t(lout), dim, torch.float32)
    same(got, oracle.log_softmax_backward_axis(g, lout, dim), "log_softmax backward")


# --- nll loss ---------------------------------------------------------------------------------


@covers(aten.nll_loss_forward.default, aten.nll_loss_backward.default)
@FAST
@given(
    n=st.integers(1, 9),
    c=st.integers(1, 6),
    data=st.data(),
    reduction=st.sampled_from([0, 1, 2]),
    weighted=st.booleans(),
    batched=st.booleans(),
)
def test_nll_loss(
    n: int, c: int, data: st.DataObject, reduction: int, weighted: bool, batched: bool
) -> None:
    n = n if batched else 1
    x = data.draw(_arr(st.one_of(_wide, _moderate), (n, c)), label="x")
    ignore = data.draw(st.sampled_from([-100, 0, c - 1]), label="ignore_index")
    target = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    if data.draw(st.booleans()):
        target[data.draw(st.integers(0, n - 1))] = ignore if ignore >= 0 else -100
    weight = data.draw(_arr(st.floats(0.0, 4.0, width=32), (c,)), label="w") if weighted else None
    xs = t(x) if batched else t(x[0])
    ts = torch.from_numpy(target if batched else target.reshape(()))
    w_t = None if weight is None else t(weight)
    out, total = run(aten.nll_loss_forward.default, xs, ts, w_t, reduction, ignore)
    want, want_total = oracle.nll_loss(x if batched else x[0], target, weight, reduction, ignore)
    same(out, want, f"nll_loss reduction={reduction}")
    same(total, np.array(want_total), "total_weight")
    gshape = (n,) if reduction == 0 and batched else ()
    grad = data.draw(_arr(_finite, gshape), label="grad")
    got = run(aten.nll_loss_backward.default, t(grad), xs, ts, w_t, reduction, ignore, total)
    xr = x if batched else x[0]
    same(got, oracle.nll_loss_backward(grad, xr, target, weight, reduction, ignore, want_total))


def test_weighted_nll_loss_ignores_ignored_rows_completely() -> None:
    # Regression: an ignored row used to contribute -(x[i, 0] * 0), nan for x = -inf.
    x = torch.tensor([[-INF, -1.0], [-0.5, -2.0]])
    target = torch.tensor([-100, 1])
    weight = torch.tensor([1.0, 2.0])
    out, _ = run(aten.nll_loss_forward.default, x, target, weight, 1, -100)
    assert out.item() == 2.0


# --- layer norm -------------------------------------------------------------------------------


@covers(aten.native_layer_norm.default, aten.native_layer_norm_backward.default)
@FAST
@given(
    shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
    data=st.data(),
    affine=st.booleans(),
    eps=st.sampled_from([1e-5, 1e-6, 0.1, 0.0]),
)
def test_layer_norm(shape: tuple[int, ...], data: st.DataObject, affine: bool, eps: float) -> None:
    x = data.draw(_arr(_wide, shape), label="x")
    k = data.draw(st.integers(1, len(shape)), label="normalized dims")
    norm_shape = list(shape[len(shape) - k :])
    w = data.draw(_arr(_finite, tuple(norm_shape)), label="w") if affine else None
    b = data.draw(_arr(_finite, tuple(norm_shape)), label="b") if affine else None
    out, mean, rstd = run(
        aten.native_layer_norm.default,
        t(x),
        norm_shape,
        None if w is None else t(w),
        None if b is None else t(b),
        eps,
    )
    want, want_mean, want_rstd = oracle.layer_norm(x, k, w, b, eps)
    same(mean, want_mean, "mean")
    same(rstd, want_rstd, "rstd")
    same(out, want, "layer_norm")
    grad = data.draw(_arr(_finite, shape), label="grad")
    mask = [True, affine, affine]
    dx, dw, db = run(
        aten.native_layer_norm_backward.default,
        t(grad),
        t(x),
        norm_shape,
        mean,
        rstd,
        None if w is None else t(w),
        None if b is None else t(b),
        mask,
    )
    want_dx, want_dw, want_db = oracle.layer_norm_backward(grad, x, k, want_mean, want_rstd, w)
    same(dx, want_dx, "dx")
    if affine:
        same(dw, want_dw, "dw")
        same(db, want_db, "db")
    else:
        assert dw is None and db is None


# --- embedding --------------------------------------------------------------------------------


@covers(aten.embedding.default, aten.embedding_dense_backward.default)
@FAST
@given(
    vocab=st.integers(1, 7),
    dim=st.integers(1, 4),
    idx_shape=array_shapes(min_dims=1, max_dims=2, max_side=6),
    data=st.data(),
)
def test_embedding(vocab: int, dim: int, idx_shape: tuple[int, ...], data: st.DataObject) -> None:
    weight = data.draw(_arr(_mixed, (vocab, dim)), label="weight")
    idx = data.draw(arrays(np.int64, idx_shape, elements=st.integers(0, vocab - 1)), label="idx")
    out = run(aten.embedding.default, t(weight), torch.from_numpy(idx))
    same(out, weight[idx], "embedding")  # an exact gather
    grad = data.draw(_arr(_wide, (*idx_shape, dim)), label="grad")
    padding = data.draw(st.sampled_from([-1, 0, vocab - 1]), label="padding_idx")
    got = run(
        aten.embedding_dense_backward.default,
        t(grad),
        torch.from_numpy(idx),
        vocab,
        padding,
        False,
    )
    same(got, oracle.embedding_backward(grad, idx, vocab, padding), f"padding_idx={padding}")


# --- convolution ------------------------------------------------------------------------------


@covers(aten.convolution.default, aten.convolution_backward.default)
@SLOW
@given(
    n=st.integers(1, 2),
    cin=st.integers(1, 2),
    cout=st.integers(1, 3),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    hw=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    stride=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 1), st.integers(0, 1)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    with_bias=st.booleans(),
    data=st.data(),
)
def test_convolution(
    n: int,
    cin: int,
    cout: int,
    k: tuple[int, int],
    hw: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    with_bias: bool,
    data: st.DataObject,
) -> None:
    h = max(hw[0], dilation[0] * (k[0] - 1) + 1 - 2 * padding[0])
    w_ = max(hw[1], dilation[1] * (k[1] - 1) + 1 - 2 * padding[1])
    x = data.draw(_arr(_wide, (n, cin, h, w_)), label="x")
    w = data.draw(_arr(_wide, (cout, cin, *k)), label="w")
    b = data.draw(_arr(_wide, (cout,)), label="b") if with_bias else None
    geometry = (list(stride), list(padding), list(dilation), False, [0, 0], 1)
    out = run(aten.convolution.default, t(x), t(w), None if b is None else t(b), *geometry)
    same(out, oracle.conv2d(x, w, b, stride, padding, dilation), "convolution")
    grad = data.draw(_arr(_wide, tuple(out.shape)), label="grad")
    bias_sizes = [cout] if with_bias else None
    dx, dw, db = run(
        aten.convolution_backward.default,
        t(grad),
        t(x),
        t(w),
        bias_sizes,
        *geometry,
        [True, True, with_bias],
    )
    want_dx, want_dw, want_db = oracle.conv2d_backward(grad, x, w, stride, padding, dilation)
    same(dx, want_dx, "conv dx")
    same(dw, want_dw, "conv dw")
    if with_bias:
        same(db, want_db, "conv db")


# --- dropout ----------------------------------------------------------------------------------


@covers(aten.native_dropout.default, aten.native_dropout_backward.default)
@FAST
@given(x=_arr(_mixed), p=st.sampled_from([0.1, 0.25, 0.3, 0.5, 0.9]), data=st.data())
def test_dropout(x: np.ndarray, p: float, data: st.DataObject) -> None:
    scale = 1.0 / (1.0 - p)  # what autograd hands native_dropout_backward
    out, mask = run(aten.native_dropout.default, t(x), p, True)
    assert mask.dtype == torch.bool and mask.shape == out.shape
    keep = mask.numpy().astype(np.float32)  # exact 1.0 / 0.0
    same(out, oracle.each(lambda v, m: oracle.dropout(v, m, F32(scale)), x, keep), "dropout")
    # backward, given a fixed mask
    grad = data.draw(_arr(_mixed, x.shape), label="grad")
    fixed = data.draw(arrays(np.bool_, x.shape), label="mask")
    got = run(aten.native_dropout_backward.default, t(grad), torch.from_numpy(fixed), scale)
    want = oracle.each(lambda v, m: oracle.dropout(v, m, F32(scale)), grad, fixed.astype(F32))
    same(got, want, "dropout backward")
    # eval mode and p = 0 copy the input; p = 1 drops everything
    for args in ((p, False), (0.0, True)):
        copy, kept = run(aten.native_dropout.default, t(x), *args)
        same(copy, x, f"dropout{args}")
        assert bool(kept.all())
    zeros, none = run(aten.native_dropout.default, t(x), 1.0, True)
    same(zeros, np.zeros_like(x), "dropout p=1")
    assert not bool(none.any())


# --- coverage ---------------------------------------------------------------------------------


def test_every_kernel_has_an_oracle() -> None:
    table = set(KERNELS)
    missing = sorted(str(op) for op in table - COVERED - DATA_MOVEMENT_ALLOW_LIST)
    stale = sorted(str(op) for op in (COVERED | DATA_MOVEMENT_ALLOW_LIST) - table)
    assert not missing, f"kernels without an oracle test: {missing}"
    assert not stale, f"oracle tests for operators that are not kernels: {stale}"


def test_amax_of_only_negative_zeros_is_negative_zero() -> None:
    x = torch.full((5,), -0.0)
    assert torch.signbit(run(aten.amax.default, x, [0]))
    assert torch.signbit(run(aten.max.default, x))
