"""Triton versions of the fixed-order kernels for CUDA tensors: the same bits as fp.py.

`fp` hands CUDA float32 work to them when ASSAY_TRITON=1 (`enabled`); otherwise, and always on
CPU, fp's torch code runs. Importing this package is cheap: `ops`, which imports triton (seconds),
loads on first use. See docs/runtime.md, "GPU kernels".
"""

from __future__ import annotations

import functools
import os
from typing import Protocol, cast

from torch import Tensor

from assay.repro.errors import ReproducibilityError

ENV_SWITCH = "ASSAY_TRITON"  # "1" lets fp run the Triton kernels on CUDA tensors
TRITON_PIN = "triton==3.7.1"  # the release torch 2.13's CUDA wheels require


class TritonOps(Protocol):
    """`assay.repro.gpu.ops`: fp's signatures, computed by the Triton kernels."""

    def tree_sum(self, x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
        """fp.tree_sum."""

    def matmul(self, a: Tensor, b: Tensor) -> Tensor:
        """fp.matmul."""

    def exp(self, x: Tensor) -> Tensor:
        """fp.exp."""

    def log(self, x: Tensor) -> Tensor:
        """fp.log."""

    def tanh(self, x: Tensor) -> Tensor:
        """fp.tanh."""

    def sigmoid(self, x: Tensor) -> Tensor:
        """fp.sigmoid."""

    def gelu(self, x: Tensor) -> Tensor:
        """fp.gelu."""


@functools.cache
def load() -> TritonOps:
    """`ops` (imports triton); a missing triton is an error naming the fix."""
    try:
        # deferred: triton's import takes seconds and only CUDA runs with ASSAY_TRITON=1 need it
        from assay.repro.gpu import ops
    except ImportError as exc:
        error = ReproducibilityError(
            f"{ENV_SWITCH}=1 asks for the Triton kernels, but they cannot be imported ({exc})"
        )
        error.hint = f"install {TRITON_PIN} (pip install -e '.[dev]' pins it) or unset {ENV_SWITCH}"
        raise error from exc
    return cast(TritonOps, ops)


def enabled() -> TritonOps | None:
    """The Triton ops if ASSAY_TRITON=1, else None (fp's torch code runs)."""
    if os.environ.get(ENV_SWITCH, "0") != "1":
        return None
    return load()
