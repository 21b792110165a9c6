# mypy: disable-error-code="no-untyped-def,untyped-decorator"
# (Triton reads kernel parameters' annotations as specialisation hints: they stay bare.)
"""Triton kernels computing fp.py's fixed-order operation sequences (docs/determinism-spec.md §6).

Each kernel issues the same binary32 operations as its fp counterpart, in the same order, so the
bits agree with fp.py and the compiled CPU kernels. What keeps them identical on a GPU:

* No FP contraction. The host code launches every kernel with `enable_fp_fusion=False`
  (`LAUNCH_OPTIONS`): LLVM then keeps each `fmul` and `fadd` apart and ptxas runs with
  `--fmad=false`, so `a * b + c` stays two correctly rounded operations. It must not be fused: a
  fused multiply-add rounds once where the contract rounds twice (after the product and after
  the sum), and the two differ in the last bit for a sizeable share of inputs — in every Horner
  step and every matmul product feeding the tree. Triton offers no per-operation form of this
  switch, so it is per kernel; nothing here relies on the default.
* No `tl.dot` (TF32 or FMA accumulation in hardware order) and no `tl.sum`/`tl.reduce` (their
  lane/warp order is the compiler's). Reductions are the pairwise tree written out: a block is
  reshaped to (..., W/2, 2), split into its even and odd elements, and those are added, level by
  level, so element i of level L + 1 is always (element 2i) + (element 2i + 1) of level L.
* Division is `tl.math.div_rn` (IEEE, correctly rounded); Triton's `/` on float32 is an
  approximate division on NVIDIA. Denormals are kept: `enable_reflect_ftz=False` stops libdevice
  flushing them, and nothing here asks for a flushing instruction.
* Negation flips the sign bit (`_neg`): Triton's unary minus is `0 - x`, which turns -(+0) into +0.
  Likewise -0.0 is never written as a literal: Triton makes every constant equal to 0 its null
  value, +0 (`_negative_zeros` builds -0.0 from its bits instead).
* No vendor transcendental: exp and log are fp.py's range reductions and polynomials, with its
  constants (imported from fp, so there is one source of truth).

The pairwise tree over a block of 2^L inputs padded with -0.0 is the spec's tree with its odd
elements carried: x + (-0) = x exactly for every x (±0, inf and NaN included), so a padded pair
(x, -0) passes x up unchanged, exactly like a carried odd element, and (-0) + (-0) stays -0.
Padding with +0 would not do: (-0) + (+0) = +0 would change the sign of a carried zero.

Import this module only where triton is installed; set TRITON_INTERPRET=1 before importing it to
run the kernels on CPU tensors under Triton's interpreter (the tests do).
"""

from __future__ import annotations

import triton
import triton.language as tl

from assay.repro import fp

# Launch options for every kernel here (see the module docstring): Triton's CUDA backend reads
# them as compile options, its interpreter ignores them.
LAUNCH_OPTIONS = {"enable_fp_fusion": False, "enable_reflect_ftz": False}

# exp (§6.4)
_LOG2E = tl.constexpr(fp._LOG2E)
_LN2_HI = tl.constexpr(fp._LN2_HI)
_LN2_LO = tl.constexpr(fp._LN2_LO)
_ROUND_MAGIC = tl.constexpr(fp._ROUND_MAGIC)
_EXP_MIN = tl.constexpr(fp._EXP_MIN)
_EXP_MAX = tl.constexpr(fp._EXP_MAX)
_E0, _E1, _E2, _E3, _E4, _E5, _E6, _E7 = (tl.constexpr(c) for c in fp._EXP_POLY)
# log
_SQRT2 = tl.constexpr(fp._SQRT2)
_TWO_POW_24 = tl.constexpr(fp._TWO_POW_24)
_MIN_NORMAL = tl.constexpr(fp._MIN_NORMAL)
_L0, _L1, _L2, _L3 = (tl.constexpr(c) for c in fp._LOG_POLY)
# tanh
_TANH_SPLIT = tl.constexpr(fp._f32(fp._TANH_SPLIT))
_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7, _T8, _T9 = (tl.constexpr(c) for c in fp._TANH_POLY)
# gelu
_GELU_K = tl.constexpr(fp._GELU_K)
_GELU_C = tl.constexpr(fp._GELU_C)

# Elementwise operation codes for `elementwise_kernel` (constexpr: the kernel branches on them).
_OP_EXP, _OP_LOG, _OP_TANH, _OP_SIGMOID = (tl.constexpr(i) for i in range(4))
EXP, LOG, TANH, SIGMOID, GELU = 0, 1, 2, 3, 4  # the host's names for them (GELU: any other)


# --- helpers ---------------------------------------------------------------------------------


@triton.jit
def _step(acc, x, c):
    """One Horner step: acc * x, rounded, then + c, rounded (two operations, never fused)."""
    acc = acc * x
    return acc + c


@triton.jit
def _neg(x):
    """-x by flipping the sign bit (exact for ±0, inf and NaN)."""
    return (x.to(tl.uint32, bitcast=True) ^ 0x80000000).to(tl.float32, bitcast=True)


@triton.jit
def _negative_zeros(like):
    """-0.0 shaped like `like` (a -0.0 literal would become +0, see the module docstring)."""
    return _neg(tl.full(like.shape, 0.0, tl.float32))


@triton.jit
def _pow2(n):
    """2^n for int32 n in [-126, 127], from the exponent bits (fp._pow2)."""
    return ((n + 127) << 23).to(tl.float32, bitcast=True)


@triton.jit
def _pairwise_rows(x, ROWS: tl.constexpr, WIDTH: tl.constexpr, LEVELS: tl.constexpr):
    """(ROWS, WIDTH = 2^LEVELS) -> (ROWS,): the pairwise tree of each row, adjacent pairs first."""
    for level in tl.static_range(LEVELS):
        pairs = x.reshape(ROWS, WIDTH >> (level + 1), 2)
        even, odd = pairs.split()
        x = even + odd
    return x.reshape(ROWS)


# --- transcendentals (fp.exp, fp.log, fp.tanh, fp.sigmoid, fp.gelu) ----------------------------


@triton.jit
def _exp(x):
    nan = x != x
    xc = tl.minimum(tl.maximum(tl.where(nan, 0.0, x), _EXP_MIN), _EXP_MAX)
    t = xc * _LOG2E
    nf = t + _ROUND_MAGIC
    nf = nf - _ROUND_MAGIC
    r = xc - nf * _LN2_HI
    r = r - nf * _LN2_LO
    p = tl.full(x.shape, _E0, tl.float32)
    p = _step(p, r, _E1)
    p = _step(p, r, _E2)
    p = _step(p, r, _E3)
    p = _step(p, r, _E4)
    p = _step(p, r, _E5)
    p = _step(p, r, _E6)
    p = _step(p, r, _E7)
    n = nf.to(tl.int32)
    n1 = n >> 1
    y = p * _pow2(n1)
    y = y * _pow2(n - n1)
    return tl.where(nan, x, y)


@triton.jit
def _log(x):
    tiny = x < _MIN_NORMAL
    xs = tl.where(tiny, x * _TWO_POW_24, x)
    regular = (x > 0.0) & (x < float("inf"))
    xs = tl.where(regular, xs, 1.0)
    bits = xs.to(tl.int32, bitcast=True)
    k = (bits >> 23) - 127 - tiny.to(tl.int32) * 24
    m = ((bits & 0x7FFFFF) | 0x3F800000).to(tl.float32, bitcast=True)
    high = m > _SQRT2
    m = tl.where(high, m * 0.5, m)
    k = k + high.to(tl.int32)
    f = m - 1.0
    s = tl.math.div_rn(f, f + 2.0)
    z = s * s
    h = tl.full(x.shape, _L0, tl.float32)
    h = _step(h, z, _L1)
    h = _step(h, z, _L2)
    h = _step(h, z, _L3)
    r = z * h
    hfsq = f * 0.5
    hfsq = hfsq * f
    kf = k.to(tl.float32)
    inner = s * (hfsq + r)
    inner = inner + kf * _LN2_LO
    y = kf * _LN2_HI - ((hfsq - inner) - f)
    y = tl.where(x == 0.0, float("-inf"), y)
    y = tl.where(x < 0.0, float("nan"), y)
    y = tl.where(x == float("inf"), float("inf"), y)
    return tl.where(x != x, x, y)


@triton.jit
def _tanh(x):
    z = x * x
    q = tl.full(x.shape, _T0, tl.float32)
    q = _step(q, z, _T1)
    q = _step(q, z, _T2)
    q = _step(q, z, _T3)
    q = _step(q, z, _T4)
    q = _step(q, z, _T5)
    q = _step(q, z, _T6)
    q = _step(q, z, _T7)
    q = _step(q, z, _T8)
    q = _step(q, z, _T9)
    small = x + x * (z * q)
    small = tl.where(x == 0.0, x, small)
    a = tl.abs(x)
    e = _exp(a + a)
    large = 1.0 - tl.math.div_rn(tl.full(x.shape, 2.0, tl.float32), e + 1.0)
    large = tl.where(x < 0.0, _neg(large), large)
    return tl.where(a < _TANH_SPLIT, small, large)


@triton.jit
def _sigmoid(x):
    e = _exp(_neg(tl.abs(x)))
    d = e + 1.0
    return tl.where(x >= 0.0, tl.math.div_rn(tl.full(x.shape, 1.0, tl.float32), d),
                    tl.math.div_rn(e, d))  # fmt: skip


@triton.jit
def _gelu(x):
    cube = x * x
    cube = cube * x
    inner = x + cube * _GELU_C
    g = _tanh(inner * _GELU_K)
    y = x * 0.5
    y = y * (g + 1.0)
    return tl.where(x == float("-inf"), 0.0, y)


@triton.jit
def elementwise_kernel(x_ptr, out_ptr, numel, OP: tl.constexpr, BLOCK: tl.constexpr):
    """out[i] = OP(x[i]) over a flat contiguous float32 buffer."""
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    inside = offsets < numel
    x = tl.load(x_ptr + offsets, mask=inside, other=0.0)
    if OP == _OP_EXP:
        y = _exp(x)
    elif OP == _OP_LOG:
        y = _log(x)
    elif OP == _OP_TANH:
        y = _tanh(x)
    elif OP == _OP_SIGMOID:
        y = _sigmoid(x)
    else:
        y = _gelu(x)
    tl.store(out_ptr + offsets, y, mask=inside)


# --- reductions (fp.tree_sum, fp.matmul) --------------------------------------------------------


@triton.jit
def tree_chunks_kernel(
    x_ptr,
    out_ptr,
    rows,
    n,
    chunks,
    ROWS: tl.constexpr,
    CHUNK: tl.constexpr,
    LEVELS: tl.constexpr,
):
    """out[r, c] = pairwise tree of x[r, c*CHUNK : (c+1)*CHUNK] (x (rows, n), out (rows, chunks)).

    A CHUNK = 2^LEVELS aligned block is one node of the spec's tree at level LEVELS (a short last
    block is padded with -0.0, which carries like the spec's odd elements), so the tree over the
    chunk sums is the rest of the same tree: the host applies this kernel again until one is left.
    """
    r = tl.program_id(0) * ROWS + tl.arange(0, ROWS)
    k = tl.program_id(1) * CHUNK + tl.arange(0, CHUNK)
    inside = (r[:, None] < rows) & (k[None, :] < n)
    x = tl.load(x_ptr + r[:, None] * n + k[None, :], mask=inside, other=0.0)
    x = tl.where(inside, x, _negative_zeros(x))
    s = _pairwise_rows(x, ROWS, CHUNK, LEVELS)
    tl.store(out_ptr + r * chunks + tl.program_id(1), s, mask=r < rows)


@triton.jit
def matmul_chunks_kernel(
    a_ptr,
    b_ptr,
    out_ptr,
    m_size,
    n_size,
    k_size,
    chunks,
    a_batch,
    a_row,
    a_col,
    b_batch,
    b_row,
    b_col,
    COLS: tl.constexpr,
    CHUNK: tl.constexpr,
    LEVELS: tl.constexpr,
):
    """out[b, i, j, c] = pairwise tree over k in chunk c of RN32(a[b, i, k] * b[b, k, j]).

    One program: one output row i of batch entry b, COLS columns, one CHUNK of K. Each product is
    its own rounded multiplication (no fusion into the tree's first addition); positions past K
    are -0.0 (see `tree_chunks_kernel`). out is contiguous (batch, M, N, chunks).
    """
    row = tl.program_id(0)
    batch = row // m_size
    i = row % m_size
    j = tl.program_id(1) * COLS + tl.arange(0, COLS)
    k = tl.program_id(2) * CHUNK + tl.arange(0, CHUNK)
    k_in = k < k_size
    a = tl.load(a_ptr + batch * a_batch + i * a_row + k * a_col, mask=k_in, other=0.0)
    both = (j[:, None] < n_size) & k_in[None, :]
    b = tl.load(b_ptr + batch * b_batch + k[None, :] * b_row + j[:, None] * b_col, mask=both,
                other=0.0)  # fmt: skip
    products = a[None, :] * b
    products = tl.where(k_in[None, :], products, _negative_zeros(products))
    s = _pairwise_rows(products, COLS, CHUNK, LEVELS)
    tl.store(out_ptr + (row * n_size + j) * chunks + tl.program_id(2), s, mask=j < n_size)
