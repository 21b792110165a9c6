"""The compiled fixed-order kernels (assay.repro.native) against fp's torch code, bit for bit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
from torch import Tensor
from torch.utils._python_dispatch import TorchDispatchMode

from assay.repro import fp, native
from assay.repro.dispatch import repro


@pytest.fixture(scope="module")
def ops() -> Any:
    """The loaded ops, building them first if `make setup` has not (a failed build fails here:
    `make setup` needs a compiler, so every test machine has the kernels)."""
    loaded = native.load()
    if loaded is None:
        native.build()
        loaded = native.load()
    assert loaded is not None, "built the extension, but load() refuses it"
    return loaded


@pytest.fixture(autouse=True)
def _native_on(ops: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(native.ENV_SWITCH, raising=False)


def _torch_path(fn: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
    """fn computed by fp's torch code (ASSAY_NATIVE=0)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(native.ENV_SWITCH, "0")
        assert fp._native_ops(*(a for a in args if isinstance(a, Tensor))) is None
        return fn(*args, **kwargs)


def _bits(t: Tensor) -> np.ndarray:
    """uint32 bit patterns with every NaN mapped to one pattern (payloads are not specified)."""
    a = t.detach().contiguous().numpy()
    return np.where(np.isnan(a), np.float32(np.nan), a).view(np.uint32)


def _assert_same(got: Tensor, want: Tensor) -> None:
    assert got.shape == want.shape
    np.testing.assert_array_equal(_bits(got), _bits(want))


def _randn(*shape: int, seed: int = 0) -> Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _with_specials(x: Tensor, seed: int) -> Tensor:
    """x with about a fifth of its entries made inf, -inf, nan, ±0, denormal or huge."""
    specials = torch.tensor(
        [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-40, -3e-42, 1.4e-45, 1.1754942e-38, 3.4e38, -3.4e38]
    )
    g = torch.Generator().manual_seed(seed)
    pick = torch.randint(0, len(specials), x.shape, generator=g)
    hit = torch.rand(x.shape, generator=g) < 0.2
    return torch.where(hit, specials[pick], x)


# --- matmul ----------------------------------------------------------------------------------

MATMUL_SHAPES = [
    (1, 1, 1),
    (3, 1, 4),
    (2, 2, 5),
    (4, 3, 3),
    (5, 7, 1),
    (1, 9, 6),
    (6, 17, 70),
    (3, 64, 129),
    (64, 128, 10),
    (2, 1000, 77),
    (2, 3000, 3),
    (1, 2999, 65),
]


@pytest.mark.parametrize(("m", "k", "n"), MATMUL_SHAPES)
def test_matmul_matches_the_torch_path(m: int, k: int, n: int) -> None:
    a, b = _randn(m, k, seed=m * k), _randn(k, n, seed=k * n + 1)
    _assert_same(fp.matmul(a, b), _torch_path(fp.matmul, a, b))


@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [
        ((4, 5, 7), (4, 7, 9)),  # equal batch
        ((2, 3, 5, 7), (7, 9)),  # one b for every matrix
        ((5, 7), (3, 7, 9)),  # one a for every matrix
        ((2, 1, 5, 7), (1, 3, 7, 9)),  # both broadcast
        ((3, 4, 33), (3, 33, 1)),
    ],
)
def test_batched_and_broadcast_matmul_match_the_torch_path(
    a_shape: tuple[int, ...], b_shape: tuple[int, ...]
) -> None:
    a, b = _randn(*a_shape, seed=1), _randn(*b_shape, seed=2)
    _assert_same(fp.matmul(a, b), _torch_path(fp.matmul, a, b))


def test_non_contiguous_matmul_inputs_match_the_torch_path() -> None:
    a, b = _randn(40, 31, seed=3), _randn(70, 31, seed=4)
    cases = [
        (a, b.t()),  # linear's x @ w.t()
        (a.t().contiguous().t(), b.t()),
        (a[::2, 1:], b.t()[1:, ::3]),
        (a[:5].unsqueeze(0).expand(3, 5, 31), _randn(3, 70, 31, seed=5).transpose(1, 2)),
    ]
    for x, y in cases:
        assert not (x.is_contiguous() and y.is_contiguous())
        _assert_same(fp.matmul(x, y), _torch_path(fp.matmul, x, y))


@pytest.mark.parametrize("k", [1, 2, 3, 8, 33, 1001])
def test_matmul_special_values_match_the_torch_path(k: int) -> None:
    a = _with_specials(_randn(9, k, seed=k), seed=k)
    b = _with_specials(_randn(k, 67, seed=k + 1), seed=k + 1)
    _assert_same(fp.matmul(a, b), _torch_path(fp.matmul, a, b))


def test_matmul_keeps_the_sign_of_zero_sums() -> None:
    a = torch.full((2, 5), -0.0)
    b = torch.ones(5, 3)
    got = fp.matmul(a, b)
    assert torch.equal(got, torch.zeros(2, 3)) and bool(torch.signbit(got).all())


def test_matmul_rounds_each_product_before_adding_it() -> None:
    # (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 rounds (tie to even) to 1 + 2^-11; adding -1 then gives
    # 2^-11 exactly, while a fused multiply-add keeps the 2^-24: 2^-11 + 2^-24. A build that
    # contracted a*b + c into an FMA would return the second.
    x = 1.0 + 2.0**-12
    separate = np.float32(np.float32(x) * np.float32(x)) + np.float32(-1.0)
    fused = np.float32(x * x - 1.0)  # exact in float64, then one rounding: what an FMA returns
    assert separate != fused
    for a, b in [([[x, -1.0]], [[x], [1.0]]), ([[-1.0, x]], [[1.0], [x]])]:
        got = fp.matmul(torch.tensor(a), torch.tensor(b))
        assert got.item() == separate
        assert _torch_path(fp.matmul, torch.tensor(a), torch.tensor(b)).item() == separate


def test_matmul_bits_do_not_depend_on_the_thread_count() -> None:
    a, b = _randn(301, 257, seed=6), _randn(257, 130, seed=7)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = fp.matmul(a, b)
        torch.set_num_threads(2)
        two = fp.matmul(a, b)
    finally:
        torch.set_num_threads(before)
    _assert_same(one, two)


# --- tree_sum --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "dim"),
    [
        ((2,), 0),
        ((3,), 0),
        ((5, 7), 1),
        ((5, 7), 0),
        ((64, 10), -1),
        ((3, 1001, 4), 1),
        ((2, 3, 3001), -1),
        ((3001, 65), 0),
        ((4, 5, 6, 7), 2),
    ],
)
def test_tree_sum_matches_the_torch_path(shape: tuple[int, ...], dim: int) -> None:
    x = _randn(*shape, seed=len(shape) + dim)
    _assert_same(fp.tree_sum(x, dim), _torch_path(fp.tree_sum, x, dim))
    _assert_same(fp.tree_sum(x, dim, keepdim=True), _torch_path(fp.tree_sum, x, dim, keepdim=True))


def test_tree_sum_of_non_contiguous_and_special_inputs_matches_the_torch_path() -> None:
    x = _with_specials(_randn(33, 70, seed=8), seed=8)
    for view, dim in [(x.t(), 1), (x[::3, 1::2], 0), (x.t()[5:], -1)]:
        _assert_same(fp.tree_sum(view, dim), _torch_path(fp.tree_sum, view, dim))
    assert bool(torch.signbit(fp.tree_sum(torch.full((4, 3), -0.0), 0)).all())


def test_mean_and_var_use_the_same_bits_as_the_torch_path() -> None:
    x = _randn(16, 8, 9, seed=9)
    _assert_same(fp.mean(x, (0, 2)), _torch_path(fp.mean, x, (0, 2)))
    _assert_same(fp.var(x, -1, correction=1), _torch_path(fp.var, x, -1, correction=1))


# --- when the compiled kernels run -----------------------------------------------------------


def test_assay_native_0_forces_the_torch_path(monkeypatch: pytest.MonkeyPatch) -> None:
    x = torch.ones(3, 3)
    assert fp._native_ops(x) is not None
    monkeypatch.setenv(native.ENV_SWITCH, "0")
    assert fp._native_ops(x) is None


def test_autograd_dispatch_modes_and_other_devices_keep_the_torch_path() -> None:
    w = torch.nn.Parameter(torch.ones(3, 3))
    with torch.no_grad():
        assert fp._native_ops(w) is not None  # a parameter is a plain tensor
    assert fp._native_ops(w) is None  # autograd must record a graph: torch ops only
    assert fp.matmul(w, w).grad_fn is not None
    assert fp._native_ops(torch.ones(2, dtype=torch.float64)) is None
    assert fp._native_ops(torch.ones(2, device="meta")) is None

    class Watcher(TorchDispatchMode):  # type: ignore[misc]
        def __torch_dispatch__(
            self, func: Any, types: Any, args: Any = (), kwargs: Any = None
        ) -> Any:
            return func(*args, **(kwargs or {}))

    with Watcher():
        assert fp._native_ops(torch.ones(2)) is None


@pytest.fixture
def native_calls(ops: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the compiled ops called while the test runs."""
    calls: list[str] = []

    class Spy:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(ops, name)

    monkeypatch.setattr(native, "enabled", lambda: Spy())
    yield calls


def test_repro_mode_runs_the_compiled_kernels(native_calls: list[str]) -> None:
    model = torch.nn.Linear(6, 4)
    x = torch.randn(5, 6)
    with repro(model):
        model(x).sum().backward()
    assert "matmul" in native_calls and "tree_sum" in native_calls


def test_load_ignores_a_build_of_other_sources(
    ops: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    stamp = tmp_path / "stale.stamp"
    stamp.write_text("0" * 64 + " an older build\n")
    monkeypatch.setattr(native, "STAMP", stamp)
    native.load.cache_clear()
    try:
        assert native.load() is None
    finally:
        monkeypatch.undo()
        native.load.cache_clear()
    assert native.load() is not None
