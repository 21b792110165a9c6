"""ReproMode: the interceptor that runs every aten operator under the determinism contract.

Under `ReproMode` each aten operator a model issues — in its forward pass, in autograd's
backward pass and in the optimizer update — is looked up in `assay.repro.kernels`: exact
data movement passes through to torch, arithmetic runs a fixed-order `fp` kernel, and any
other operator raises `UnsupportedOperatorError` naming the operator and the layer that
called it. Every floating-point tensor must be float32.

Correctness never relies on torch's own determinism switches (`configure_determinism`); they
are a belt on top of the braces, set in this one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import torch
from torch import Tensor, nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.hooks import RemovableHandle

from assay.repro.errors import ReproducibilityError, UnsupportedOperatorError
from assay.repro.kernels import KERNELS, PASSTHROUGH, RANDOM_OPS, OpContext, op_name, run_kernel


def configure_determinism() -> None:
    """Switch torch's own determinism settings on (no TF32, deterministic algorithms)."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True)
    torch.set_flush_denormal(False)  # denormals are part of the float32 semantics


class OpRecorder(Protocol):
    """Receives every operator ReproMode runs, in order (the tracer implements it)."""

    def bind(self, name: str, tensor: Tensor) -> None:
        """Name a tensor that exists before the step (state entry or batch)."""

    def record(
        self, func: Any, ctx: OpContext, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any
    ) -> None: ...


def is_supported(func: Any) -> bool:
    """Whether ReproMode can run this aten overload."""
    return func in KERNELS or func.overloadpacket in PASSTHROUGH


class ReproMode(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """Route aten operators to reproducible kernels; optionally record them.

    Args:
        seed: the job seed, keying dropout masks.
        step: the training step, keying dropout masks.
        recorder: gets every operator with its arguments and outputs (op tracing).
    """

    def __init__(self, *, seed: int = 0, step: int = 0, recorder: OpRecorder | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.seed = seed
        self.step = step
        self.recorder = recorder
        self.phase = "forward"
        self._layers: list[str] = []
        self._random_ops = 0

    @property
    def layer(self) -> str:
        """The module path running now, or the phase (backward, optimizer) outside modules."""
        return self._layers[-1] if self._layers else f"<{self.phase}>"

    def start_step(self, step: int) -> None:
        """Key this step's randomness: dropout masks are numbered from 0 again."""
        self.step = step
        self._random_ops = 0
        self.phase = "forward"

    def track(self, model: nn.Module) -> list[RemovableHandle]:
        """Register hooks that keep `layer` equal to the module path being run."""
        handles = []
        for name, module in model.named_modules():
            path = name or type(model).__name__

            def pre(_m: nn.Module, _a: Any, path: str = path) -> None:
                self._layers.append(path)

            def post(_m: nn.Module, _a: Any, _o: Any) -> None:
                if self._layers:
                    self._layers.pop()

            handles.append(module.register_forward_pre_hook(pre))
            handles.append(module.register_forward_hook(post))
        return handles

    def __torch_dispatch__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        if not is_supported(func):
            raise UnsupportedOperatorError(op_name(func), self.layer)
        _check_float32(func, (args, kwargs), self.layer)
        if func in RANDOM_OPS:
            ctx = OpContext(self.seed, self.step, f"dropout/{self._random_ops}")
            self._random_ops += 1
        else:
            ctx = OpContext(self.seed, self.step)
        out = run_kernel(func, ctx, args, kwargs)
        _check_float32(func, out, self.layer)
        if self.recorder is not None:
            self.recorder.record(func, ctx, args, kwargs, out)
        return out


def _check_float32(func: Any, tree: Any, layer: str) -> None:
    """Refuse any floating tensor or dtype argument that is not float32, naming the op and layer.

    Walks only the containers aten arguments are made of (tuples, lists, dicts): torch's generic
    pytree flatten cost ~6 µs per call here, twice per op, a third of a small model's step.
    """
    if isinstance(tree, tuple | list):
        for item in tree:
            _check_float32(func, item, layer)
    elif isinstance(tree, dict):
        for item in tree.values():
            _check_float32(func, item, layer)
    elif isinstance(tree, Tensor):
        if tree.is_floating_point() and tree.dtype != torch.float32:
            raise ReproducibilityError(
                f"operator {op_name(func)} in layer {layer!r} saw a {tree.dtype} tensor; "
                "the reproducible runtime computes in float32 only: cast the model and data"
            )
    elif isinstance(tree, torch.dtype) and tree.is_floating_point and tree != torch.float32:
        raise ReproducibilityError(
            f"operator {op_name(func)} in layer {layer!r} asks for {tree}; use float32"
        )


@contextmanager
def repro(
    model: nn.Module | None = None,
    *,
    seed: int = 0,
    step: int = 0,
    recorder: OpRecorder | None = None,
) -> Iterator[ReproMode]:
    """`with repro(model) as mode:` — ReproMode with the model's layers tracked."""
    mode = ReproMode(seed=seed, step=step, recorder=recorder)
    handles = mode.track(model) if model is not None else []
    try:
        with mode:
            yield mode
    finally:
        for handle in handles:
            handle.remove()
