"""fp.py against the scalar oracle (bit for bit), float64 (accuracy) and its special values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch import Tensor

from assay.repro import fp
from tests.repro import oracle

FAST = settings(max_examples=60, deadline=None)
INF = float("inf")

# Raw float32s are mostly huge or tiny; the moderate band exercises the polynomial branches.
_any_f32 = st.floats(width=32)
_moderate = st.floats(min_value=-30.0, max_value=30.0, width=32)
_finite = st.floats(min_value=-1e4, max_value=1e4, width=32)


_mixed = st.one_of(_any_f32, _moderate)


def _vec(elements: st.SearchStrategy[float] = _mixed) -> st.SearchStrategy:
    return arrays(np.float32, st.integers(1, 33), elements=elements)


def _bits(a: np.ndarray) -> np.ndarray:
    """uint32 bit patterns with every NaN mapped to one pattern (payloads are not specified)."""
    a = np.asarray(a, dtype=np.float32)
    return np.where(np.isnan(a), np.float32(np.nan), a).view(np.uint32)


def _assert_bits_equal(got: torch.Tensor, want: np.ndarray) -> None:
    np.testing.assert_array_equal(_bits(got.numpy()), _bits(want))


@pytest.fixture(autouse=True)
def _quiet_numpy() -> Iterator[None]:
    with np.errstate(all="ignore"):
        yield


UNARY: list[tuple[Callable[[torch.Tensor], torch.Tensor], Callable[[np.float32], np.float32]]] = [
    (fp.exp, oracle.exp),
    (fp.log, oracle.log),
    (fp.tanh, oracle.tanh),
    (fp.sigmoid, oracle.sigmoid),
    (fp.gelu, oracle.gelu),
]


@pytest.mark.parametrize(("ours", "theirs"), UNARY, ids=lambda f: f.__name__)
@FAST
@given(x=_vec())
def test_unary_matches_oracle_bit_for_bit(
    ours: Callable[[torch.Tensor], torch.Tensor],
    theirs: Callable[[np.float32], np.float32],
    x: np.ndarray,
) -> None:
    want = np.array([theirs(v) for v in x], dtype=np.float32)
    _assert_bits_equal(ours(torch.from_numpy(x)), want)


_EDGES = np.array(
    [np.nan, INF, -INF, 0.0, -0.0, 1e-45, -1e-45, 1e-40, 1.1754944e-38, 3.4028235e38, -3.4028235e38,
     0.55, -0.55, 0.5499999, 88.72283, 88.72284, -87.33655, -103.97208, -103.97209, 9.01, 1.0,
     1.4142135, 1.4142137, 0.70710677, -1.0, 2.0**-24, 1e-8, 15.0, -15.0],
    dtype=np.float32,
)  # fmt: skip


@pytest.mark.parametrize(("ours", "theirs"), UNARY, ids=lambda f: f.__name__)
def test_unary_matches_oracle_on_edge_values(
    ours: Callable[[torch.Tensor], torch.Tensor], theirs: Callable[[np.float32], np.float32]
) -> None:
    want = np.array([theirs(v) for v in _EDGES], dtype=np.float32)
    _assert_bits_equal(ours(torch.from_numpy(_EDGES)), want)


@FAST
@given(x=_vec(), g=_vec(_finite))
def test_gelu_backward_matches_oracle_bit_for_bit(x: np.ndarray, g: np.ndarray) -> None:
    g = np.resize(g, x.shape)
    want = np.array([oracle.gelu_backward(a, b) for a, b in zip(g, x, strict=True)], np.float32)
    _assert_bits_equal(fp.gelu_backward(torch.from_numpy(g), torch.from_numpy(x)), want)


_rows = st.tuples(st.integers(1, 5), st.integers(1, 19)).flatmap(
    lambda shape: arrays(np.float32, shape, elements=_finite)
)


@FAST
@given(x=_rows)
def test_row_reductions_match_oracle_bit_for_bit(x: np.ndarray) -> None:
    t = torch.from_numpy(x)
    _assert_bits_equal(fp.tree_sum(t, 1), np.array([oracle.tree_sum(r) for r in x]))
    _assert_bits_equal(fp.mean(t, 1), np.array([oracle.mean(r) for r in x]))
    _assert_bits_equal(fp.var(t, -1), np.array([oracle.var(r) for r in x]))
    _assert_bits_equal(fp.var(t, (1,), correction=1), np.array([oracle.var(r, 1) for r in x]))
    _assert_bits_equal(fp.softmax(t, 1), np.array([oracle.softmax(r) for r in x]))
    _assert_bits_equal(fp.log_softmax(t, -1), np.array([oracle.log_softmax(r) for r in x]))
    # Over dim 0 the order is the same tree, applied down each column.
    _assert_bits_equal(fp.tree_sum(t, 0), np.array([oracle.tree_sum(c) for c in x.T]))


@FAST
@given(
    dims=st.tuples(st.integers(1, 4), st.integers(1, 17), st.integers(1, 4)),
    data=st.data(),
)
def test_matmul_and_linear_match_oracle_bit_for_bit(
    dims: tuple[int, int, int], data: st.DataObject
) -> None:
    m, k, n = dims
    a = data.draw(arrays(np.float32, (m, k), elements=_finite))
    b = data.draw(arrays(np.float32, (k, n), elements=_finite))
    bias = data.draw(arrays(np.float32, (n,), elements=_finite))
    want = oracle.matmul(a, b)
    _assert_bits_equal(fp.matmul(torch.from_numpy(a), torch.from_numpy(b)), want)
    got = fp.linear(torch.from_numpy(a), torch.from_numpy(b.T.copy()), torch.from_numpy(bias))
    _assert_bits_equal(got, (want + bias).astype(np.float32))


# --- accuracy against float64 ---------------------------------------------------------------


def _sample(lo: float, hi: float) -> np.ndarray:
    """2^20 random bit patterns in [lo, hi] (spread over exponents) plus 2^19 evenly spaced."""
    rng = np.random.default_rng(20240607)
    raw = rng.integers(0, 2**32, 2**20, dtype=np.uint64).astype(np.uint32).view(np.float32)
    raw = raw[np.isfinite(raw) & (raw >= lo) & (raw <= hi)]
    return np.concatenate([raw, np.linspace(lo, hi, 2**19, dtype=np.float32)])


def _ulp_error(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got - ref| in units of the float32 ulp at ref (denormal ulp below 2^-126)."""
    mag = np.abs(ref)
    exponent = np.maximum(np.floor(np.log2(np.where(mag > 0, mag, 1.0))), -126)
    return np.abs(got.astype(np.float64) - ref) / np.exp2(exponent - 23)


ACCURACY = [
    # (fn, float64 reference, range, documented bound in ulp)
    (fp.exp, np.exp, (-110.0, 88.7), 1.2),
    (fp.log, np.log, (0.0, 3.4e38), 0.85),
    (fp.tanh, np.tanh, (-20.0, 20.0), 1.5),
    (fp.sigmoid, lambda x: 1.0 / (1.0 + np.exp(-x)), (-110.0, 110.0), 2.3),
]


@pytest.mark.parametrize(
    ("fn", "ref", "bounds", "max_ulp"), ACCURACY, ids=[str(row[0].__name__) for row in ACCURACY]
)
def test_accuracy_within_documented_ulp(
    fn: Callable[[torch.Tensor], torch.Tensor],
    ref: Callable[[np.ndarray], np.ndarray],
    bounds: tuple[float, float],
    max_ulp: float,
) -> None:
    x = _sample(*bounds)
    got = fn(torch.from_numpy(x)).numpy()
    want = ref(x.astype(np.float64))
    keep = np.isfinite(want) & (np.abs(want) < np.finfo(np.float32).max)
    assert _ulp_error(got[keep], want[keep]).max() <= max_ulp


def test_gelu_close_to_float64_formula_and_torch() -> None:
    x = np.linspace(-5, 10, 2**16, dtype=np.float32)
    x64 = x.astype(np.float64)
    want = 0.5 * x64 * (1 + np.tanh(np.sqrt(2 / np.pi) * (x64 + 0.044715 * x64**3)))
    got = fp.gelu(torch.from_numpy(x)).numpy()
    # Absolute scale: 1 - tanh cancels for negative x, as in every float32 implementation.
    assert np.max(np.abs(got - want)) <= 4 * 2.0**-24 * np.maximum(np.abs(want), 1.0).max()
    torch_gelu = torch.nn.functional.gelu(torch.from_numpy(x), approximate="tanh").numpy()
    assert np.max(np.abs(got - torch_gelu)) < 1e-6 * 10


def test_gelu_backward_matches_autograd_of_torch_gelu() -> None:
    x = torch.linspace(-6, 6, 4097)
    xg = x.clone().requires_grad_(True)
    torch.nn.functional.gelu(xg, approximate="tanh").sum().backward()
    assert xg.grad is not None
    torch.testing.assert_close(fp.gelu_backward(torch.ones_like(x), x), xg.grad)


def test_softmax_backwards_match_autograd() -> None:
    x = torch.linspace(-3, 3, 60).reshape(4, 15)
    g = torch.cos(torch.arange(60.0)).reshape(4, 15)
    for fwd, bwd, ref in [
        (fp.softmax, fp.softmax_backward, torch.softmax),
        (fp.log_softmax, fp.log_softmax_backward, torch.log_softmax),
    ]:
        xg = x.clone().requires_grad_(True)
        (ref(xg, 1) * g).sum().backward()
        assert xg.grad is not None
        torch.testing.assert_close(bwd(g, fwd(x, 1), 1), xg.grad)
        torch.testing.assert_close(fwd(x, 1), ref(x, 1))


# --- special values -------------------------------------------------------------------------


def _at(fn: Callable[[torch.Tensor], torch.Tensor], *xs: float) -> list[float]:
    return [float(v) for v in fn(torch.tensor(xs, dtype=torch.float32))]


def test_exp_special_values() -> None:
    assert _at(fp.exp, -INF, INF, 0.0, -0.0, 88.8, 1e30, -104.0, -1e30) == [
        0.0, INF, 1.0, 1.0, INF, INF, 0.0, 0.0,
    ]  # fmt: skip
    assert np.isnan(_at(fp.exp, float("nan"))[0])
    denormal = _at(fp.exp, -100.0)[0]  # gradual underflow, not flushed
    assert 0 < denormal < 2.0**-126
    assert denormal == pytest.approx(np.exp(-100.0), rel=2.0**-10)


def test_log_special_values() -> None:
    assert _at(fp.log, 0.0, -0.0, INF, 1.0) == [-INF, -INF, INF, 0.0]
    assert all(np.isnan(_at(fp.log, -1.0, -INF, float("nan"))))
    smallest = float(np.float32(2.0**-149))
    assert _at(fp.log, smallest)[0] == pytest.approx(-149 * np.log(2.0), rel=2.0**-23)


def test_tanh_special_values_keep_sign() -> None:
    got = fp.tanh(torch.tensor([INF, -INF, -0.0, 0.0, 50.0, -50.0]))
    assert got.tolist() == [1.0, -1.0, 0.0, 0.0, 1.0, -1.0]
    assert torch.signbit(got[2]) and not torch.signbit(got[3])


def test_sigmoid_and_gelu_special_values() -> None:
    assert _at(fp.sigmoid, INF, -INF, 0.0) == [1.0, 0.0, 0.5]
    assert 0 < _at(fp.sigmoid, -95.0)[0] < 2.0**-126  # denormal tail kept
    assert _at(fp.gelu, INF, -INF, 0.0) == [INF, 0.0, 0.0]
    grads = fp.gelu_backward(torch.ones(4), torch.tensor([INF, -INF, 1e30, -1e30]))
    assert grads.tolist() == [1.0, 0.0, 1.0, 0.0]


def test_rsqrt_and_pow_scalar() -> None:
    x = torch.tensor([0.25, 2.0, 3.0, 0.0])
    assert fp.rsqrt(x).tolist() == (1.0 / torch.sqrt(x)).tolist()
    assert torch.equal(fp.pow_scalar(x, 3), (x * x) * x)
    assert torch.equal(fp.pow_scalar(x, -2), 1.0 / (x * x))
    assert torch.equal(fp.pow_scalar(x, -1), 1.0 / x)
    assert torch.equal(fp.pow_scalar(x, 0.5), torch.sqrt(x))
    assert torch.equal(fp.pow_scalar(x, -0.5), fp.rsqrt(x))
    assert torch.equal(fp.pow_scalar(torch.tensor([float("nan")]), 0), torch.ones(1))
    with pytest.raises(ValueError, match=r"p=1\.5"):
        fp.pow_scalar(x, 1.5)


def test_mean_var_over_several_dims_match_torch() -> None:
    x = torch.linspace(-2, 3, 120).reshape(2, 3, 4, 5)
    torch.testing.assert_close(fp.mean(x, (1, 3)), x.mean((1, 3)))
    torch.testing.assert_close(
        fp.var(x, (0, 2), correction=1, keepdim=True), x.var((0, 2), correction=1, keepdim=True)
    )


def test_non_float32_input_raises_value_error() -> None:
    for bad in (torch.ones(3, dtype=torch.float64), torch.ones(3, dtype=torch.int64)):
        for fn in (fp.exp, fp.log, fp.tanh, fp.sigmoid, fp.gelu, fp.rsqrt):
            with pytest.raises(ValueError, match="float32"):
                fn(bad)
        with pytest.raises(ValueError, match="float32"):
            fp.softmax(bad, 0)
        with pytest.raises(ValueError, match="float32"):
            fp.matmul(bad.reshape(1, 3), bad.reshape(3, 1))


# --- thread invariance ----------------------------------------------------------------------


def test_results_identical_with_one_or_two_threads() -> None:
    gen = torch.Generator().manual_seed(0)  # test data only; the runtime never uses this
    a = torch.randn(64, 300, generator=gen)
    b = torch.randn(300, 96, generator=gen)
    big = torch.randn(1 << 20, generator=gen) * 10

    def run() -> list[torch.Tensor]:
        return [fp.matmul(a, b), fp.tree_sum(big, 0), fp.exp(big), fp.softmax(a, 1)]

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = run()
        torch.set_num_threads(2)
        two = run()
    finally:
        torch.set_num_threads(before)
    for x, y in zip(one, two, strict=True):
        assert torch.equal(x.view(torch.int32), y.view(torch.int32))


def test_matmul_row_blocking_and_batching_do_not_change_bits() -> None:
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(300, 257, generator=gen)  # several row blocks on CPU
    b = torch.randn(257, 300, generator=gen)
    whole = fp.matmul(a, b)
    rows = torch.cat([fp.matmul(a[i : i + 37], b) for i in range(0, 300, 37)])
    assert torch.equal(whole.view(torch.int32), rows.view(torch.int32))
    batched = fp.matmul(a.reshape(3, 100, 257), b)
    assert torch.equal(batched.reshape(300, 300).view(torch.int32), whole.view(torch.int32))
    pairs = fp.matmul(a[:4].reshape(2, 2, 257), b.reshape(1, 257, 300).expand(2, 257, 300))
    assert torch.equal(pairs.reshape(4, 300), whole[:4])


def _sqrt_is_correctly_rounded(x: float, r: float) -> bool:
    """Exact check in rationals: r is the float32 nearest sqrt(x) (x > 0 finite, float32)."""
    up = float(np.nextafter(np.float32(r), np.float32(np.inf)))
    down = float(np.nextafter(np.float32(r), np.float32(0)))
    hi, lo = (Fraction(r) + Fraction(up)) / 2, (Fraction(r) + Fraction(down)) / 2
    return lo * lo < Fraction(x) < hi * hi


def _float32_sample(n: int) -> Tensor:
    """`n` random positive finite float32 bit patterns: every exponent, subnormals included."""
    g = torch.Generator().manual_seed(11)
    bits = torch.randint(1, 0x7F800000, (n,), generator=g, dtype=torch.int64).to(torch.int32)
    edges = torch.tensor([1, 2, 0x007FFFFF, 0x00800000, 0x3F800000, 0x7F7FFFFF], dtype=torch.int32)
    return torch.cat([bits, edges]).view(torch.float32)


def test_sqrt_is_correctly_rounded_on_every_exponent() -> None:
    x = _float32_sample(20_000)
    r = fp.sqrt(x)
    bad = [
        (a, b) for a, b in zip(x.tolist(), r.tolist(), strict=True)
        if not _sqrt_is_correctly_rounded(a, b)
    ]  # fmt: skip
    assert not bad, bad[:5]


def test_sqrt_does_not_depend_on_torchs_float32_sqrt(monkeypatch: pytest.MonkeyPatch) -> None:
    # A float32 sqrt off by several ulps (worse than any real backend) changes nothing.
    real = torch.sqrt

    def wrong_by_three_ulps(t: Tensor) -> Tensor:
        out = real(t)
        if t.dtype == torch.float32:
            for _ in range(3):
                out = torch.nextafter(out, torch.full_like(out, float("inf")))
        return out

    x = _float32_sample(2_000)
    want = fp.sqrt(x)
    monkeypatch.setattr(torch, "sqrt", wrong_by_three_ulps)
    assert torch.equal(fp.sqrt(x), want)


def test_sqrt_corrects_a_float64_guess_one_float32_ulp_off(monkeypatch: pytest.MonkeyPatch) -> None:
    # The midpoint check is what makes fp.sqrt independent of any library's sqrt: a guess that
    # rounds one float32 ulp high or low is moved back to the correctly rounded value.
    real, x = torch.sqrt, _float32_sample(2_000)
    want = fp.sqrt(x)
    for direction in (float("inf"), 0.0):

        def off_by_one_ulp(t: Tensor, direction: float = direction) -> Tensor:
            r = real(t).float()
            return torch.nextafter(r, torch.full_like(r, direction)).double()

        monkeypatch.setattr(torch, "sqrt", off_by_one_ulp)
        assert torch.equal(fp.sqrt(x), want)
        monkeypatch.setattr(torch, "sqrt", real)


def test_sqrt_of_zeros_infinities_and_negatives_is_ieee() -> None:
    x = torch.tensor([0.0, -0.0, float("inf"), -1.0, float("nan"), -float("inf")])
    r = fp.sqrt(x)
    assert r[:3].tolist() == [0.0, -0.0, float("inf")]
    assert torch.signbit(r[1]) and not torch.signbit(r[0])
    assert torch.isnan(r[3:]).all()
