"""§2 random numbers, §5 state hash and the §6 kernels, in numpy float32 (one IEEE op each)."""

from __future__ import annotations

import hashlib
import struct

import numpy as np
from eth_hash.auto import keccak

F32 = np.float32
U64 = np.uint64
MASK32 = 0xFFFFFFFF


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=F32).view(np.uint32)


def f32_of_bits(u: int) -> np.float32:
    return np.array([u], dtype=np.uint32).view(F32)[0]


# --- §2 random numbers ----------------------------------------------------------------------


def key(seed: int, purpose: str) -> tuple[int, int]:
    """§2.1."""
    seed_bytes = seed.to_bytes(32, "big", signed=True)
    d = hashlib.sha256(b"assay.rng.v1\x00" + seed_bytes + purpose.encode("utf-8")).digest()
    return int.from_bytes(d[0:4], "big"), int.from_bytes(d[4:8], "big")


def philox(
    c: tuple[np.ndarray, ...], k: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """§2.2, on uint64 arrays holding u32 words (a 32x32 product fits exactly)."""
    c0, c1, c2, c3 = c
    k0, k1 = k
    for r in range(10):
        if r > 0:
            k0 = (k0 + 0x9E3779B9) & MASK32
            k1 = (k1 + 0xBB67AE85) & MASK32
        p0 = U64(0xD2511F53) * c0
        p1 = U64(0xCD9E8D57) * c2
        hi0, lo0 = p0 >> U64(32), p0 & U64(MASK32)
        hi1, lo1 = p1 >> U64(32), p1 & U64(MASK32)
        c0, c1, c2, c3 = hi1 ^ c1 ^ U64(k0), lo1, hi0 ^ c3 ^ U64(k1), lo0
    return c0, c1, c2, c3


def words(n: int, seed: int, purpose: str, step: int) -> np.ndarray:
    """§2.3: w_0 .. w_{n-1} of the (seed, purpose, step) stream."""
    b = np.arange(-(-n // 4), dtype=U64)
    counter = (b & U64(MASK32), b >> U64(32),
               np.full_like(b, step & MASK32), np.full_like(b, step >> 32))  # fmt: skip
    return np.stack(philox(counter, key(seed, purpose)), axis=1).reshape(-1)[:n]


def unit(w: np.ndarray) -> np.ndarray:
    """§2.4: f32(w >> 8) × 2^-24."""
    return (w >> U64(8)).astype(F32) * F32(2.0**-24)


def uniform(n: int, seed: int, purpose: str, step: int = 0) -> np.ndarray:
    return unit(words(n, seed, purpose, step))


def uniform_range(n: int, low: float, high: float, seed: int, purpose: str) -> np.ndarray:
    """§2.4: lo + ((hi − lo) × u) with lo, hi = RN32 of the binary64 bounds."""
    lo, hi = F32(low), F32(high)
    return lo + (F32(hi - lo) * uniform(n, seed, purpose))


def normal(n: int, seed: int, purpose: str, step: int = 0) -> np.ndarray:
    """§2.5: tree_sum of 12 uniforms (words 12i..12i+11), minus 6."""
    u = unit(words(12 * n, seed, purpose, step)).reshape(n, 12)
    return tree_sum(u.T) - F32(6.0)


def permutation(n: int, seed: int, purpose: str, step: int = 0) -> np.ndarray:
    """§2.6: indices sorted by 63-bit keys, ties by index."""
    w = words(2 * n, seed, purpose, step).reshape(n, 2)
    keys = ((w[:, 0] >> U64(1)) << U64(32)) | w[:, 1]
    return np.array(sorted(range(n), key=lambda i: (int(keys[i]), i)), dtype=np.int64)


# --- §5 state hash --------------------------------------------------------------------------


def tensor_digest(name: str, values: np.ndarray) -> bytes:
    """§5.2 (dtype float32; the shape is the array's)."""
    raw, dtype, shape = name.encode(), b"torch.float32", values.shape
    head = struct.pack("<I", len(raw)) + raw + struct.pack("<I", len(dtype)) + dtype
    head += struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in shape)
    return hashlib.sha256(head + np.ascontiguousarray(values, dtype="<f4").tobytes()).digest()


def scalar_digest(name: str, v: int) -> bytes:
    raw = name.encode()
    return hashlib.sha256(b"scalar" + struct.pack("<I", len(raw)) + raw + struct.pack("<Q", v))\
        .digest()  # fmt: skip


def merkle_root(values: list[bytes]) -> bytes:
    """§5.3."""
    d = (len(values) - 1).bit_length()
    level = [keccak(b"\x00" + v) for v in values] + [b"\x00" * 32] * ((1 << d) - len(values))
    while len(level) > 1:
        level = [keccak(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return bytes(level[0])


def spec_state_hash(tensors: dict[str, np.ndarray], step: int, seed: int, cursor: int) -> bytes:
    """§5.1–5.3: tensor leaves in UTF-8 name order, then step, seed, cursor."""
    leaves = [tensor_digest(n, tensors[n]) for n in sorted(tensors, key=str.encode)]
    leaves += [scalar_digest("step", step), scalar_digest("seed", seed),
               scalar_digest("cursor", cursor)]  # fmt: skip
    return merkle_root(leaves)


# --- §6.1–6.3 sums and products -------------------------------------------------------------


def tree_sum(x: np.ndarray, axis: int = 0, keepdims: bool = False) -> np.ndarray:
    """§6.1 along one axis (float32 adds, odd last element carried)."""
    x = np.moveaxis(np.asarray(x, dtype=F32), axis, 0)
    if x.shape[0] == 0:
        out = np.zeros(x.shape[1:], dtype=F32)
    else:
        while x.shape[0] > 1:
            n = x.shape[0]
            paired = x[0 : n - 1 : 2] + x[1:n:2]
            x = np.concatenate([paired, x[n - 1 : n]]) if n % 2 else paired
        out = x[0]
    return np.expand_dims(out, axis) if keepdims else out


def tree_sum_axes(x: np.ndarray, axes: tuple[int, ...], keepdims: bool = False) -> np.ndarray:
    """§6.1: several axes, the highest-numbered first."""
    for a in sorted((a % x.ndim for a in axes), reverse=True):
        x = tree_sum(x, a, keepdims=True)
    return x if keepdims else np.squeeze(x, axis=tuple(a % x.ndim for a in axes))


def mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """§6.2: (..., M, K) @ (..., K, N), each product rounded, tree-summed over k."""
    return tree_sum(a[..., :, :, None] * b[..., None, :, :], axis=-2)


def mean(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """§6.3 (keeping the reduced axes)."""
    count = int(np.prod([x.shape[a] for a in axes]))
    return tree_sum_axes(x, axes, keepdims=True) / F32(count)


def var(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """§6.3 with correction 0 (keeping the reduced axes)."""
    count = int(np.prod([x.shape[a] for a in axes]))
    d = x - mean(x, axes)
    return tree_sum_axes(d * d, axes, keepdims=True) / F32(count)


# --- §6.4 transcendentals -------------------------------------------------------------------


def horner(x: np.ndarray, coeffs: list[int]) -> np.ndarray:
    acc = np.full_like(x, f32_of_bits(coeffs[0]))
    for c in coeffs[1:]:
        acc = acc * x
        acc = acc + f32_of_bits(c)
    return acc


def pow2(n: np.ndarray) -> np.ndarray:
    return ((n + 127).astype(np.uint32) << np.uint32(23)).view(F32)


def exp(x: np.ndarray) -> np.ndarray:
    """§6.4 exp."""
    xc = np.clip(np.where(np.isnan(x), F32(0), x), F32(-104.0), F32(89.0))
    t = xc * f32_of_bits(0x3FB8AA3B)
    nf = (t + F32(12582912.0)) - F32(12582912.0)
    r = (xc - nf * f32_of_bits(0x3F317200)) - nf * f32_of_bits(0x35BFBE8E)
    p = horner(r, [0x39500D01, 0x3AB60B61, 0x3C088889, 0x3D2AAAAB,
                   0x3E2AAAAB, 0x3F000000, 0x3F800000, 0x3F800000])  # fmt: skip
    n = nf.astype(np.int32)
    n1 = n >> 1
    return np.where(np.isnan(x), x, (p * pow2(n1)) * pow2(n - n1))


def log(x: np.ndarray) -> np.ndarray:
    """§6.4 log."""
    tiny = x < f32_of_bits(0x00800000)
    xs = np.where(tiny, x * F32(16777216.0), x)
    xs = np.where((x > 0) & (x < np.inf), xs, F32(1.0))
    b = xs.view(np.uint32).astype(np.int64)
    k = (b >> 23) - 127 - tiny.astype(np.int64) * 24
    m = ((b & 0x7FFFFF) | 0x3F800000).astype(np.uint32).view(F32)
    high = m > f32_of_bits(0x3FB504F3)
    m = np.where(high, m * F32(0.5), m)
    k = k + high
    f = m - F32(1.0)
    s = f / (f + F32(2.0))
    z = s * s
    big_r = z * horner(z, [0x3E789E26, 0x3E91E9EE, 0x3ECCCE13, 0x3F2AAAAA])
    hfsq = (f * F32(0.5)) * f
    kf = k.astype(F32)
    hi, lo = f32_of_bits(0x3F317200), f32_of_bits(0x35BFBE8E)
    y = kf * hi - ((hfsq - (s * (hfsq + big_r) + kf * lo)) - f)
    y = np.where(x == 0, F32(-np.inf), y)
    y = np.where(x < 0, F32(np.nan), y)
    y = np.where(x == np.inf, F32(np.inf), y)
    return np.where(np.isnan(x), x, y)


TANH_POLY = [0x38CB3F0C, 0xB97ABEBC, 0x3A1AAC12, 0xBABED1B2, 0x3B6B69E8,
             0xBC11371B, 0x3CB327A4, 0xBD5D0DD1, 0x3E088889, 0xBEAAAAAB]  # fmt: skip


def tanh(x: np.ndarray) -> np.ndarray:
    """§6.4 tanh."""
    z = x * x
    small = x + x * (z * horner(z, TANH_POLY))
    small = np.where(x == 0, x, small)
    a = np.abs(x)
    e = exp(a + a)
    large = F32(1.0) - (F32(2.0) / (e + F32(1.0)))
    large = np.where(x < 0, -large, large)
    return np.where(a < F32(0.55), small, large)


GELU_K, GELU_C, GELU_C3 = f32_of_bits(0x3F4C422A), f32_of_bits(0x3D372713), f32_of_bits(0x3E095D4F)


def gelu(x: np.ndarray) -> np.ndarray:
    """§6.4 GELU, tanh form."""
    g = tanh((x + GELU_C * ((x * x) * x)) * GELU_K)
    return np.where(x == -np.inf, F32(0.0), (x * F32(0.5)) * (g + F32(1.0)))


def gelu_backward(grad: np.ndarray, x: np.ndarray) -> np.ndarray:
    """§6.4 gelu_backward."""
    t = tanh((x + GELU_C * ((x * x) * x)) * GELU_K)
    left = (t + F32(1.0)) * F32(0.5)
    sech2 = F32(1.0) - t * t
    du = ((x * x) * GELU_C3 + F32(1.0)) * GELU_K
    right = ((x * F32(0.5)) * sech2) * du
    right = np.where(sech2 == 0, F32(0.0), right)
    return grad * (left + right)


def sqrt(x: np.ndarray) -> np.ndarray:
    """§1.3: correctly rounded (numpy's float32 sqrt is IEEE squareRoot)."""
    return np.sqrt(x)


# --- §6.5–6.8 -------------------------------------------------------------------------------


def softmax(x: np.ndarray) -> np.ndarray:
    """§6.5 along the last axis."""
    e = exp(x - x.max(axis=-1, keepdims=True))
    return e / tree_sum(e, -1, keepdims=True)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """§6.5 along the last axis."""
    z = x - x.max(axis=-1, keepdims=True)
    return z - log(tree_sum(exp(z), -1, keepdims=True))


def softmax_backward(g: np.ndarray, out: np.ndarray) -> np.ndarray:
    return out * (g - tree_sum(g * out, -1, keepdims=True))


def log_softmax_backward(g: np.ndarray, out: np.ndarray) -> np.ndarray:
    return g - exp(out) * tree_sum(g, -1, keepdims=True)


def cross_entropy_grad(logits: np.ndarray, y: np.ndarray) -> tuple[np.float32, np.ndarray]:
    """§6.6 (mean): the loss and d logits, through log_softmax and its backward."""
    n = len(y)
    lp = log_softmax(logits)
    loss = tree_sum(-lp[np.arange(n), y]) / tree_sum(np.ones(n, dtype=F32))
    d_lp = np.zeros_like(lp)
    d_lp[np.arange(n), y] = -(F32(1.0) * (F32(1.0) / tree_sum(np.ones(n, dtype=F32))))
    return loss, log_softmax_backward(d_lp, lp)


def relu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, F32(0.0))


def threshold_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(y <= 0, F32(0.0), g)


EPS = F32(1e-5)


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    """§6.8 over the last axis: (out, mean, rstd)."""
    mu = mean(x, (-1 % x.ndim,))
    rstd = F32(1.0) / sqrt(var(x, (-1 % x.ndim,)) + EPS)
    return ((x - mu) * rstd) * w + b, mu, rstd


def layer_norm_backward(
    grad: np.ndarray, x: np.ndarray, mu: np.ndarray, rstd: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """§6.8: (dx, dw, db); dw and db sum the batch axes, the highest-numbered first."""
    last, batch = (x.ndim - 1,), tuple(range(x.ndim - 1))
    xhat = (x - mu) * rstd
    g = grad * w
    dx = ((g - mean(g, last)) - xhat * mean(g * xhat, last)) * rstd
    return dx, tree_sum_axes(grad * xhat, batch), tree_sum_axes(grad, batch)
