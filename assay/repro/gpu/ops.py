"""Host side of the Triton kernels: fp.py's signatures, same bits (see gpu/kernels.py).

Every function takes float32 tensors on the device Triton runs on (CUDA, or CPU under
TRITON_INTERPRET=1) and returns what the fp function of the same name returns, bit for bit
(NaN payloads aside, which the spec leaves open).
"""

from __future__ import annotations

import torch
import triton
from torch import Tensor

from assay.repro.gpu import kernels

# Elementwise: elements per program.
_BLOCK = 1024
# Reductions: inputs per chunk (2^_MAX_LEVELS), rows or columns per program.
_MAX_LEVELS = 7
_ROWS = 16
_COLS = 32
# The kernels index with 32-bit integers.
_MAX_ELEMENTS = 2**31 - 1


def _levels(n: int) -> int:
    """Tree levels of one chunk: enough for n inputs, at most _MAX_LEVELS."""
    return min(max(0, (n - 1).bit_length()), _MAX_LEVELS)


def _check(*tensors: Tensor) -> None:
    for t in tensors:
        if t.dtype != torch.float32:
            raise ValueError(
                f"the Triton kernels are float32-only, got {t.dtype}; cast with .float()"
            )
        _check_size(t.numel())


def _check_size(elements: int) -> None:
    if elements > _MAX_ELEMENTS:
        raise ValueError(
            f"the Triton kernels index with 32-bit integers: {elements} elements is too many; "
            "split the tensor or unset ASSAY_TRITON"
        )


def _elementwise(x: Tensor, op: int) -> Tensor:
    _check(x)
    flat = x.contiguous().reshape(-1)
    out = torch.empty_like(flat)
    if flat.numel():
        grid = (triton.cdiv(flat.numel(), _BLOCK),)
        kernels.elementwise_kernel[grid](
            flat, out, flat.numel(), OP=op, BLOCK=_BLOCK, **kernels.LAUNCH_OPTIONS
        )
    return out.reshape(x.shape)


def exp(x: Tensor) -> Tensor:
    """fp.exp."""
    return _elementwise(x, kernels.EXP)


def log(x: Tensor) -> Tensor:
    """fp.log."""
    return _elementwise(x, kernels.LOG)


def tanh(x: Tensor) -> Tensor:
    """fp.tanh."""
    return _elementwise(x, kernels.TANH)


def sigmoid(x: Tensor) -> Tensor:
    """fp.sigmoid."""
    return _elementwise(x, kernels.SIGMOID)


def gelu(x: Tensor) -> Tensor:
    """fp.gelu (tanh form)."""
    return _elementwise(x, kernels.GELU)


def _tree_rows(x: Tensor) -> Tensor:
    """(rows, n) contiguous -> (rows,): fp.tree_sum over the last dim, n >= 1.

    Each pass sums aligned chunks of 2^levels (nodes of the spec's tree); the chunk sums are the
    tree's next levels' inputs, so passes repeat until one value per row is left.
    """
    while x.shape[1] > 1:
        rows, n = x.shape
        levels = _levels(n)
        chunk = 1 << levels
        chunks = triton.cdiv(n, chunk)
        out = torch.empty((rows, chunks), dtype=x.dtype, device=x.device)
        grid = (triton.cdiv(rows, _ROWS), chunks)
        kernels.tree_chunks_kernel[grid](
            x, out, rows, n, chunks, ROWS=_ROWS, CHUNK=chunk, LEVELS=levels,
            **kernels.LAUNCH_OPTIONS,
        )  # fmt: skip
        x = out
    return x[:, 0]


def tree_sum(x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
    """fp.tree_sum: the pairwise tree over `dim`."""
    _check(x)
    if x.dim() == 0:
        raise ValueError("tree_sum needs a tensor with at least one dimension")
    moved = x.movedim(dim, -1)
    shape, n = moved.shape[:-1], moved.shape[-1]
    if n == 0:
        out = torch.zeros(shape, dtype=x.dtype, device=x.device)
    elif moved.numel() == 0:
        out = torch.empty(shape, dtype=x.dtype, device=x.device)
    else:
        out = _tree_rows(moved.reshape(-1, n).contiguous()).reshape(shape)
    return out.unsqueeze(dim) if keepdim else out


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """fp.matmul for (..., M, K) @ (..., K, N), batch dims broadcast: RN32 products, tree over K."""
    _check(a, b)
    if a.dim() < 2 or b.dim() < 2:
        raise ValueError(
            f"matmul needs 2-D or batched operands, got {tuple(a.shape)} @ {tuple(b.shape)}"
        )
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul shapes {tuple(a.shape)} and {tuple(b.shape)} do not align")
    m, k = a.shape[-2:]
    n = b.shape[-1]
    batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])  # type: ignore[no-untyped-call]
    if k == 0:  # empty sums are +0
        return torch.zeros((*batch, m, n), dtype=a.dtype, device=a.device)
    count = batch.numel()
    if count * m * n == 0:
        return torch.empty((*batch, m, n), dtype=a.dtype, device=a.device)
    _check_size(count * max(m * k, k * n, m * n * triton.cdiv(k, 1 << _levels(k))))
    a3 = a.expand(*batch, m, k).reshape(count, m, k)
    b3 = b.expand(*batch, k, n).reshape(count, k, n)
    levels = _levels(k)
    chunk = 1 << levels
    chunks = triton.cdiv(k, chunk)
    partial = torch.empty((count, m, n, chunks), dtype=a.dtype, device=a.device)
    grid = (count * m, triton.cdiv(n, _COLS), chunks)
    kernels.matmul_chunks_kernel[grid](
        a3, b3, partial, m, n, k, chunks,
        a3.stride(0), a3.stride(1), a3.stride(2), b3.stride(0), b3.stride(1), b3.stride(2),
        COLS=_COLS, CHUNK=chunk, LEVELS=levels, **kernels.LAUNCH_OPTIONS,
    )  # fmt: skip
    sums = partial.reshape(-1, chunks)
    out = sums[:, 0] if chunks == 1 else _tree_rows(sums)
    return out.reshape(*batch, m, n)
