"""Fixed-order float32 kernels: the arithmetic core of the determinism contract (docs/runtime.md).

Every function here is a fixed sequence of IEEE-754 binary32 operations among + - * / and sqrt,
comparisons and exact conversions, each issued as its own elementwise torch op (so no fused
multiply-add can form), with reductions in one documented order that does not depend on threads,
blocking or device. Results are therefore identical on every CPU and GPU.

Reduction order (`tree_sum`): adjacent pairs are added, (x0+x1), (x2+x3), ..., an odd last element
is carried unchanged to the next level, until one value is left.

Rules the code below follows, and why:

* Constants are exactly representable float32 values (`_f32`). A kernel may then compute
  `tensor op constant` in float32 or in float64-then-round: for + - * / sqrt the two agree, since
  53 >= 2*24 + 2 makes double rounding innocuous.
* Division always has a full tensor (never a Python scalar or 0-dim CPU tensor) on both sides:
  CUDA turns `t / scalar` into `t * (1/scalar)` and `scalar / t` is `reciprocal(t) * scalar` in
  PyTorch, both of which round twice.
* Denormals are part of the contract: results assume gradual underflow (no flush-to-zero), the
  IEEE default on CPUs and in PyTorch's CUDA build.
* Transcendentals use Cody-Waite range reduction and polynomials evaluated with Horner's scheme,
  one op at a time; no vendor libm (`torch.exp` etc. differ across devices).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import torch
from torch import Tensor

from assay.repro import gpu, native

# Rows of `matmul` computed at once: bounds the (rows, K/2, N) product buffer to ~16M floats
# on accelerators (fewer launches) and ~1M on CPU (stays in cache: 2-4x faster than 16M there).
_MATMUL_BUFFER = 1 << 24
_MATMUL_BUFFER_CPU = 1 << 20


def _f32(v: float) -> float:
    """`v` rounded to float32, as the Python float that holds it exactly."""
    return float(struct.unpack("<f", struct.pack("<f", v))[0])


def _bits(u: int) -> float:
    """The float32 whose bit pattern is `u`: constants that must be exact to the last bit."""
    return float(struct.unpack("<f", struct.pack("<I", u))[0])


def _check(*tensors: Tensor) -> None:
    for t in tensors:
        if t.dtype != torch.float32:
            raise ValueError(
                f"the reproducible runtime is float32-only, got {t.dtype}; cast with .float()"
            )


def _div(a: Tensor | float, b: Tensor | float, like: Tensor) -> Tensor:
    """a / b with both sides materialised as tensors shaped like `like` (see module docstring)."""
    ta = a if isinstance(a, Tensor) else torch.full_like(like, a)
    tb = b if isinstance(b, Tensor) else torch.full_like(like, b)
    return ta / tb


def _horner(x: Tensor, coeffs: Sequence[float]) -> Tensor:
    """c0*x^n + ... + cn, highest degree first, as separate * and + ops (never fused)."""
    acc = torch.full_like(x, coeffs[0])
    for c in coeffs[1:]:
        acc = acc * x
        acc = acc + c
    return acc


_PLAIN_TENSORS = (Tensor, torch.nn.Parameter)


def _plain(device: str, tensors: tuple[Tensor, ...]) -> bool:
    """True if compiled kernels may stand in for the torch code here (see `_native_ops`)."""
    for t in tensors:
        if type(t) not in _PLAIN_TENSORS or t.device.type != device or t.dtype != torch.float32:
            return False
    if torch._C._len_torch_dispatch_stack() > 0:
        return False
    # Inside a dispatch mode's handler autograd is already excluded: inputs may still say
    # requires_grad, but nothing is recorded, so the compiled kernels may run.
    return not (
        torch.is_grad_enabled()
        and any(t.requires_grad for t in tensors)
        and not torch._C._dispatch_tls_is_dispatch_key_excluded(
            torch._C.DispatchKey.AutogradFunctionality
        )
    )


def _native_ops(*tensors: Tensor) -> native.FixedOrderOps | None:
    """The compiled kernels (`native`) if they may stand in for the torch code here, else None.

    They compute the same bits, but only for plain CPU float32 tensors, and they are invisible to
    what watches torch ops: a dispatch mode on the stack (fake tensors, an outer recorder) or
    autograd recording a graph (they have no derivative) keeps the torch code.
    """
    ops = native.enabled()
    return ops if ops is not None and _plain("cpu", tensors) else None


def _triton_ops(*tensors: Tensor) -> gpu.TritonOps | None:
    """The Triton kernels (`gpu`, same bits) for plain CUDA float32 tensors when ASSAY_TRITON=1.

    The same conditions as `_native_ops`; CPU tensors return at the first check.
    """
    if not tensors or tensors[0].device.type != "cuda":
        return None
    ops = gpu.enabled()
    return ops if ops is not None and _plain("cuda", tensors) else None


def compiled_for(*tensors: Tensor) -> native.FixedOrderOps | None:
    """The compiled kernels if they may compute on these tensors now (see `_native_ops`)."""
    return _native_ops(*tensors)


def _dims(dims: int | Sequence[int]) -> tuple[int, ...]:
    return (dims,) if isinstance(dims, int) else tuple(dims)


def _count(x: Tensor, dims: tuple[int, ...]) -> int:
    n = 1
    for d in {d % x.dim() for d in dims}:
        n *= x.shape[d]
    return n


# --- reductions -----------------------------------------------------------------------------


def tree_sum(x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
    """Sum over `dim` in the fixed pairwise order (see module docstring).

    The compiled kernel (`native`) runs it on CPU when built; sums of fewer than two values keep
    the torch code (a view or zeros, nothing to add).
    """
    summed = x.dim() > 0 and x.shape[dim] > 1 and x.numel() > 0
    gpu_ops = _triton_ops(x) if summed else None
    if gpu_ops is not None:
        return gpu_ops.tree_sum(x, dim, keepdim)
    ops = _native_ops(x) if summed else None
    if ops is not None:
        out = ops.tree_sum(x, dim)
        return out.unsqueeze(dim) if keepdim else out
    moved = x.movedim(dim, 0)
    n = moved.shape[0]
    if n == 0:
        out = torch.zeros(moved.shape[1:], dtype=x.dtype, device=x.device)
    else:
        while n > 1:
            even = n - (n % 2)
            paired = moved[0:even:2] + moved[1:even:2]
            moved = torch.cat([paired, moved[even:n]]) if n % 2 else paired
            n = moved.shape[0]
        out = moved[0]
    return out.unsqueeze(dim) if keepdim else out


def tree_sum_dims(x: Tensor, dims: tuple[int, ...], keepdim: bool = False) -> Tensor:
    """Sum over several dims, innermost (last) first, each in the fixed pairwise order."""
    norm = sorted({d % x.dim() for d in dims}, reverse=True)
    out = x
    for d in norm:
        out = tree_sum(out, d, keepdim=True)
    if not keepdim:
        for d in norm:
            out = out.squeeze(d)
    return out


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b for (..., M, K) @ (..., K, N): each product rounded to float32, then `tree_sum` over K.

    The first tree level (p0 + p1), (p2 + p3), ... is formed straight from the even and odd
    products, halving the buffer, and rows go in cache-sized blocks on CPU; neither changes any
    operation, only how many rows are in flight. On CPU the compiled kernel (`native`) issues the
    same operations when it is built.
    """
    _check(a, b)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul shapes {tuple(a.shape)} and {tuple(b.shape)} do not align")
    multiplied = a.numel() > 0 and b.numel() > 0 and a.dim() >= 2 and b.dim() >= 2
    gpu_ops = _triton_ops(a, b) if multiplied else None
    if gpu_ops is not None:
        return gpu_ops.matmul(a, b)
    ops = _native_ops(a, b) if multiplied else None
    if ops is not None:
        return _native_matmul(ops, a, b)
    k, n = a.shape[-1], b.shape[-1]
    m = a.shape[-2]
    half = k // 2
    batch = max(1, a[..., 0, 0].numel()) if a.dim() > 2 else 1
    buffer = _MATMUL_BUFFER_CPU if a.device.type == "cpu" else _MATMUL_BUFFER
    rows = max(1, buffer // max(1, batch * max(1, half) * n))
    a_even, a_odd, a_tail = a[..., 0 : 2 * half : 2], a[..., 1 : 2 * half : 2], a[..., 2 * half :]
    b_even = b[..., 0 : 2 * half : 2, :].unsqueeze(-3)  # (..., 1, K/2, N)
    b_odd = b[..., 1 : 2 * half : 2, :].unsqueeze(-3)
    b_tail = b[..., 2 * half :, :].unsqueeze(-3)
    chunks = []
    for start in range(0, m, rows):
        rs = slice(start, start + rows)
        level = a_even[..., rs, :].unsqueeze(-1) * b_even + a_odd[..., rs, :].unsqueeze(-1) * b_odd
        if k % 2:  # the odd last product is carried to the next level unchanged
            level = torch.cat([level, a_tail[..., rs, :].unsqueeze(-1) * b_tail], dim=-2)
        chunks.append(tree_sum(level, dim=-2))  # (..., r, N)
    return chunks[0] if len(chunks) == 1 else torch.cat(chunks, dim=-2)


def _native_matmul(ops: native.FixedOrderOps, a: Tensor, b: Tensor) -> Tensor:
    """`matmul` by the compiled kernel, which takes 2-D @ 2-D or 3-D @ 3-D with equal batch."""
    m, k = a.shape[-2:]
    n = b.shape[-1]
    batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])  # type: ignore[no-untyped-call]
    if b.dim() == 2:  # one b for every matrix of a: a's batch entries are just more rows
        return ops.matmul(a.reshape(-1, k), b).reshape(*batch, m, n)
    # Broadcast batch entries are stride-0 views; the kernel reads them in place.
    a3 = a.expand(*batch, m, k).reshape(-1, m, k)
    b3 = b.expand(*batch, k, n).reshape(-1, k, n)
    return ops.matmul(a3, b3).reshape(*batch, m, n)


def linear(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
    """x @ w.T (+ b) for x (..., K), w (N, K), b (N,): `matmul`, then one add."""
    _check(x, w, *(() if b is None else (b,)))
    vector = x.dim() == 1
    out = matmul(x.unsqueeze(0) if vector else x, w.t())
    if b is not None:
        out = out + b
    return out.squeeze(0) if vector else out


def mean(x: Tensor, dims: int | Sequence[int], keepdim: bool = False) -> Tensor:
    """`tree_sum_dims` divided by the element count (one correctly rounded division)."""
    _check(x)
    d = _dims(dims)
    s = tree_sum_dims(x, d, keepdim=keepdim)
    return _div(s, float(_count(x, d)), s)


def var(x: Tensor, dims: int | Sequence[int], correction: int = 0, keepdim: bool = False) -> Tensor:
    """Two-pass variance: `mean`, then `tree_sum` of squared deviations / max(0, n - correction)."""
    _check(x)
    d = _dims(dims)
    dev = x - mean(x, d, keepdim=True)
    s = tree_sum_dims(dev * dev, d, keepdim=keepdim)
    return _div(s, float(max(0, _count(x, d) - correction)), s)


# --- exp / log ------------------------------------------------------------------------------

_LOG2E = _f32(1.4426950408889634)
# ln2 = _LN2_HI + _LN2_LO; _LN2_HI has 16 significant bits so n * _LN2_HI is exact for |n| < 256.
_LN2_HI = _bits(0x3F317200)  # 0.693145751953125
_LN2_LO = _bits(0x35BFBE8E)  # 1.4286068e-06
# Adding then subtracting 1.5 * 2^23 rounds |t| < 2^22 to the nearest integer (ties to even).
_ROUND_MAGIC = 12582912.0
# exp(89) overflows and exp(-104) rounds to 0, so clamping there keeps n in [-150, 128].
_EXP_MIN, _EXP_MAX = -104.0, 89.0
# Taylor series of e^r to degree 7; |r| <= ln2/2 makes the truncation error < 2^-27 relative.
_EXP_POLY = tuple(_f32(1.0 / f) for f in (5040, 720, 120, 24, 6, 2, 1, 1))


def _pow2(n: Tensor) -> Tensor:
    """2^n for int32 n in the normal range [-126, 127], built exactly from the exponent bits."""
    return ((n + 127) << 23).view(torch.float32)


def exp(x: Tensor) -> Tensor:
    """e^x; measured max error 1.17 ulp vs float64 over the float32 range (2^21 samples).

    exp(-inf) = 0, exp(+inf) = inf, exp(nan) = nan; x > 88.72 overflows to inf; results below
    2^-126 are gradual denormals (correctly rounded from the polynomial value), 0 below -103.98.
    """
    _check(x)
    ops = _native_ops(x)
    if ops is not None:
        return ops.exp(x)
    if (gpu_ops := _triton_ops(x)) is not None:
        return gpu_ops.exp(x)
    nan = torch.isnan(x)
    xc = torch.clamp(torch.where(nan, 0.0, x), _EXP_MIN, _EXP_MAX)
    t = xc * _LOG2E
    nf = (t + _ROUND_MAGIC) - _ROUND_MAGIC
    r = (xc - nf * _LN2_HI) - nf * _LN2_LO
    p = _horner(r, _EXP_POLY)
    n = nf.to(torch.int32)
    # Two-step scaling keeps each factor normal, so only the last product rounds (into a
    # denormal or inf) and under/overflow is correctly rounded from p.
    n1 = n >> 1
    y = (p * _pow2(n1)) * _pow2(n - n1)
    return torch.where(nan, x, y)


_SQRT2 = _f32(1.4142135623730951)
_TWO_POW_24 = 16777216.0
_MIN_NORMAL = _bits(0x00800000)
# Minimax coefficients of (log(1+f) - 2s)/s in z = s^2, |s| <= 0.1716 (FreeBSD msun e_logf.c).
_LOG_POLY = (_bits(0x3E789E26), _bits(0x3E91E9EE), _bits(0x3ECCCE13), _bits(0x3F2AAAAA))


def log(x: Tensor) -> Tensor:
    """Natural log; measured max error 0.82 ulp over all positive float32, denormals included.

    log(0) = -inf, log(x < 0) = nan, log(inf) = inf, log(nan) = nan, log(1) = +0.
    """
    _check(x)
    ops = _native_ops(x)
    if ops is not None:
        return ops.log(x)
    if (gpu_ops := _triton_ops(x)) is not None:
        return gpu_ops.log(x)
    # Denormals are scaled by 2^24 (exact) so the exponent field gives the true exponent.
    tiny = x < _MIN_NORMAL
    xs = torch.where(tiny, x * _TWO_POW_24, x)
    regular = (x > 0) & (x < float("inf"))
    xs = torch.where(regular, xs, 1.0)
    bits = xs.view(torch.int32)
    k = (bits >> 23) - 127 - tiny.to(torch.int32) * 24
    m = ((bits & 0x7FFFFF) | 0x3F800000).view(torch.float32)  # mantissa in [1, 2)
    # Centre m on 1 ([sqrt(2)/2, sqrt(2)]) so f = m - 1 is small and exact.
    high = m > _SQRT2
    m = torch.where(high, m * 0.5, m)
    k = k + high.to(torch.int32)
    f = m - 1.0
    s = _div(f, f + 2.0, f)
    z = s * s
    r = z * _horner(z, _LOG_POLY)
    hfsq = (f * 0.5) * f
    kf = k.to(torch.float32)
    # log(1+f) = f - hfsq + s*(hfsq + R) (fdlibm), summed small terms first.
    y = kf * _LN2_HI - ((hfsq - (s * (hfsq + r) + kf * _LN2_LO)) - f)
    y = torch.where(x == 0, float("-inf"), y)
    y = torch.where(x < 0, float("nan"), y)
    y = torch.where(x == float("inf"), float("inf"), y)
    return torch.where(torch.isnan(x), x, y)


# --- tanh / sigmoid / gelu ------------------------------------------------------------------

# Below this |x| the odd Taylor series is used; above it tanh >= 0.5, so 1 - 2/(e^2|x| + 1) has
# no harmful cancellation.
_TANH_SPLIT = 0.55
# Taylor coefficients of (tanh(x) - x) / x^3 in z = x^2 through x^21, highest first: the next
# term is < 2^-27 of tanh at |x| = 0.55.
_TANH_POLY = tuple(
    _f32(c)
    for c in (
        18888466084 / 194896477400625,
        -443861162 / 1856156927625,
        6404582 / 10854718875,
        -929569 / 638512875,
        21844 / 6081075,
        -1382 / 155925,
        62 / 2835,
        -17 / 315,
        2 / 15,
        -1 / 3,
    )
)


def tanh(x: Tensor) -> Tensor:
    """tanh; measured max error 1.47 ulp. tanh(±inf) = ±1, tanh(-0) = -0, |x| > 9.01 gives ±1."""
    _check(x)
    ops = _native_ops(x)
    if ops is not None:
        return ops.tanh(x)
    if (gpu_ops := _triton_ops(x)) is not None:
        return gpu_ops.tanh(x)
    z = x * x
    small = x + x * (z * _horner(z, _TANH_POLY))
    # The correction term is +0 at x = ±0 (its polynomial is negative there), so -0 + 0 would
    # lose the sign: zeros pass through unchanged.
    small = torch.where(x == 0, x, small)
    a = torch.abs(x)
    e = exp(a + a)
    large = 1.0 - _div(2.0, e + 1.0, e)
    large = torch.where(x < 0, -large, large)
    return torch.where(a < _TANH_SPLIT, small, large)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x); measured max error 2.25 ulp, denormal tail for x < -87 included.

    Uses e = exp(-|x|) <= 1 and 1/(1+e) or e/(1+e) so large |x| neither overflows nor cancels.
    """
    _check(x)
    ops = _native_ops(x)
    if ops is not None:
        return ops.sigmoid(x)
    if (gpu_ops := _triton_ops(x)) is not None:
        return gpu_ops.sigmoid(x)
    e = exp(-torch.abs(x))
    d = e + 1.0
    return torch.where(x >= 0, _div(1.0, d, d), _div(e, d, d))


_GELU_K = _f32(0.7978845608028654)  # sqrt(2/pi)
_GELU_C = _f32(0.044715)
_GELU_3C = _f32(3 * 0.044715)


def _gelu_tanh(x: Tensor) -> Tensor:
    inner = x + _GELU_C * ((x * x) * x)
    return tanh(inner * _GELU_K)


def gelu(x: Tensor) -> Tensor:
    """GELU, tanh form (PyTorch's approximate='tanh'): 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).

    Order: u = (x + c·((x·x)·x))·k, y = (0.5·x)·(1 + tanh(u)). gelu(-inf) = 0 (the limit; PyTorch
    gives nan). Accuracy is that of the formula in float32: it cancels for x < -5.
    """
    _check(x)
    ops = _native_ops(x)
    if ops is not None:
        return ops.gelu(x)
    if (gpu_ops := _triton_ops(x)) is not None:
        return gpu_ops.gelu(x)
    y = (x * 0.5) * (_gelu_tanh(x) + 1.0)
    return torch.where(x == float("-inf"), 0.0, y)


def gelu_backward(grad: Tensor, x: Tensor) -> Tensor:
    """grad · d/dx of `gelu`'s tanh form, in PyTorch's gelu_backward order.

    d = 0.5·(1+t) + ((0.5·x)·(1 - t·t))·(k·(1 + 3c·x²)); the second term is 0 where 1 - t² is 0,
    so huge or infinite |x| gives d = 1 (x > 0) or 0 (x < 0) instead of 0·inf = nan.
    """
    _check(grad, x)
    ops = _native_ops(grad, x)
    if ops is not None and grad.shape == x.shape:
        return ops.gelu_backward(grad, x)
    t = _gelu_tanh(x)
    left = (t + 1.0) * 0.5
    sech2 = 1.0 - t * t
    du = ((x * x) * _GELU_3C + 1.0) * _GELU_K
    right = ((x * 0.5) * sech2) * du
    right = torch.where(sech2 == 0, 0.0, right)
    return grad * (left + right)


# --- powers ---------------------------------------------------------------------------------

_MAX_INT_POWER = 16


def sqrt(x: Tensor) -> Tensor:
    """The correctly rounded square root (IEEE sqrt), on every backend, whatever torch's float32
    sqrt does.

    torch's float32 sqrt is not correctly rounded everywhere (the x86 CPU build goes through a
    vector math library that misrounds a sizeable share of inputs), so it is not used. The guess r
    is the float64 square root rounded to float32: float64 sqrt is correctly rounded on every
    backend, and rounding it again to 24 bits cannot misround (53 >= 2 * 24 + 2, so double
    rounding is innocuous for sqrt). Then r is checked, whatever its error was, against the
    midpoints between it and its float32 neighbours: a midpoint and its square are exact in
    float64 (25- and 50-bit significands), and sqrt(x) is never exactly a midpoint, so comparing x
    with the squared midpoints confirms r or moves it one ulp to the correctly rounded value.
    Zeros (keeping their sign), inf, nan and x < 0 (nan) come out as IEEE sqrt gives them.
    """
    _check(x)
    xd = x.double()
    r = torch.sqrt(xd).float()
    fix = (x > 0) & (x < float("inf"))
    up = torch.nextafter(r, torch.full_like(r, float("inf")))
    down = torch.nextafter(r, torch.zeros_like(r))
    rd = r.double()
    hi = (rd + up.double()) * 0.5  # exact: both are float32
    lo = (rd + down.double()) * 0.5
    r = torch.where(fix & (hi * hi < xd), up, r)
    return torch.where(fix & (lo * lo > xd), down, r)


def rsqrt(x: Tensor) -> Tensor:
    """1 / sqrt(x): two correctly rounded ops (so up to 1 ulp, but the same everywhere)."""
    _check(x)
    r = sqrt(x)
    return _div(1.0, r, r)


def pow_scalar(x: Tensor, p: float) -> Tensor:
    """x**p for p in {-1, 0.5, -0.5} or an integer |p| <= 16.

    Integers multiply left to right, ((x·x)·x)···; negative integers take 1 / x**|p|; p = 0 gives
    1 everywhere (as torch.pow does, nan included).
    """
    _check(x)
    if p == 0.5:
        return sqrt(x)
    if p == -0.5:
        return rsqrt(x)
    if float(p).is_integer() and abs(p) <= _MAX_INT_POWER:
        n = abs(int(p))
        if n == 0:
            return torch.ones_like(x)
        out = x.clone()
        for _ in range(n - 1):
            out = out * x
        return _div(1.0, out, out) if p < 0 else out
    raise ValueError(
        f"pow_scalar supports p in {{-1, 0.5, -0.5}} and integers |p| <= {_MAX_INT_POWER}, "
        f"got p={p!r}"
    )


# --- softmax family -------------------------------------------------------------------------


def softmax(x: Tensor, dim: int) -> Tensor:
    """e / tree_sum(e) with e = exp(x - max(x)); max is exact so the order is fixed."""
    _check(x)
    e = exp(x - torch.amax(x, dim=dim, keepdim=True))
    return _div(e, tree_sum(e, dim, keepdim=True).expand_as(e), e)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """z - log(tree_sum(exp(z))) with z = x - max(x)."""
    _check(x)
    z = x - torch.amax(x, dim=dim, keepdim=True)
    return z - log(tree_sum(exp(z), dim, keepdim=True))


def softmax_backward(grad_out: Tensor, out: Tensor, dim: int) -> Tensor:
    """out · (grad_out - tree_sum(grad_out · out)), PyTorch's order."""
    _check(grad_out, out)
    s = tree_sum(grad_out * out, dim, keepdim=True)
    return out * (grad_out - s)


def log_softmax_backward(grad_out: Tensor, out: Tensor, dim: int) -> Tensor:
    """grad_out - exp(out) · tree_sum(grad_out), PyTorch's order."""
    _check(grad_out, out)
    s = tree_sum(grad_out, dim, keepdim=True)
    return grad_out - exp(out) * s
