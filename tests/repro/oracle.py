"""Independent scalar oracle of assay.repro.fp: one numpy.float32 scalar op at a time.

Written from the algorithm descriptions, not from fp.py's code: exponents come from ldexp/frexp in
float64 rather than bit fields, constants are derived here, and every op is an np.float32 scalar
op, which rounds to float32. Matching fp.py bit for bit shows that the torch kernels issue exactly
the documented sequence of correctly rounded operations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
