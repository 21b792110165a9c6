"""The operator table: which aten operators pass through and which run a reproducible kernel.

Three classes of operator (docs/runtime.md, "Operators"):

* PASSTHROUGH — exact data movement, creation, comparison and selection (views, cat, index,
  where, ...): torch's own implementation is already bit-exact on every device.
* KERNELS — anything that rounds: arithmetic, reductions, transcendentals. Each is re-expressed
  with the fixed-order float32 functions of `assay.repro.fp` and single IEEE operations. Plain
  elementwise add/sub/mul/div are single correctly rounded operations; their fused variants
  (`alpha != 1`) are decomposed, and division by a scalar is divided by a full tensor because
  CUDA otherwise multiplies by the reciprocal.
* everything else is unsupported: `ReproMode` raises `UnsupportedOperatorError`.

Every kernel has the aten signature preceded by an `OpContext` (the RNG key for dropout).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from assay.repro import fp
from assay.repro import kernels_nn as nn_k

aten = torch.ops.aten


@dataclass(frozen=True)
class OpContext:
    """What a kernel may need besides its arguments: the counter-based RNG key of this op."""

    seed: int = 0
    step: int = 0
    purpose: str = ""


Kernel = Callable[..., Any]

_PASSTHROUGH_PACKETS = [
    # views and layout
    "view",
    "_unsafe_view",
    "reshape",
    "_reshape_alias",
    "t",
    "transpose",
    "permute",
    "expand",
    "unsqueeze",
    "squeeze",
    "slice",
    "select",
    "alias",
    "detach",
    "as_strided",
    "unbind",
    "split",
    "split_with_sizes",
    "view_as",
    "unfold",
    # copies and gathers
    "clone",
    "contiguous",
    "_to_copy",
    "cat",
    "stack",
    "index",
    "index_select",
    "gather",
    "copy_",
    "copy",
    "slice_backward",
    "select_backward",
    "constant_pad_nd",
    "lift_fresh",
    "lift_fresh_copy",
    "_local_scalar_dense",
    # creation
    "zeros",
    "ones",
    "full",
    "empty",
    "empty_like",
    "zeros_like",
    "ones_like",
    "full_like",
    "new_zeros",
    "new_ones",
    "new_empty",
    "new_full",
    "new_empty_strided",
    "empty_strided",
    "fill",
    "fill_",
    "zero_",
    "scalar_tensor",
    "arange",
    # comparison and exact selection
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "logical_not",
    "logical_and",
    "logical_or",
    "where",
    "masked_fill",
    "masked_fill_",
    "abs",
    "maximum",
    "minimum",
    "isnan",
    "isfinite",
    "clamp",
]

PASSTHROUGH: frozenset[Any] = frozenset(getattr(aten, name) for name in _PASSTHROUGH_PACKETS)


def _f32(x: Any) -> bool:
    return isinstance(x, Tensor) and x.dtype == torch.float32


def _as_operand(other: Any, like: Tensor) -> Any:
    """A scalar or 0-dim operand widened to a full tensor, so no kernel special-cases scalars."""
    if isinstance(other, Tensor) and other.dim() > 0:
        return other
    value = other.item() if isinstance(other, Tensor) else other
    return torch.full_like(like, value)


def _scaled(b: Any, alpha: Any, like: Tensor) -> Any:
    """alpha * b as its own rounded product; a Python-number b is widened to a tensor first."""
    if alpha == 1:
        return b
    return torch.mul(b if isinstance(b, Tensor) else _as_operand(b, like), alpha)


# `alpha` is positional in the .Scalar overloads' schemas (add.Scalar(self, other, alpha=1)) and
# keyword-only in the .Tensor ones, so the kernels take it either way.
def _add(ctx: OpContext, a: Tensor, b: Any, alpha: Any = 1) -> Tensor:
    # alpha != 1 would be a fused a + alpha*b (an FMA on CUDA): two rounded ops instead.
    return torch.add(a, _scaled(b, alpha, a))


def _sub(ctx: OpContext, a: Tensor, b: Any, alpha: Any = 1) -> Tensor:
    return torch.sub(a, _scaled(b, alpha, a))


def _rsub(ctx: OpContext, a: Tensor, b: Any, alpha: Any = 1) -> Tensor:
    scaled = a if alpha == 1 else a * alpha
    return torch.sub(_as_operand(b, scaled), scaled)


def _mul(ctx: OpContext, a: Tensor, b: Any) -> Tensor:
    return torch.mul(a, b)


def _div(ctx: OpContext, a: Tensor, b: Any, *, rounding_mode: str | None = None) -> Tensor:
    if rounding_mode is not None or not _f32(a):
        return torch.div(a, b, rounding_mode=rounding_mode)
    return torch.div(a, _as_operand(b, a))


def _neg(ctx: OpContext, a: Tensor) -> Tensor:
    return -a


def _inplace(op: Kernel) -> Kernel:
    def run(ctx: OpContext, a: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return a.copy_(op(ctx, a, *args, **kwargs))

    return run


def _dims(x: Tensor, dim: Any) -> tuple[int, ...]:
    if dim is None or (isinstance(dim, list | tuple) and len(dim) == 0):
        return tuple(range(x.dim()))
    return (dim,) if isinstance(dim, int) else tuple(dim)


def _sum(ctx: OpContext, x: Tensor, *, dtype: Any = None) -> Tensor:
    if not x.is_floating_point():
        return torch.sum(x, dtype=dtype)  # integer sums are exact in any order
    return fp.tree_sum(x.reshape(-1), 0) if x.dim() else x.clone()


def _sum_dim(
    ctx: OpContext, x: Tensor, dim: Any, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    if not x.is_floating_point():
        return torch.sum(x, dim=_dims(x, dim), keepdim=keepdim, dtype=dtype)
    if x.dim() == 0:
        return x.clone()
    return fp.tree_sum_dims(x, _dims(x, dim), keepdim=keepdim)


def _mean(ctx: OpContext, x: Tensor, *, dtype: Any = None) -> Tensor:
    return fp.mean(x, tuple(range(x.dim())), False)


def _mean_dim(
    ctx: OpContext, x: Tensor, dim: Any, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    return fp.mean(x, _dims(x, dim), keepdim)


def _ieee_max(x: Tensor, dims: Any, keepdim: bool) -> Tensor:
    """amax with IEEE 754 maximum's signed zeros: a zero maximum is +0 if any +0 is there.

    torch's vectorised amax returns whichever zero its lanes keep, which depends on the shape
    and the instruction set; the maximum itself is exact, so only the sign of zero needs fixing.
    """
    values = torch.amax(x, dim=dims, keepdim=keepdim)
    if x.dim() == 0:
        return values
    positive_zero = ((x == 0) & ~torch.signbit(x)).any(dim=dims, keepdim=keepdim)
    zero = torch.zeros_like(values)
    return torch.where(values == 0, torch.where(positive_zero, zero, -zero), values)


def _amax(ctx: OpContext, x: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    return _ieee_max(x, _dims(x, dim), keepdim)


def _max(ctx: OpContext, x: Tensor) -> Tensor:
    return _ieee_max(x, tuple(range(x.dim())), False)


def _max_dim(ctx: OpContext, x: Tensor, dim: int, keepdim: bool = False) -> tuple[Tensor, Tensor]:
    values = _ieee_max(x, (dim,), True)
    # The first index of the maximum, computed with exact integer ops on every device.
    n = x.shape[dim]
    shape = [1] * x.dim()
    shape[dim] = n
    idx = torch.arange(n, device=x.device).reshape(shape).expand(x.shape)
    # A nan maximum (amax propagates nan) is found at the first nan, as torch's max.dim does.
    hit = (x == values) | torch.isnan(x)
    first = torch.where(hit, idx, torch.full_like(idx, n)).amin(dim=dim, keepdim=keepdim)
    return (values if keepdim else values.squeeze(dim)), first


def _mm(ctx: OpContext, a: Tensor, b: Tensor) -> Tensor:
    return fp.matmul(a, b)


def _addmm(
    ctx: OpContext, bias: Tensor, a: Tensor, b: Tensor, *, beta: Any = 1, alpha: Any = 1
) -> Tensor:
    prod = fp.matmul(a, b)
    if alpha != 1:
        prod = prod * alpha
    return prod + (bias if beta == 1 else bias * beta)


def _relu(ctx: OpContext, x: Tensor) -> Tensor:
    # x > 0 ? x : +0 — defined by a comparison, so relu(-0.0) is +0 on every device.
    return torch.where(x > 0, x, torch.zeros_like(x))


def _threshold_backward(ctx: OpContext, grad: Tensor, x: Tensor, threshold: Any) -> Tensor:
    return torch.where(x <= threshold, torch.zeros_like(grad), grad)


def _unary(fn: Callable[[Tensor], Tensor]) -> Kernel:
    def run(ctx: OpContext, x: Tensor) -> Tensor:
        return fn(x)

    return run


def _sqrt(ctx: OpContext, x: Tensor) -> Tensor:
    return fp.sqrt(x)  # correctly rounded (torch.sqrt is not on every backend): rule 1


def _pow(ctx: OpContext, x: Tensor, exponent: Any) -> Tensor:
    return fp.pow_scalar(x, exponent)


def _tanh_backward(ctx: OpContext, grad: Tensor, out: Tensor) -> Tensor:
    return grad * (1.0 - out * out)


def _sigmoid_backward(ctx: OpContext, grad: Tensor, out: Tensor) -> Tensor:
    return grad * ((1.0 - out) * out)


def _gelu(ctx: OpContext, x: Tensor, *, approximate: str = "none") -> Tensor:
    nn_k.require_tanh_gelu(approximate)
    return fp.gelu(x)


def _gelu_backward(ctx: OpContext, grad: Tensor, x: Tensor, *, approximate: str = "none") -> Tensor:
    nn_k.require_tanh_gelu(approximate)
    return fp.gelu_backward(grad, x)


def _softmax(ctx: OpContext, x: Tensor, dim: int, half_to_float: bool) -> Tensor:
    return fp.softmax(x, dim)


def _log_softmax(ctx: OpContext, x: Tensor, dim: int, half_to_float: bool) -> Tensor:
    return fp.log_softmax(x, dim)


def _softmax_backward(ctx: OpContext, g: Tensor, out: Tensor, dim: int, dtype: Any) -> Tensor:
    return fp.softmax_backward(g, out, dim)


def _log_softmax_backward(ctx: OpContext, g: Tensor, out: Tensor, dim: int, dtype: Any) -> Tensor:
    return fp.log_softmax_backward(g, out, dim)


KERNELS: dict[Any, Kernel] = {
    aten.add.Tensor: _add, aten.add.Scalar: _add, aten.add_.Tensor: _inplace(_add),
    aten.sub.Tensor: _sub, aten.sub.Scalar: _sub, aten.sub_.Tensor: _inplace(_sub),
    aten.rsub.Scalar: _rsub, aten.rsub.Tensor: _rsub,
    aten.mul.Tensor: _mul, aten.mul.Scalar: _mul, aten.mul_.Tensor: _inplace(_mul),
    aten.div.Tensor: _div, aten.div.Scalar: _div, aten.div.Tensor_mode: _div,
    aten.div_.Tensor: _inplace(_div), aten.neg.default: _neg,
    aten.sum.default: _sum, aten.sum.dim_IntList: _sum_dim,
    aten.mean.default: _mean, aten.mean.dim: _mean_dim,
    aten.amax.default: _amax, aten.max.default: _max, aten.max.dim: _max_dim,
    aten.mm.default: _mm, aten.bmm.default: _mm, aten.addmm.default: _addmm,
    aten.relu.default: _relu, aten.threshold_backward.default: _threshold_backward,
    aten.exp.default: _unary(lambda x: fp.exp(x)), aten.log.default: _unary(lambda x: fp.log(x)),
    aten.tanh.default: _unary(lambda x: fp.tanh(x)), aten.tanh_backward.default: _tanh_backward,
    aten.sigmoid.default: _unary(lambda x: fp.sigmoid(x)),
    aten.sigmoid_backward.default: _sigmoid_backward,
    aten.sqrt.default: _sqrt, aten.rsqrt.default: _unary(lambda x: fp.rsqrt(x)),
    aten.pow.Tensor_Scalar: _pow,
    aten.gelu.default: _gelu, aten.gelu_backward.default: _gelu_backward,
    aten._softmax.default: _softmax, aten._log_softmax.default: _log_softmax,
    aten._softmax_backward_data.default: _softmax_backward,
    aten._log_softmax_backward_data.default: _log_softmax_backward,
    aten.nll_loss_forward.default: nn_k.nll_loss_forward,
    aten.nll_loss_backward.default: nn_k.nll_loss_backward,
    aten.native_layer_norm.default: nn_k.native_layer_norm,
    aten.native_layer_norm_backward.default: nn_k.native_layer_norm_backward,
    aten.embedding.default: nn_k.embedding,
    aten.embedding_dense_backward.default: nn_k.embedding_dense_backward,
    aten.convolution.default: nn_k.convolution,
    aten.convolution_backward.default: nn_k.convolution_backward,
    aten.native_dropout.default: nn_k.native_dropout,
    aten.native_dropout_backward.default: nn_k.native_dropout_backward,
}  # fmt: skip

# Operators whose kernel consumes randomness: the mode hands them a fresh OpContext purpose.
RANDOM_OPS: frozenset[Any] = frozenset({aten.native_dropout.default})


def op_name(func: Any) -> str:
    """The canonical name of an aten overload, e.g. 'aten.mm.default'."""
    return str(func)


def resolve(name: str) -> Any:
    """The aten overload named by `op_name`."""
    namespace, packet, overload = name.split(".")
    return getattr(getattr(getattr(torch.ops, namespace), packet), overload)


def supported_operators() -> list[str]:
    """Every supported aten operator (kernels by overload, passthrough by packet), sorted."""
    kernels = [op_name(op) for op in KERNELS]
    return sorted(kernels + [f"aten.{name}.*" for name in _PASSTHROUGH_PACKETS])


def run_kernel(func: Any, ctx: OpContext, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run `func` reproducibly: its kernel, or torch itself for an exact passthrough operator."""
    kernel = KERNELS.get(func)
    if kernel is not None:
        return kernel(ctx, *args, **kwargs)
    return func(*args, **kwargs)
