"""Reproducible kernels of the neural-network operators: losses, norms, embeddings, conv, dropout.

Each is a fixed sequence of `assay.repro.fp` functions and exact data movement; the reduction
order is stated where it is not a plain `fp.tree_sum` over one axis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from assay.repro import fp, rng
from assay.repro.errors import ReproducibilityError

if TYPE_CHECKING:
    from assay.repro.kernels import OpContext

_MEAN, _SUM = 1, 2


def require_tanh_gelu(approximate: str) -> None:
    """The runtime defines only the tanh form of GELU."""
    if approximate != "tanh":
        raise ReproducibilityError(
            f"gelu(approximate={approximate!r}) is not supported; use approximate='tanh'"
        )


def _picked(x: Tensor, target: Tensor, ignore_index: int) -> tuple[Tensor, Tensor, Tensor]:
    x2 = x if x.dim() == 2 else x.unsqueeze(0)
    t = target.reshape(-1)
    valid = t != ignore_index
    safe = torch.where(valid, t, torch.zeros_like(t))
    return x2, safe, valid


def _weights(weight: Tensor | None, safe: Tensor, valid: Tensor) -> Tensor:
    w = valid.to(torch.float32) if weight is None else weight.index_select(0, safe)
    return w if weight is None else torch.where(valid, w, torch.zeros_like(w))


def nll_loss_forward(
    ctx: OpContext, x: Tensor, target: Tensor, weight: Tensor | None, reduction: int, ignore: int
) -> tuple[Tensor, Tensor]:
    """loss_i = -(w_i * x[i, t_i]); mean = tree_sum(loss) / tree_sum(w), sum = tree_sum(loss)."""
    x2, safe, valid = _picked(x, target, ignore)
    picked = x2.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = _weights(weight, safe, valid)
    # An ignored row contributes an exact zero: multiplying its (possibly infinite) x by a zero
    # weight would make the whole loss nan.
    weighted = -(picked * w) if weight is not None else -picked
    losses = torch.where(valid, weighted, torch.zeros_like(w))
    total = fp.tree_sum(w, 0)
    if reduction == _MEAN:
        return fp.tree_sum(losses, 0) / total, total
    if reduction == _SUM:
        return fp.tree_sum(losses, 0), total
    return (losses if x.dim() == 2 else losses.squeeze(0)), total


def nll_loss_backward(
    ctx: OpContext,
    grad: Tensor,
    x: Tensor,
    target: Tensor,
    weight: Tensor | None,
    reduction: int,
    ignore: int,
    total: Tensor,
) -> Tensor:
    """d x[i, t_i] = -(w_i * g_i), with g = grad / total_weight for the mean reduction."""
    x2, safe, valid = _picked(x, target, ignore)
    w = _weights(weight, safe, valid)
    g = grad / total if reduction == _MEAN else grad
    g = g.reshape(-1).expand(w.shape) if g.numel() == 1 else g.reshape(-1)
    values = -(w * g)
    out = torch.zeros_like(x2).scatter(1, safe.unsqueeze(1), values.unsqueeze(1))
    return out if x.dim() == 2 else out.squeeze(0)


def _norm_dims(x: Tensor, normalized_shape: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    k = len(normalized_shape)
    return tuple(range(x.dim() - k, x.dim())), tuple(range(x.dim() - k))


def native_layer_norm(
    ctx: OpContext, x: Tensor, shape: Any, weight: Tensor | None, bias: Tensor | None, eps: float
) -> tuple[Tensor, Tensor, Tensor]:
    """mean, biased var (fp.var, correction 0), rstd = fp.rsqrt(var + eps), (x-mean)*rstd*w + b."""
    dims, _ = _norm_dims(x, shape)
    mean = fp.mean(x, dims, True)
    rstd = fp.rsqrt(fp.var(x, dims, 0, True) + eps)
    out = (x - mean) * rstd
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out, mean, rstd


def native_layer_norm_backward(
    ctx: OpContext,
    grad: Tensor,
    x: Tensor,
    shape: Any,
    mean: Tensor,
    rstd: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    mask: list[bool],
) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    """dx = (g - mean(g) - xhat * mean(g * xhat)) * rstd with g = grad * w; dw, db by tree_sum."""
    dims, batch = _norm_dims(x, shape)
    xhat = (x - mean) * rstd
    g = grad * weight if weight is not None else grad
    dx = ((g - fp.mean(g, dims, True)) - xhat * fp.mean(g * xhat, dims, True)) * rstd
    dw = fp.tree_sum_dims(grad * xhat, batch) if mask[1] and weight is not None else None
    db = fp.tree_sum_dims(grad, batch) if mask[2] and bias is not None else None
    return (dx if mask[0] else None), dw, db


def embedding(
    ctx: OpContext,
    weight: Tensor,
    indices: Tensor,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """weight[indices]: an exact gather."""
    return weight.index_select(0, indices.reshape(-1)).reshape(*indices.shape, weight.shape[1])


def embedding_dense_backward(
    ctx: OpContext, grad: Tensor, indices: Tensor, num: int, padding_idx: int, by_freq: bool
) -> Tensor:
    """Row v = tree_sum over all tokens, in token order, of (token == v) * grad_token.

    A one-hot product through `fp.matmul` instead of index_put(accumulate=True), whose
    accumulation order is unspecified on GPU.
    """
    if by_freq:
        raise ReproducibilityError("embedding(scale_grad_by_freq=True) is not supported")
    flat = indices.reshape(-1)
    g = grad.reshape(flat.shape[0], -1)
    vocab = torch.arange(num, device=grad.device).unsqueeze(1)
    onehot = (vocab == flat.unsqueeze(0)).to(torch.float32)  # (V, M)
    if padding_idx >= 0:
        onehot[padding_idx] = 0.0
    return fp.matmul(onehot, g)  # (V, D)


def _check_conv(x: Tensor, transposed: bool, groups: int) -> None:
    if transposed or groups != 1 or x.dim() != 4:
        raise ReproducibilityError("only 2-D, non-transposed, groups=1 convolutions are supported")


def _out_size(n: int, k: int, s: int, p: int, d: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _im2col(x: Tensor, kh: int, kw: int, stride: Any, padding: Any, dilation: Any) -> Tensor:
    """(N, C, H, W) -> (N, C*kh*kw, L), column order (c, ki, kj) as weight.view(Cout, -1).

    torch's unfold is pure data movement (zero padding included), so it is exact on every device.
    """
    return torch.nn.functional.unfold(
        x, (kh, kw), dilation=tuple(dilation), padding=tuple(padding), stride=tuple(stride)
    )


def convolution(
    ctx: OpContext,
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: bool,
    output_padding: Any,
    groups: int,
) -> Tensor:
    """im2col, then out[n, o, l] = tree_sum over (c, ki, kj) of w * col (fp.matmul), + bias."""
    _check_conv(x, transposed, groups)
    cout, _, kh, kw = weight.shape
    cols = _im2col(x, kh, kw, stride, padding, dilation)
    out = fp.matmul(weight.reshape(cout, -1), cols)  # (N, Cout, L)
    if bias is not None:
        out = out + bias.reshape(1, cout, 1)
    ho = _out_size(x.shape[2], kh, stride[0], padding[0], dilation[0])
    return out.reshape(x.shape[0], cout, ho, -1)


def convolution_backward(
    ctx: OpContext,
    grad: Tensor,
    x: Tensor,
    weight: Tensor,
    bias_sizes: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: bool,
    output_padding: Any,
    groups: int,
    mask: list[bool],
) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    """dW = tree_sum over (n, l) of g * col; dx = col2im adding kernel offsets (ki, kj) in order."""
    _check_conv(x, transposed, groups)
    n, c, h, w = x.shape
    cout, _, kh, kw = weight.shape
    ho, wo = grad.shape[2], grad.shape[3]
    g = grad.reshape(n, cout, ho * wo)
    dx = dw = db = None
    if mask[1]:
        cols = _im2col(x, kh, kw, stride, padding, dilation)  # (N, K, L)
        g_rows = g.permute(1, 0, 2).reshape(cout, -1)  # (Cout, N*L)
        cols_t = cols.permute(0, 2, 1).reshape(n * ho * wo, -1)  # (N*L, K)
        dw = fp.matmul(g_rows, cols_t).reshape(weight.shape)
    if mask[2]:
        db = fp.tree_sum_dims(grad, (0, 2, 3))
    if mask[0]:
        dcols = fp.matmul(weight.reshape(cout, -1).t(), g).reshape(n, c, kh, kw, ho, wo)
        ph, pw = padding
        dxp = torch.zeros(n, c, h + 2 * ph, w + 2 * pw, dtype=x.dtype, device=x.device)
        for i in range(kh):
            for j in range(kw):
                hs, ws = i * dilation[0], j * dilation[1]
                region = (
                    slice(None),
                    slice(None),
                    slice(hs, hs + stride[0] * (ho - 1) + 1, stride[0]),
                    slice(ws, ws + stride[1] * (wo - 1) + 1, stride[1]),
                )
                dxp[region] = dxp[region] + dcols[:, :, i, j]
        dx = dxp[:, :, ph : ph + h, pw : pw + w].contiguous()
    return dx, dw, db


def native_dropout(
    ctx: OpContext, x: Tensor, p: float, train: bool | None
) -> tuple[Tensor, Tensor]:
    """Keep mask from the counter-based RNG keyed by (seed, purpose, step); out = x*mask*scale."""
    if not train or p == 0.0:
        return x.clone(), torch.ones_like(x, dtype=torch.bool)
    if p >= 1.0:
        return torch.zeros_like(x), torch.zeros_like(x, dtype=torch.bool)
    mask = rng.bernoulli_mask(
        tuple(x.shape), 1.0 - p, seed=ctx.seed, purpose=ctx.purpose, step=ctx.step, device=x.device
    )
    return (x * mask.to(torch.float32)) * (1.0 / (1.0 - p)), mask


def native_dropout_backward(ctx: OpContext, grad: Tensor, mask: Tensor, scale: float) -> Tensor:
    """grad * mask * scale, two rounded products in that order (as the forward)."""
    return (grad * mask.to(torch.float32)) * scale
