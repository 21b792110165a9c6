"""Independent scalar oracle of assay.repro.fp: one numpy.float32 scalar op at a time.

Written from the algorithm descriptions, not from fp.py's code: exponents come from ldexp/frexp in
float64 rather than bit fields, constants are derived here, and every op is an np.float32 scalar
op, which rounds to float32. Matching fp.py bit for bit shows that the torch kernels issue exactly
the documented sequence of correctly rounded operations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

F = np.float32
ZERO, HALF, ONE, TWO = F(0.0), F(0.5), F(1.0), F(2.0)
INF = F(np.inf)

LOG2E = F(1.0 / math.log(2.0))
LN2_HI = F(0.693145751953125)  # ln2 cut to 16 significant bits
LN2_LO = F(math.log(2.0) - 0.693145751953125)
MAGIC = F(1.5 * 2**23)
EXP_TAYLOR = [F(1.0 / math.factorial(k)) for k in range(8)]  # lowest degree first
SQRT2 = F(math.sqrt(2.0))
LOG_LG = [F(0.66666662693), F(0.40000972152), F(0.28498786688), F(0.24279078841)]
TANH_TAYLOR = [
    F(-1 / 3),
    F(2 / 15),
    F(-17 / 315),
    F(62 / 2835),
    F(-1382 / 155925),
    F(21844 / 6081075),
    F(-929569 / 638512875),
    F(6404582 / 10854718875),
    F(-443861162 / 1856156927625),
    F(18888466084 / 194896477400625),
]
GELU_K = F(math.sqrt(2.0 / math.pi))
GELU_C = F(0.044715)
GELU_3C = F(3 * 0.044715)


def _poly_low_first(x: np.float32, coeffs: Sequence[np.float32]) -> np.float32:
    acc = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        acc = F(acc * x)
        acc = F(acc + c)
    return acc


def exp(x: np.float32) -> np.float32:
    if np.isnan(x):
        return x
    xc = F(min(max(x, F(-104.0)), F(89.0)))
    t = F(xc * LOG2E)
    nf = F(F(t + MAGIC) - MAGIC)
    r = F(F(xc - F(nf * LN2_HI)) - F(nf * LN2_LO))
    p = _poly_low_first(r, EXP_TAYLOR)
    n = int(nf)
    n1 = n // 2
    return F(F(p * F(math.ldexp(1.0, n1))) * F(math.ldexp(1.0, n - n1)))


def log(x: np.float32) -> np.float32:
    if np.isnan(x) or x < 0:
        return F(np.nan)
    if x == 0:
        return -INF
    if x == INF:
        return INF
    mant, e = math.frexp(float(x))  # exact in float64, denormals included
    m, k = F(mant * 2.0), e - 1
    if m > SQRT2:
        m, k = F(m * HALF), k + 1
    f = F(m - ONE)
    s = F(f / F(f + TWO))
    z = F(s * s)
    big_r = F(z * _poly_low_first(z, LOG_LG))
    hfsq = F(F(f * HALF) * f)
    kf = F(k)
    inner = F(F(hfsq - F(F(s * F(hfsq + big_r)) + F(kf * LN2_LO))) - f)
    return F(F(kf * LN2_HI) - inner)


def tanh(x: np.float32) -> np.float32:
    if x == 0:
        return x  # tanh(±0) = ±0
    if abs(x) < F(0.55):
        z = F(x * x)
        return F(x + F(x * F(z * _poly_low_first(z, TANH_TAYLOR))))
    a = F(abs(x))
    e = exp(F(a + a))
    big = F(ONE - F(TWO / F(e + ONE)))
    return F(-big) if x < 0 else big


def sigmoid(x: np.float32) -> np.float32:
    e = exp(F(-abs(x)))
    d = F(e + ONE)
    return F(ONE / d) if x >= 0 else F(e / d)


def _gelu_t(x: np.float32) -> np.float32:
    inner = F(x + F(GELU_C * F(F(x * x) * x)))
    return tanh(F(inner * GELU_K))


def gelu(x: np.float32) -> np.float32:
    if x == -INF:
        return ZERO
    return F(F(x * HALF) * F(_gelu_t(x) + ONE))


def gelu_backward(g: np.float32, x: np.float32) -> np.float32:
    t = _gelu_t(x)
    left = F(F(t + ONE) * HALF)
    sech2 = F(ONE - F(t * t))
    du = F(F(F(F(x * x) * GELU_3C) + ONE) * GELU_K)
    right = ZERO if sech2 == 0 else F(F(F(x * HALF) * sech2) * du)
    return F(g * F(left + right))


def tree_sum(values: Sequence[np.float32]) -> np.float32:
    level = [F(v) for v in values]
    if not level:
        return ZERO
    while len(level) > 1:
        nxt = [F(level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=np.float32)
    for i in range(m):
        for j in range(n):
            out[i, j] = tree_sum([F(a[i, t] * b[t, j]) for t in range(k)])
    return out


def mean(row: Sequence[np.float32]) -> np.float32:
    return F(tree_sum(row) / F(len(row)))


def var(row: Sequence[np.float32], correction: int = 0) -> np.float32:
    mu = mean(row)
    sq = [F(F(v - mu) * F(v - mu)) for v in row]
    return F(tree_sum(sq) / F(max(0, len(row) - correction)))


def softmax(row: Sequence[np.float32]) -> list[np.float32]:
    top = max(row)
    e = [exp(F(v - top)) for v in row]
    s = tree_sum(e)
    return [F(v / s) for v in e]


def log_softmax(row: Sequence[np.float32]) -> list[np.float32]:
    top = max(row)
    z = [F(v - top) for v in row]
    ls = log(tree_sum([exp(v) for v in z]))
    return [F(v - ls) for v in z]


# --- operator-level oracle (assay.repro.kernels / kernels_nn) --------------------------------
#
# Written from the kernels' documented algorithms (docs/runtime.md and the kernel docstrings), one
# np.float32 scalar op at a time over numpy arrays; no assay code and no vectorised numpy
# arithmetic (which may reorder, block or fuse). Shapes follow numpy broadcasting.

NEG_ZERO = F(-0.0)


def each(fn: Callable[..., np.float32], *arrays: object) -> np.ndarray:
    """`fn` applied to every element of the broadcast float32 arrays."""
    parts = np.broadcast_arrays(*[np.asarray(a, dtype=np.float32) for a in arrays])
    out = np.empty(parts[0].shape, dtype=np.float32)
    for idx in np.ndindex(out.shape):
        out[idx] = fn(*(F(p[idx]) for p in parts))
    return out


def add(a: np.float32, b: np.float32, alpha: float = 1) -> np.float32:
    """a + alpha*b as two rounded ops (a product, then a sum); one op when alpha == 1."""
    return F(a + (b if alpha == 1 else F(b * F(alpha))))


def sub(a: np.float32, b: np.float32, alpha: float = 1) -> np.float32:
    return F(a - (b if alpha == 1 else F(b * F(alpha))))


def rsub(a: np.float32, b: np.float32, alpha: float = 1) -> np.float32:
    """b - alpha*a."""
    return F(b - (a if alpha == 1 else F(a * F(alpha))))


def div_trunc(a: np.float32, b: np.float32) -> np.float32:
    return F(np.trunc(F(a / b)))


def div_floor(a: np.float32, b: np.float32) -> np.float32:
    """Python's float floor division (fmod based, every step exact or one rounding)."""
    if b == 0:
        return F(a / b)
    mod = F(np.fmod(a, b))  # exact
    quot = F(F(a - mod) / b)
    if mod != 0 and (b < 0) != (mod < 0):
        quot = F(quot - ONE)
    if quot == 0:
        return F(np.copysign(ZERO, F(a / b)))
    low = F(np.floor(quot))
    if F(quot - low) > HALF:
        low = F(low + ONE)
    return low


def relu(x: np.float32) -> np.float32:
    """x if x > 0 else +0 (a comparison: relu(-0) = +0, relu(nan) = +0)."""
    return x if x > 0 else ZERO


def threshold_backward(g: np.float32, x: np.float32, threshold: float) -> np.float32:
    return ZERO if x <= F(threshold) else g


def tanh_backward(g: np.float32, out: np.float32) -> np.float32:
    return F(g * F(ONE - F(out * out)))


def sigmoid_backward(g: np.float32, out: np.float32) -> np.float32:
    return F(g * F(F(ONE - out) * out))


def sqrt(x: np.float32) -> np.float32:
    return F(np.sqrt(x))  # IEEE sqrt: correctly rounded


def rsqrt(x: np.float32) -> np.float32:
    return F(ONE / F(np.sqrt(x)))


def pow_scalar(x: np.float32, p: float) -> np.float32:
    """sqrt / rsqrt for ±0.5; integers as ((x*x)*x)..., 1 / that for negative ones; 1 for 0."""
    if p == 0.5:
        return sqrt(x)
    if p == -0.5:
        return rsqrt(x)
    n = abs(int(p))
    if n == 0:
        return ONE
    acc = x
    for _ in range(n - 1):
        acc = F(acc * x)
    return F(ONE / acc) if p < 0 else acc


def dropout(x: np.float32, keep: np.float32, scale: np.float32) -> np.float32:
    """(x * mask) * scale, the mask as 1.0 / 0.0."""
    return F(F(x * keep) * scale)


def amax(values: Sequence[np.float32]) -> np.float32:
    """The largest value; nan if any is nan; IEEE maximum on zeros (+0 beats -0)."""
    top = F(-np.inf)
    for v in values:
        if np.isnan(v):
            return v
        if v > top or (v == 0 and top == 0 and not np.signbit(v)):
            top = v
    return top


def argmax_first(values: Sequence[np.float32]) -> int:
    """Index of the first maximal element (of the first nan, if any)."""
    top = amax(values)
    for i, v in enumerate(values):
        if (np.isnan(top) and np.isnan(v)) or v == top:
            return i
    raise AssertionError("unreachable")


def _along(fn: Callable[[np.ndarray], object], x: np.ndarray, axis: int) -> np.ndarray:
    """`fn` of every 1-D lane of `x` along `axis`; the axis is removed (fn returns a scalar)."""
    moved = np.moveaxis(np.asarray(x, dtype=np.float32), axis, -1)
    out = np.empty(moved.shape[:-1], dtype=np.float32)
    for idx in np.ndindex(out.shape):
        out[idx] = fn(moved[idx])
    return out


def _lanes(fn: Callable[[np.ndarray], list[np.float32]], x: np.ndarray, axis: int) -> np.ndarray:
    """`fn` mapping each 1-D lane along `axis` to a lane of the same length."""
    moved = np.moveaxis(np.asarray(x, dtype=np.float32), axis, -1).copy()
    for idx in np.ndindex(moved.shape[:-1]):
        moved[idx] = np.array(fn(moved[idx]), dtype=np.float32)
    return np.moveaxis(moved, -1, axis)


def sum_axis(x: np.ndarray, axis: int, keepdim: bool = False) -> np.ndarray:
    out = _along(tree_sum, x, axis)
    return np.expand_dims(out, axis) if keepdim else out


def sum_dims(x: np.ndarray, dims: Sequence[int], keepdim: bool = False) -> np.ndarray:
    """Several dims, innermost first, each its own pairwise tree (not one flat tree)."""
    norm = sorted({d % x.ndim for d in dims}, reverse=True)
    out = np.asarray(x, dtype=np.float32)
    for d in norm:
        out = sum_axis(out, d, keepdim=True)
    if not keepdim:
        out = out.reshape([s for i, s in enumerate(out.shape) if i not in norm])
    return out


def mean_dims(x: np.ndarray, dims: Sequence[int], keepdim: bool = False) -> np.ndarray:
    count = 1
    for d in {d % x.ndim for d in dims}:
        count *= x.shape[d]
    s = sum_dims(x, dims, keepdim)
    return each(lambda v: F(v / F(count)), s)


def softmax_axis(x: np.ndarray, axis: int) -> np.ndarray:
    def row(r: np.ndarray) -> list[np.float32]:
        top = amax(r)
        e = [exp(F(v - top)) for v in r]
        s = tree_sum(e)
        return [F(v / s) for v in e]

    return _lanes(row, x, axis)


def log_softmax_axis(x: np.ndarray, axis: int) -> np.ndarray:
    def row(r: np.ndarray) -> list[np.float32]:
        top = amax(r)
        z = [F(v - top) for v in r]
        ls = log(tree_sum([exp(v) for v in z]))
        return [F(v - ls) for v in z]

    return _lanes(row, x, axis)


def softmax_backward_axis(g: np.ndarray, out: np.ndarray, axis: int) -> np.ndarray:
    s = sum_axis(each(lambda a, b: F(a * b), g, out), axis, keepdim=True)
    return each(lambda o, a, t: F(o * F(a - t)), out, g, s)


def log_softmax_backward_axis(g: np.ndarray, out: np.ndarray, axis: int) -> np.ndarray:
    s = sum_axis(g, axis, keepdim=True)
    return each(lambda a, o, t: F(a - F(exp(o) * t)), g, out, s)


def bmm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.stack([matmul(a[i], b[i]) for i in range(a.shape[0])])


def addmm(
    bias: np.ndarray, a: np.ndarray, b: np.ndarray, beta: float = 1, alpha: float = 1
) -> np.ndarray:
    """(a @ b) [* alpha] + bias [* beta]: separate rounded ops."""
    prod = matmul(a, b)
    if alpha != 1:
        prod = each(lambda v: F(v * F(alpha)), prod)
    scaled = bias if beta == 1 else each(lambda v: F(v * F(beta)), bias)
    return each(lambda p, c: F(p + c), prod, scaled)


def nll_loss(
    x: np.ndarray, target: np.ndarray, weight: np.ndarray | None, reduction: int, ignore: int
) -> tuple[np.ndarray, np.float32]:
    """loss_i = -(w_i * x[i, t_i]), or -x[i, t_i] unweighted; an ignored row's loss is +0 and its
    weight 0; mean = tree(loss) / tree(w)."""
    x2 = x if x.ndim == 2 else x[None]
    losses, ws = [], []
    for i, t in enumerate(np.asarray(target).reshape(-1)):
        valid = int(t) != ignore
        col = int(t) if valid else 0
        if weight is None:
            w = ONE if valid else ZERO
            loss = F(-x2[i, col]) if valid else ZERO
        else:
            w = F(weight[col]) if valid else ZERO
            loss = F(-F(x2[i, col] * w)) if valid else ZERO
        ws.append(w)
        losses.append(loss)
    total = tree_sum(ws)
    if reduction == 1:
        return np.array(F(tree_sum(losses) / total)), total
    if reduction == 2:
        return np.array(tree_sum(losses)), total
    out = np.array(losses, dtype=np.float32)
    return (out if x.ndim == 2 else out.reshape(())), total


def nll_loss_backward(
    grad: np.ndarray,
    x: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None,
    reduction: int,
    ignore: int,
    total: np.float32,
) -> np.ndarray:
    """d x[i, t_i] = -(w_i * g_i), g = grad / total for 'mean'; ignored rows write at class 0."""
    x2 = x if x.ndim == 2 else x[None]
    out = np.zeros(x2.shape, dtype=np.float32)
    flat_g = np.asarray(grad, dtype=np.float32).reshape(-1)
    for i, t in enumerate(np.asarray(target).reshape(-1)):
        valid = int(t) != ignore
        col = int(t) if valid else 0
        w = ZERO if not valid else (ONE if weight is None else F(weight[col]))
        g = flat_g[0] if flat_g.size == 1 else flat_g[i]
        if reduction == 1:
            g = F(g / total)
        out[i, col] = F(-F(w * g))
    return out if x.ndim == 2 else out[0]


def layer_norm(
    x: np.ndarray, n_norm: int, weight: np.ndarray | None, bias: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-pass: mean, then mean of squared deviations; rstd = 1/sqrt(var + eps)."""
    dims = list(range(x.ndim - n_norm, x.ndim))
    mu = mean_dims(x, dims, keepdim=True)
    dev = each(lambda a, m: F(a - m), x, mu)
    var = mean_dims(each(lambda d: F(d * d), dev), dims, keepdim=True)
    rstd = each(lambda v: rsqrt(F(v + F(eps))), var)
    out = each(lambda a, m, r: F(F(a - m) * r), x, mu, rstd)
    if weight is not None:
        out = each(lambda o, w: F(o * w), out, weight)
    if bias is not None:
        out = each(lambda o, b: F(o + b), out, bias)
    return out, mu, rstd


def layer_norm_backward(
    grad: np.ndarray,
    x: np.ndarray,
    n_norm: int,
    mu: np.ndarray,
    rstd: np.ndarray,
    weight: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dx = ((g - mean(g)) - xhat*mean(g*xhat)) * rstd, g = grad*w; dw, db summed over batch."""
    dims = list(range(x.ndim - n_norm, x.ndim))
    batch = list(range(x.ndim - n_norm))
    xhat = each(lambda a, m, r: F(F(a - m) * r), x, mu, rstd)
    g = grad if weight is None else each(lambda a, w: F(a * w), grad, weight)
    mg = mean_dims(g, dims, keepdim=True)
    mgx = mean_dims(each(lambda a, h: F(a * h), g, xhat), dims, keepdim=True)
    dx = each(lambda a, b, h, c, r: F(F(F(a - b) - F(h * c)) * r), g, mg, xhat, mgx, rstd)
    dw = sum_dims(each(lambda a, h: F(a * h), grad, xhat), batch)
    db = sum_dims(grad, batch)
    return dx, dw, db


def embedding_backward(
    grad: np.ndarray, indices: np.ndarray, num: int, padding_idx: int
) -> np.ndarray:
    """Row v, column d = tree over every token m, in order, of onehot(m == v) * grad[m, d]."""
    flat = np.asarray(indices).reshape(-1)
    g = np.asarray(grad, dtype=np.float32).reshape(flat.size, -1)
    out = np.empty((num, g.shape[1]), dtype=np.float32)
    for v in range(num):
        hot = [ONE if (int(t) == v and v != padding_idx) else ZERO for t in flat]
        for d in range(g.shape[1]):
            out[v, d] = tree_sum([F(hot[m] * g[m, d]) for m in range(flat.size)])
    return out


def _conv_geometry(
    x: np.ndarray, w: np.ndarray, stride: Sequence[int], padding: Sequence[int], dil: Sequence[int]
) -> tuple[int, int]:
    ho = (x.shape[2] + 2 * padding[0] - dil[0] * (w.shape[2] - 1) - 1) // stride[0] + 1
    wo = (x.shape[3] + 2 * padding[1] - dil[1] * (w.shape[3] - 1) - 1) // stride[1] + 1
    return ho, wo


def _read_padded(x: np.ndarray, n: int, c: int, r: int, q: int, padding: Sequence[int]):  # type: ignore[no-untyped-def]
    r, q = r - padding[0], q - padding[1]
    if 0 <= r < x.shape[2] and 0 <= q < x.shape[3]:
        return F(x[n, c, r, q])
    return ZERO


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    stride: Sequence[int],
    padding: Sequence[int],
    dil: Sequence[int],
) -> np.ndarray:
    """out[n, o, i, j] = tree over the patch in (c, ki, kj) order of w * x_padded, then + b."""
    ho, wo = _conv_geometry(x, w, stride, padding, dil)
    cout, cin, kh, kw = w.shape
    out = np.empty((x.shape[0], cout, ho, wo), dtype=np.float32)
    for n, o, i, j in np.ndindex(out.shape):
        prods = [
            F(
                w[o, c, ki, kj]
                * _read_padded(x, n, c, i * stride[0] + ki * dil[0], j * stride[1] + kj * dil[1],
                               padding)
            )
            for c in range(cin)
            for ki in range(kh)
            for kj in range(kw)
        ]  # fmt: skip
        acc = tree_sum(prods)
        out[n, o, i, j] = acc if b is None else F(acc + b[o])
    return out


def conv2d_backward(
    grad: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    stride: Sequence[int],
    padding: Sequence[int],
    dil: Sequence[int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dW: tree over (n, i, j) of g * patch value; db: tree over j, then i, then n;
    dx: per input position, +0 plus each kernel offset's tree-over-o term in (ki, kj) order."""
    n_b = x.shape[0]
    cout, _, kh, kw = w.shape
    ho, wo = grad.shape[2], grad.shape[3]
    dw = np.empty(w.shape, dtype=np.float32)
    for o, c, ki, kj in np.ndindex(w.shape):
        dw[o, c, ki, kj] = tree_sum(
            [
                F(
                    grad[n, o, i, j]
                    * _read_padded(x, n, c, i * stride[0] + ki * dil[0],
                                   j * stride[1] + kj * dil[1], padding)
                )
                for n in range(n_b)
                for i in range(ho)
                for j in range(wo)
            ]
        )  # fmt: skip
    db = sum_dims(grad, [0, 2, 3])
    dx = np.empty(x.shape, dtype=np.float32)
    for n, c, r, q in np.ndindex(x.shape):
        rp, qp = r + padding[0], q + padding[1]
        acc = ZERO
        for ki in range(kh):
            for kj in range(kw):
                di, dj = rp - ki * dil[0], qp - kj * dil[1]
                if di % stride[0] or dj % stride[1]:
                    continue
                i, j = di // stride[0], dj // stride[1]
                if 0 <= i < ho and 0 <= j < wo:
                    term = tree_sum([F(w[o, c, ki, kj] * grad[n, o, i, j]) for o in range(cout)])
                    acc = F(acc + term)
        dx[n, c, r, q] = acc
    return dx, dw, db
