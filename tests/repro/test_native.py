"""The compiled fixed-order kernels (assay.repro.native) against fp's torch code, bit for bit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from assay.repro import fp, native
from assay.repro.dispatch import repro
from tests.repro.native_check import assert_same, randn, torch_path, with_specials

pytestmark = pytest.mark.usefixtures("native_on")


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
    a, b = randn(m, k, seed=m * k), randn(k, n, seed=k * n + 1)
    assert_same(fp.matmul(a, b), torch_path(fp.matmul, a, b))


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
    a, b = randn(*a_shape, seed=1), randn(*b_shape, seed=2)
    assert_same(fp.matmul(a, b), torch_path(fp.matmul, a, b))


def test_non_contiguous_matmul_inputs_match_the_torch_path() -> None:
    a, b = randn(40, 31, seed=3), randn(70, 31, seed=4)
    cases = [
        (a, b.t()),  # linear's x @ w.t()
        (a.t().contiguous().t(), b.t()),
        (a[::2, 1:], b.t()[1:, ::3]),
        (a[:5].unsqueeze(0).expand(3, 5, 31), randn(3, 70, 31, seed=5).transpose(1, 2)),
    ]
    for x, y in cases:
        assert not (x.is_contiguous() and y.is_contiguous())
        assert_same(fp.matmul(x, y), torch_path(fp.matmul, x, y))


@pytest.mark.parametrize("k", [1, 2, 3, 8, 33, 1001])
def test_matmul_special_values_match_the_torch_path(k: int) -> None:
    a = with_specials(randn(9, k, seed=k), seed=k)
    b = with_specials(randn(k, 67, seed=k + 1), seed=k + 1)
    assert_same(fp.matmul(a, b), torch_path(fp.matmul, a, b))


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
        assert torch_path(fp.matmul, torch.tensor(a), torch.tensor(b)).item() == separate


def test_matmul_bits_do_not_depend_on_the_thread_count() -> None:
    a, b = randn(301, 257, seed=6), randn(257, 130, seed=7)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = fp.matmul(a, b)
        torch.set_num_threads(2)
        two = fp.matmul(a, b)
    finally:
        torch.set_num_threads(before)
    assert_same(one, two)


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
    x = randn(*shape, seed=len(shape) + dim)
    assert_same(fp.tree_sum(x, dim), torch_path(fp.tree_sum, x, dim))
    assert_same(fp.tree_sum(x, dim, keepdim=True), torch_path(fp.tree_sum, x, dim, keepdim=True))


def test_tree_sum_of_non_contiguous_and_special_inputs_matches_the_torch_path() -> None:
    x = with_specials(randn(33, 70, seed=8), seed=8)
    for view, dim in [(x.t(), 1), (x[::3, 1::2], 0), (x.t()[5:], -1)]:
        assert_same(fp.tree_sum(view, dim), torch_path(fp.tree_sum, view, dim))
    assert bool(torch.signbit(fp.tree_sum(torch.full((4, 3), -0.0), 0)).all())


def test_mean_and_var_use_the_same_bits_as_the_torch_path() -> None:
    x = randn(16, 8, 9, seed=9)
    assert_same(fp.mean(x, (0, 2)), torch_path(fp.mean, x, (0, 2)))
    assert_same(fp.var(x, -1, correction=1), torch_path(fp.var, x, -1, correction=1))


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
