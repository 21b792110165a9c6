"""Shared by the compiled kernels' tests: bit-for-bit comparison with fp's torch code (the
fixtures `ops` and `native_on` are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch import Tensor

from assay.repro import fp, native


def torch_path(fn: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
    """fn computed by fp's torch code (ASSAY_NATIVE=0)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(native.ENV_SWITCH, "0")
        assert fp._native_ops(*(a for a in args if isinstance(a, Tensor))) is None
        return fn(*args, **kwargs)


def bits(t: Tensor) -> np.ndarray:
    """uint32 bit patterns with every NaN mapped to one pattern (payloads are not specified)."""
    a = t.detach().contiguous().numpy()
    return np.where(np.isnan(a), np.float32(np.nan), a).view(np.uint32)


def assert_same(got: Tensor, want: Tensor) -> None:
    assert got.shape == want.shape
    np.testing.assert_array_equal(bits(got), bits(want))


def randn(*shape: int, seed: int = 0) -> Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def with_specials(x: Tensor, seed: int) -> Tensor:
    """x with about a fifth of its entries made inf, -inf, nan, ±0, denormal or huge."""
    specials = torch.tensor(
        [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-40, -3e-42, 1.4e-45, 1.1754942e-38, 3.4e38, -3.4e38]
    )
    g = torch.Generator().manual_seed(seed)
    pick = torch.randint(0, len(specials), x.shape, generator=g)
    hit = torch.rand(x.shape, generator=g) < 0.2
    return torch.where(hit, specials[pick], x)
