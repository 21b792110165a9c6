"""Counter-based randomness for the determinism contract (docs/runtime.md, rule 5).

Every random value is a pure function of (seed, purpose, step, index), computed with
Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; the
generator cuRAND and JAX use). There is no hidden state: torch.manual_seed and the global RNGs
are never touched, and a value depends on the shape it is drawn in only through its flat
position.

Why it is identical on every device: Philox needs only 32-bit add, xor and the 32x32 -> 64-bit
product. We hold every 32-bit word in a torch.int64 and split the product into 16-bit limbs, so
each intermediate stays below 2^49: no operation ever overflows or depends on wrap-around,
shift or sign semantics, and int64 + * & | ^ >> on non-negative values is exact on every
backend.

Key and counter layout:
  key     = first 8 bytes of sha256(b"assay.rng.v1\0" | seed as 32 bytes big-endian signed |
            utf-8 purpose) as two big-endian 32-bit words; hashlib is stable across processes,
            unlike Python's salted hash().
  counter = (block mod 2^32, block >> 32, step mod 2^32, step >> 32); block b yields words
            4b .. 4b+3 of the stream, and element i of a draw uses words k*i .. k*i+k-1, where k
            is the words one value needs (1 for uniform, 2 for 63-bit integers, 12 for normal).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import torch
from torch import Tensor

from assay.repro.fp import tree_sum

_MASK32 = 0xFFFFFFFF
_MASK16 = 0xFFFF
_PHILOX_M0, _PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
_PHILOX_W0, _PHILOX_W1 = 0x9E3779B9, 0xBB67AE85
_PHILOX_ROUNDS = 10
_MAX_BLOCKS = 1 << 48
_MAX_STEP = 1 << 64
# Irwin-Hall: the sum of 12 U(0,1) has mean 6 and variance 1.
_IRWIN_HALL_TERMS = 12

Shape = Sequence[int]
Device = str | torch.device


def _mulhilo(m: int, c: Tensor) -> tuple[Tensor, Tensor]:
    """(hi, lo) 32-bit halves of m * c for a 32-bit constant m and 32-bit words c, exactly."""
    lo_part = c & _MASK16
    hi_part = c >> 16
    p_lo = lo_part * m  # < 2^48
    p_hi = hi_part * m  # < 2^48; the product is p_hi * 2^16 + p_lo
    mid = p_lo + ((p_hi & _MASK16) << 16)  # < 2^49
    lo = mid & _MASK32
    hi = (p_hi >> 16) + (mid >> 32)
    return hi, lo


def philox4x32(
    counter: tuple[Tensor, Tensor, Tensor, Tensor], key: tuple[int, int]
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Philox4x32-10 on int64 tensors holding 32-bit words; returns four 32-bit word tensors."""
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for r in range(_PHILOX_ROUNDS):
        if r:
            k0 = (k0 + _PHILOX_W0) & _MASK32
            k1 = (k1 + _PHILOX_W1) & _MASK32
        hi0, lo0 = _mulhilo(_PHILOX_M0, c0)
        hi1, lo1 = _mulhilo(_PHILOX_M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


def stream_key(seed: int, purpose: str) -> tuple[int, int]:
    """The Philox key of (seed, purpose): two 32-bit words from sha256."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be an int, got {type(seed).__name__}")
    seed_bytes = seed.to_bytes(32, "big", signed=True)
    digest = hashlib.sha256(b"assay.rng.v1\0" + seed_bytes + purpose.encode("utf-8")).digest()
    return int.from_bytes(digest[0:4], "big"), int.from_bytes(digest[4:8], "big")


def _words(n: int, seed: int, purpose: str, step: int, device: Device) -> Tensor:
    """The first n 32-bit words of the (seed, purpose, step) stream: word j is lane j % 4 of
    Philox block j // 4, so every block's four outputs are used."""
    blocks = -(-n // 4)
    if blocks > _MAX_BLOCKS:
        raise ValueError(f"at most 2^50 random words per stream, got {n}")
    if not 0 <= step < _MAX_STEP:
        raise ValueError(f"step must be in [0, 2^64), got {step}")
    block = torch.arange(blocks, dtype=torch.int64, device=device)
    counter = (
        block & _MASK32,
        block >> 32,
        torch.full_like(block, step & _MASK32),
        torch.full_like(block, step >> 32),
    )
    lanes = philox4x32(counter, stream_key(seed, purpose))
    return torch.stack(lanes, dim=1).reshape(-1)[:n]


def _unit(word: Tensor) -> Tensor:
    """Top 24 bits of a 32-bit word times 2^-24: exact, in [0, 1)."""
    return (word >> 8).to(torch.float32) * (1.0 / (1 << 24))


def uniform(
    shape: Shape, *, seed: int, purpose: str, step: int = 0, device: Device = "cpu"
) -> Tensor:
    """float32 uniform on [0, 1) on the 2^-24 grid: element i is word i of the stream."""
    return _unit(_words(math.prod(shape), seed, purpose, step, device)).reshape(tuple(shape))


def uniform_range(
    shape: Shape,
    low: float,
    high: float,
    *,
    seed: int,
    purpose: str,
    step: int = 0,
    device: Device = "cpu",
) -> Tensor:
    """low + (high - low) * u as float32 ops (bounds rounded to float32 first)."""
    u = uniform(shape, seed=seed, purpose=purpose, step=step, device=device)
    lo = torch.full_like(u, low)
    return lo + (torch.full_like(u, high) - lo) * u


def normal(
    shape: Shape, *, seed: int, purpose: str, step: int = 0, device: Device = "cpu"
) -> Tensor:
    """Approximately N(0, 1) by Irwin-Hall: tree_sum of 12 uniforms, minus 6.

    No transcendentals are needed (so nothing device-specific); the cost is a bounded support of
    [-6, 6] and a slightly light tail, which is harmless for initialisation and noise. Element i
    sums words 12i .. 12i+11 of the stream in `tree_sum` order.
    """
    numel = math.prod(shape)
    words = _words(_IRWIN_HALL_TERMS * numel, seed, purpose, step, device)
    u = _unit(words).reshape(numel, _IRWIN_HALL_TERMS)
    return (tree_sum(u, 1) - 6.0).reshape(tuple(shape))


def bernoulli_mask(
    shape: Shape,
    p_keep: float,
    *,
    seed: int,
    purpose: str,
    step: int = 0,
    device: Device = "cpu",
) -> Tensor:
    """Bool mask, True with probability p_keep: u < float32(p_keep), compared as float32."""
    if not 0.0 <= p_keep <= 1.0:
        raise ValueError(f"p_keep must be in [0, 1], got {p_keep}")
    u = uniform(shape, seed=seed, purpose=purpose, step=step, device=device)
    # A float32 tensor threshold: comparing to the double p_keep could differ by one grid point.
    return u < torch.full_like(u, p_keep)


def _bits63(shape: Shape, seed: int, purpose: str, step: int, device: Device) -> Tensor:
    """Non-negative 63-bit integers: element i from words 2i (high, top 31 bits) and 2i+1."""
    w = _words(2 * math.prod(shape), seed, purpose, step, device).reshape(-1, 2)
    return (((w[:, 0] >> 1) << 32) | w[:, 1]).reshape(tuple(shape))


def randint(
    shape: Shape, high: int, *, seed: int, purpose: str, step: int = 0, device: Device = "cpu"
) -> Tensor:
    """int64 uniform on [0, high): a 63-bit value mod high (bias < high / 2^63)."""
    if not 0 < high <= 1 << 32:
        raise ValueError(f"high must be in [1, 2^32], got {high}")
    return _bits63(shape, seed, purpose, step, device) % high


def permutation(
    n: int, *, seed: int, purpose: str, step: int = 0, device: Device = "cpu"
) -> Tensor:
    """A uniformly random permutation of range(n) as int64: stable argsort of 63-bit keys.

    The stable sort makes the result a pure function of the keys even in the (2^-63-rare) event
    of a tie, so every device returns the same permutation.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    keys = _bits63((n,), seed, purpose, step, device)
    return torch.argsort(keys, stable=True)
