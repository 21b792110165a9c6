"""The compiled fixed-order CPU kernels (csrc/*.cpp): build, and load if built.

`fp.matmul`, `fp.tree_sum`, `fp.exp`/`log`/`tanh`/`sigmoid`/`gelu`/`gelu_backward` and the
optimizer updates (`optim.AdamW`/`SGD.update_`) run these for CPU float32 tensors; their torch
code stays the specification and the fallback (GPU, no compiler, ASSAY_NATIVE=0). Both compute
the same operation sequence, so which one runs never changes a bit.

`load()` never compiles: it loads the library `build()` left in <repo>/build/native, and only if
the stamp written next to it matches this source, these flags and this torch (a stale or foreign
build is ignored, not trusted). `python -m assay.repro.native` (run by `make setup`) builds it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import Protocol, cast

import torch
from torch import Tensor

NAME = "assay_fixed_order"
SOURCES = (
    Path(__file__).parent / "csrc" / "fixed_order.cpp",  # matmul, tree_sum
    Path(__file__).parent / "csrc" / "elementwise.cpp",  # transcendentals, optimizer updates
)
BUILD_DIR = Path(__file__).resolve().parents[2] / "build" / "native"
LIBRARY = BUILD_DIR / f"{NAME}.so"
STAMP = BUILD_DIR / f"{NAME}.stamp"
# No fused multiply-add and no value-changing optimisation: the kernels' rounding is the contract.
# -fopenmp makes at::parallel_for split rows over threads (torch's own libgomp is reused).
CFLAGS = ("-O3", "-ffp-contract=off", "-fno-fast-math", "-fopenmp")
LDFLAGS = ("-fopenmp",)
ENV_SWITCH = "ASSAY_NATIVE"  # "0" forces the torch path (comparisons, debugging)


class FixedOrderOps(Protocol):
    """`torch.ops.assay` once the library is loaded."""

    def matmul(self, a: Tensor, b: Tensor) -> Tensor:
        """(M, K) @ (K, N) or (B, M, K) @ (B, K, N), as fp.matmul."""

    def tree_sum(self, x: Tensor, dim: int) -> Tensor:
        """Sum over `dim` (removed), as fp.tree_sum."""

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

    def gelu_backward(self, grad: Tensor, x: Tensor) -> Tensor:
        """fp.gelu_backward (grad and x of one shape)."""

    def adamw_(self, p: Tensor, g: Tensor, exp_avg: Tensor, exp_avg_sq: Tensor,
               *scalars: float) -> None:  # fmt: skip
        """AdamW.update in place; scalars: decay, b1, 1-b1, b2, 1-b2, bc2_sqrt, eps, step_size."""

    def sgd_(self, p: Tensor, g: Tensor, momentum: Tensor | None, weight_decay: float,
             momentum_factor: float, nesterov: bool, lr: float) -> None:  # fmt: skip
        """SGD.update in place."""


def _stamp() -> str:
    """What a build depends on: the sources, the flags and the torch it was compiled against."""
    digest = hashlib.sha256(b"".join(src.read_bytes() for src in SOURCES)).hexdigest()
    return f"{digest} {' '.join(CFLAGS + LDFLAGS)} torch {torch.__version__}\n"


def build(verbose: bool = False) -> Path:
    """Compile the extension into BUILD_DIR (ninja skips it when up to date) and load it."""
    # deferred: cpp_extension imports setuptools machinery (~0.3 s) only builds need
    from torch.utils import cpp_extension

    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    cpp_extension.load(
        name=NAME,
        sources=[str(src) for src in SOURCES],
        build_directory=str(BUILD_DIR),
        extra_cflags=list(CFLAGS),
        extra_ldflags=list(LDFLAGS),
        is_python_module=False,
        verbose=verbose,
    )
    STAMP.write_text(_stamp())
    load.cache_clear()
    return LIBRARY


@functools.cache
def load() -> FixedOrderOps | None:
    """`torch.ops.assay` if a current build exists and loads, else None."""
    try:
        if not LIBRARY.is_file() or STAMP.read_text() != _stamp():
            return None
        torch.ops.load_library(str(LIBRARY))  # type: ignore[no-untyped-call]
    except (OSError, RuntimeError):  # no stamp, or a library this torch cannot load
        return None
    return cast(FixedOrderOps, torch.ops.assay)


def enabled() -> FixedOrderOps | None:
    """The ops to use now: `load()`, unless ASSAY_NATIVE=0 asks for the torch path."""
    if os.environ.get(ENV_SWITCH, "1") == "0":
        return None
    return load()


def main() -> int:
    """Build the extension (python -m assay.repro.native [-v]); exit 1 if it does not load."""
    path = build(verbose="-v" in sys.argv[1:])
    if load() is None:
        print(f"built {path} but it does not load", file=sys.stderr)
        return 1
    print(f"fixed-order kernels built: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
