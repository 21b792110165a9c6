"""docs/determinism-spec.md, re-implemented from its pseudo-code, against the runtime.

The helpers below follow the spec's text with plain Python and numpy float32 arithmetic; they
import nothing from assay.repro. The runtime is imported only to produce the values each test
compares with, bit for bit.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from eth_hash.auto import keccak

from assay.protocol.spec import load_spec
from assay.repro import fp, rng, zoo
from assay.repro.data import load_dataset
from assay.repro.state import TrainState, state_hash
from assay.repro.trainer import Trainer

F32 = np.float32
U64 = np.uint64
MASK32 = 0xFFFFFFFF
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digits-mlp.toml"


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


def tree_sum(x: np.ndarray) -> np.ndarray:
    """§6.1 along axis 0 (float32 adds, odd last element carried)."""
    if x.shape[0] == 0:
        return np.zeros(x.shape[1:], dtype=F32)
    while x.shape[0] > 1:
        n = x.shape[0]
        paired = x[0 : n - 1 : 2] + x[1:n:2]
        x = np.concatenate([paired, x[n - 1 : n]]) if n % 2 else paired
    return x[0]


def normal(n: int, seed: int, purpose: str, step: int = 0) -> np.ndarray:
    """§2.5: tree_sum of 12 uniforms (words 12i..12i+11), minus 6."""
    u = unit(words(12 * n, seed, purpose, step)).reshape(n, 12)
    return tree_sum(u.T) - F32(6.0)


def permutation(n: int, seed: int, purpose: str, step: int = 0) -> np.ndarray:
    """§2.6: indices sorted by 63-bit keys, ties by index."""
    w = words(2 * n, seed, purpose, step).reshape(n, 2)
    keys = ((w[:, 0] >> U64(1)) << U64(32)) | w[:, 1]
    return np.array(sorted(range(n), key=lambda i: (int(keys[i]), i)), dtype=np.int64)


DRAWS = [(0, "init/net.0.weight", 0, (128, 64)), (7, "test", 2, (3,)),
         (2**64 - 1, "dropout/3", 2**40 + 5, (5, 7)), (-3, "ünïcode/π", 9, (1,))]  # fmt: skip


@pytest.mark.parametrize(("seed", "purpose", "step", "shape"), DRAWS)
def test_uniform_and_normal_draws_match_spec_section_2(
    seed: int, purpose: str, step: int, shape: tuple[int, ...]
) -> None:
    """§2.1–2.5: key, Philox, word stream, uniform and Irwin–Hall normal, bit for bit."""
    n = math.prod(shape)
    got_u = rng.uniform(shape, seed=seed, purpose=purpose, step=step).reshape(-1).numpy()
    got_n = rng.normal(shape, seed=seed, purpose=purpose, step=step).reshape(-1).numpy()
    assert (bits(got_u) == bits(uniform(n, seed, purpose, step))).all()
    assert (bits(got_n) == bits(normal(n, seed, purpose, step))).all()


def test_spec_examples_of_section_2_hold() -> None:
    """§2.1–2.5: the worked examples printed in the spec."""
    assert key(0, "init/net.0.weight") == (0xDB811420, 0x77B94DEC)
    zero = tuple(np.zeros(1, dtype=U64) for _ in range(4))
    assert [int(o[0]) for o in philox(zero, (0, 0))] == [
        0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]  # fmt: skip
    assert [int(w) for w in words(5, 0, "init/net.0.weight", 0)] == [
        0xE6298BBF, 0xA7CCFB2C, 0xCFEBBE07, 0x40C1B967, 0x54D55C75]  # fmt: skip
    assert [int(b) for b in bits(normal(3, 7, "test", 2))] == [0xBDA37B80, 0xBF7362A8, 0xBE754400]


def test_bernoulli_mask_and_permutation_match_spec_section_2_6() -> None:
    """§2.6: u < RN32(p_keep); permutation = stable sort of 63-bit keys."""
    u = uniform(6 * 9, 11, "dropout/0", 4)
    want = u < F32(1.0 - 0.3)
    got = rng.bernoulli_mask((6, 9), 1.0 - 0.3, seed=11, purpose="dropout/0", step=4)
    assert (got.reshape(-1).numpy() == want).all()
    for n in (0, 1, 10, 1438):
        got_p = rng.permutation(n, seed=5, purpose="data/order", step=3).numpy()
        assert (got_p == permutation(n, 5, "data/order", 3)).all()


# --- §6.1 tree sum, §6.2 matmul, §6.4 exp and log -------------------------------------------


def test_tree_sum_of_lengths_1_to_33_matches_spec_section_6_1() -> None:
    """§6.1: the pairwise tree with the odd element carried, for every length 1..33."""
    gen = np.random.default_rng(1)
    for n in range(0, 34):
        x = (gen.standard_normal(n) * 10.0 ** gen.integers(-8, 8, n)).astype(F32)
        got = fp.tree_sum(torch.from_numpy(x), 0).numpy()
        assert bits(got) == bits(tree_sum(x)), n


def test_tree_sum_worked_examples_of_section_6_1() -> None:
    """§6.1: n = 5 and n = 7 written out."""
    x = np.array([1e8, 1.0, -1e8, 3.0, 0.5, 7.0, 2.0**-20], dtype=F32)
    five = ((x[0] + x[1]) + (x[2] + x[3])) + x[4]
    seven = ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + x[6])
    assert bits(fp.tree_sum(torch.from_numpy(x[:5]), 0).numpy()) == bits(five)
    assert bits(fp.tree_sum(torch.from_numpy(x), 0).numpy()) == bits(seven)


def test_matmul_rounds_each_product_then_tree_sums_spec_section_6_2() -> None:
    """§6.2: C[m,n] = tree_sum over k of RN32(A[m,k] × B[k,n])."""
    gen = np.random.default_rng(2)
    for m, k, n in ((3, 1, 2), (4, 7, 5), (2, 33, 3)):
        a = gen.standard_normal((m, k)).astype(F32)
        b = gen.standard_normal((k, n)).astype(F32)
        want = tree_sum(np.transpose(a[:, :, None] * b[None, :, :], (1, 0, 2)))
        got = fp.matmul(torch.from_numpy(a), torch.from_numpy(b)).numpy()
        assert (bits(got) == bits(want)).all()


def horner(x: np.ndarray, coeffs: list[int]) -> np.ndarray:
    acc = np.full_like(x, f32_of_bits(coeffs[0]))
    for c in coeffs[1:]:
        acc = acc * x
        acc = acc + f32_of_bits(c)
    return acc


def pow2(n: np.ndarray) -> np.ndarray:
    return ((n + 127).astype(np.uint32) << np.uint32(23)).view(F32)


def spec_exp(x: np.ndarray) -> np.ndarray:
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


def spec_log(x: np.ndarray) -> np.ndarray:
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


def test_exp_and_log_match_spec_section_6_4() -> None:
    """§6.4: exp and log over a few thousand float32 bit patterns, specials and denormals."""
    gen = np.random.default_rng(3)
    patterns = gen.integers(0, 2**32, 4000, dtype=np.uint64).astype(np.uint32)
    x = np.concatenate([patterns.view(F32), gen.uniform(-110, 95, 2000).astype(F32),
                        np.array([0.0, -0.0, np.inf, -np.inf, 1.0, 1e-45, 88.72, -103.9],
                                 dtype=F32)])  # fmt: skip
    x = x[~np.isnan(x)]
    with np.errstate(all="ignore"):
        want_exp, want_log = spec_exp(x), spec_log(x)
    assert (bits(fp.exp(torch.from_numpy(x)).numpy()) == bits(want_exp)).all()
    got_log = fp.log(torch.from_numpy(x)).numpy()
    same = (bits(got_log) == bits(want_log)) | (np.isnan(got_log) & np.isnan(want_log))
    assert same.all()


# --- §4 initialisation ----------------------------------------------------------------------


def test_linear_and_embedding_init_match_spec_section_4_2() -> None:
    """§4.2: Linear weight and bias share the weight's fan-in bound; Embedding is normal × 0.02."""
    model = torch.nn.ModuleDict({"fc": torch.nn.Linear(128, 10), "emb": torch.nn.Embedding(6, 4)})
    zoo.init_parameters(model, seed=9)
    bound = 1.0 / math.sqrt(128)
    for name in ("fc.weight", "fc.bias"):
        p = dict(model.named_parameters())[name]
        want = uniform_range(p.numel(), -bound, bound, 9, f"init/{name}")
        assert (bits(p.detach().reshape(-1).numpy()) == bits(want)).all()
    emb = model["emb"].weight.detach().reshape(-1).numpy()
    assert (bits(emb) == bits(normal(24, 9, "init/emb.weight") * F32(0.02))).all()


# --- §5 state hash --------------------------------------------------------------------------


def tensor_digest(name: str, shape: tuple[int, ...], values: np.ndarray) -> bytes:
    """§5.2."""
    raw, dtype = name.encode(), b"torch.float32"
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
    leaves = [tensor_digest(n, tensors[n].shape, tensors[n])
              for n in sorted(tensors, key=str.encode)]  # fmt: skip
    leaves += [scalar_digest("step", step), scalar_digest("seed", seed),
               scalar_digest("cursor", cursor)]  # fmt: skip
    return merkle_root(leaves)


def test_state_hash_of_a_small_state_matches_spec_section_5() -> None:
    """§5.1–5.3: digests in UTF-8 name order, scalars last, padded keccak Merkle tree."""
    gen = np.random.default_rng(4)
    params = {"b.w": gen.standard_normal((3, 2)).astype(F32), "a": gen.standard_normal(5)
              .astype(F32), "Z_é": np.array([-0.0], dtype=F32)}  # fmt: skip
    moments = {f"exp_avg/{k}": v * F32(0.5) for k, v in params.items()}
    state = TrainState(7, 2**64 - 1, 448, {k: torch.from_numpy(v) for k, v in params.items()},
                       {k: torch.from_numpy(v) for k, v in moments.items()})  # fmt: skip
    tensors = {f"param/{k}": v for k, v in params.items()}
    tensors.update({f"optim/{k}": v for k, v in moments.items()})
    assert bytes(state_hash(state)) == spec_state_hash(tensors, 7, 2**64 - 1, 448)


def spec_mlp_h0(seed: int, widths: list[int]) -> bytes:
    """§4.1, §4.2, §5: h_0 of an MLP with AdamW, from the spec alone (no data needed)."""
    tensors: dict[str, np.ndarray] = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        bound = 1.0 / math.sqrt(n_in)
        for part, shape in (("weight", (n_out, n_in)), ("bias", (n_out,))):
            name = f"net.{3 * i}.{part}"
            value = uniform_range(math.prod(shape), -bound, bound, seed, f"init/{name}")
            tensors[f"param/{name}"] = value.reshape(shape)
            for slot in ("exp_avg", "exp_avg_sq"):
                tensors[f"optim/{slot}/{name}"] = np.zeros(shape, dtype=F32)
    return spec_state_hash(tensors, 0, seed, 0)


def test_digits_example_h0_matches_spec_and_its_printed_value() -> None:
    """§5.3 reference value: h_0 of examples/digits-mlp.toml, recomputed from §2, §4, §5."""
    h0 = spec_mlp_h0(0, [64, 128, 10])
    assert "0x" + h0.hex() == "0x2f8d7925483b4f7693f07cb4fac48801e00573004466a35d624e0f875cf6b5ea"


# --- §3 data --------------------------------------------------------------------------------


class MT19937:
    """numpy's legacy RandomState core: init_genrand seeding, standard tempering (§3.1)."""

    def __init__(self, seed: int) -> None:
        self.mt = [seed & MASK32]
        for i in range(1, 624):
            prev = self.mt[-1]
            self.mt.append((1812433253 * (prev ^ (prev >> 30)) + i) & MASK32)
        self.index = 624

    def next32(self) -> int:
        if self.index >= 624:
            mt = self.mt
            for i in range(624):
                y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7FFFFFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.index = 0
        y = self.mt[self.index]
        self.index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        return y ^ (y >> 18)

    def permutation(self, n: int) -> list[int]:
        x = list(range(n))
        for i in range(n - 1, 0, -1):
            mask = (1 << i.bit_length()) - 1
            while (j := self.next32() & mask) > i:
                pass
            x[i], x[j] = x[j], x[i]
        return x


def derive_seed(seed: int, purpose: str) -> int:
    return int.from_bytes(keccak(f"assay.data.{purpose}".encode() + seed.to_bytes(8, "big"))[:4],
                          "big")  # fmt: skip


@functools.cache
def spec_digits(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """§3.1–3.3: the normalised float32 training rows of sklearn:digits and their labels."""
    from sklearn.datasets import load_digits  # deferred: scikit-learn is slow to import

    bunch = load_digits()
    x = np.asarray(bunch.data, dtype=np.float64)
    n_test = max(1, int(len(x) * 0.2))
    train = MT19937(derive_seed(seed, "split")).permutation(len(x))[n_test:]
    rows = x[train]
    cols = []
    for j in range(x.shape[1]):
        mean = math.fsum(rows[:, j]) / len(rows)
        var = math.fsum((v - mean) * (v - mean) for v in rows[:, j]) / len(rows)
        std = 1.0 if var == 0.0 else math.sqrt(var)
        cols.append([(v - mean) / std for v in rows[:, j]])
    labels = np.asarray(bunch.target, dtype=np.int64)[train]
    return np.array(cols, dtype=np.float64).T.astype(F32), labels


def test_digits_split_normalisation_and_batches_match_spec_section_3() -> None:
    """§3.1–3.4: legacy MT19937 split, fsum statistics, one rounding, batch rows per epoch."""
    spec = load_spec(EXAMPLE)
    seed = int(spec.training.seed)
    want, labels = spec_digits(seed)
    data = load_dataset(spec.data, seed)
    assert (bits(data.x_train.numpy()) == bits(want)).all()
    assert (data.y_train.numpy() == labels).all()

    trainer = Trainer(spec, data)
    n_train, batch = len(labels), int(spec.training.batch_size)
    per_epoch = n_train // batch
    for step in (1, per_epoch, per_epoch + 1, 3 * per_epoch + 2):
        epoch, i = divmod(step - 1, per_epoch)
        picked = permutation(n_train, seed, "data/order", epoch)[i * batch : (i + 1) * batch]
        got_x, _ = trainer.batch(step)
        assert (bits(got_x.numpy()) == bits(want[picked])).all()
    assert bytes(trainer.state_hash()) == spec_mlp_h0(seed, [64, 128, 10])


# --- §6 and §7: one whole training step -----------------------------------------------------


def mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """§6.2: (M, K) @ (K, N), each product rounded, tree-summed over k."""
    return tree_sum(np.transpose(a[:, :, None] * b[None, :, :], (1, 0, 2)))


def row_sum(x: np.ndarray) -> np.ndarray:
    """§6.1 along axis 1, kept as a column."""
    return tree_sum(x.T)[:, None]


def adamw_step1(p: np.ndarray, g: np.ndarray, lr: float) -> tuple[np.ndarray, ...]:
    """§7.2 AdamW at step 1 from zero moments (beta 0.9, 0.999, eps 1e-8, decay 0.01)."""
    b1, b2 = F32(0.9), F32(0.999)
    decay = F32(1.0) - F32(F32(lr) * F32(0.01))
    bc1 = F32(1.0) - b1  # pow_f32(beta1, 1) = f32(beta1)
    bc2_sqrt = np.sqrt(F32(F32(1.0) - b2))
    step_size = F32(F32(lr) / bc1)
    zero = np.zeros_like(p)
    p = p * decay
    m = zero * b1 + g * F32(F32(1.0) - b1)
    v = zero * b2 + (g * g) * F32(F32(1.0) - b2)
    denom = np.sqrt(v) / bc2_sqrt + F32(1e-8)
    return p - (m / denom) * step_size, m, v


def test_digits_example_h1_follows_the_mlp_step_of_spec_section_7() -> None:
    """§3.4, §6.1–6.7, §7.1–7.3: forward, cross-entropy, backward and AdamW of step 1, then h_1."""
    seed, batch, lr = 0, 64, 0.001
    x_all, y_all = spec_digits(seed)
    rows = permutation(len(y_all), seed, "data/order", 0)[:batch]
    x, y = x_all[rows], y_all[rows]
    params: dict[str, np.ndarray] = {}
    for name, n_in, shape in (("net.0", 64, (128, 64)), ("net.3", 128, (10, 128))):
        bound = 1.0 / math.sqrt(n_in)
        for part, s in (("weight", shape), ("bias", shape[:1])):
            full = f"{name}.{part}"
            params[full] = uniform_range(math.prod(s), -bound, bound, seed, f"init/{full}")
            params[full] = params[full].reshape(s)
    w1, b1, w3, b3 = (params[n] for n in ("net.0.weight", "net.0.bias", "net.3.weight",
                                          "net.3.bias"))  # fmt: skip
    with np.errstate(all="ignore"):
        h = mm(x, w1.T) + b1
        h = np.where(h > 0, h, F32(0.0))
        logits = mm(h, w3.T) + b3
        z = logits - logits.max(axis=1, keepdims=True)
        lp = z - spec_log(row_sum(spec_exp(z)))
        d_lp = np.zeros_like(lp)
        d_lp[np.arange(batch), y] = -(F32(1.0) * (F32(1.0) / F32(batch)))
        d_lo = d_lp - spec_exp(lp) * row_sum(d_lp)
        d_h = mm(d_lo, w3)
        d_z = np.where(h <= 0, F32(0.0), d_h)
        grads = {"net.3.weight": mm(d_lo.T, h), "net.3.bias": tree_sum(d_lo),
                 "net.0.weight": mm(d_z.T, x), "net.0.bias": tree_sum(d_z)}  # fmt: skip
    tensors: dict[str, np.ndarray] = {}
    for name, p in params.items():
        new_p, m, v = adamw_step1(p, grads[name], lr)
        tensors[f"param/{name}"] = new_p
        tensors[f"optim/exp_avg/{name}"] = m
        tensors[f"optim/exp_avg_sq/{name}"] = v
    h1 = spec_state_hash(tensors, 1, seed, batch)
    assert "0x" + h1.hex() == "0xef2d07e8bf23b25363a40e94ca012d735b94e24c621beac5bc6a09624ddf3df2"
