"""§3: the legacy MT19937 split, normalisation, and the synthetic:char_sequence generator."""

from __future__ import annotations

import functools
import math

import numpy as np
from eth_hash.auto import keccak

from tests.repro.spec_numpy.core import F32, MASK32


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

    def interval(self, m: int) -> int:
        """§3.1: masked rejection, a value in 0..m (no draw when m = 0)."""
        if m == 0:
            return 0
        mask = (1 << m.bit_length()) - 1
        while (v := self.next32() & mask) > m:
            pass
        return v

    def permutation(self, n: int) -> list[int]:
        x = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.interval(i)
            x[i], x[j] = x[j], x[i]
        return x

    def randint(self, high: int) -> int:
        """§3.1: randint(high) = interval(high − 1)."""
        return self.interval(high - 1)


def derive_seed(seed: int, purpose: str) -> int:
    return int.from_bytes(keccak(f"assay.data.{purpose}".encode() + seed.to_bytes(8, "big"))[:4],
                          "big")  # fmt: skip


def split(n: int, seed: int, test_fraction: float) -> list[int]:
    """§3.3: the training rows, in order."""
    n_test = max(1, math.floor(n * test_fraction))
    return MT19937(derive_seed(seed, "split")).permutation(n)[n_test:]


@functools.cache
def spec_digits(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """§3.1–3.3: the normalised float32 training rows of sklearn:digits and their labels."""
    from sklearn.datasets import load_digits  # deferred: scikit-learn is slow to import

    bunch = load_digits()
    x = np.asarray(bunch.data, dtype=np.float64)
    train = split(len(x), seed, 0.2)
    rows = x[train]
    cols = []
    for j in range(x.shape[1]):
        mean = math.fsum(rows[:, j]) / len(rows)
        var = math.fsum((v - mean) * (v - mean) for v in rows[:, j]) / len(rows)
        std = 1.0 if var == 0.0 else math.sqrt(var)
        cols.append([(v - mean) / std for v in rows[:, j]])
    labels = np.asarray(bunch.target, dtype=np.int64)[train]
    return np.array(cols, dtype=np.float64).T.astype(F32), labels


ALPHABET = "abcdefghijklmnopqrstuvwxyz .,!?\n"
DET = ("the", "a", "one", "every", "this", "that")
ADJ = ("small", "red", "quiet", "bright", "old", "quick", "green", "tiny", "brave")
NOUN = ("cat", "dog", "bird", "tree", "river", "house", "stone", "child", "star", "boat")
VERB = ("sees", "likes", "finds", "follows", "hears", "keeps", "moves", "holds", "calls")
END = (".", ".", ".", "!", "?")


def char_text(rs: MT19937, length: int) -> str:
    """§3.2 synthetic:char_sequence: sentences of the tiny grammar, cut to `length` characters."""

    def pick(words: tuple[str, ...]) -> str:
        return words[rs.randint(len(words))]

    def phrase() -> str:
        adj = f"{pick(ADJ)} " if rs.randint(2) else ""
        return f"{pick(DET)} {adj}{pick(NOUN)}"

    text = ""
    while len(text) < length:
        clause = f"{phrase()} {pick(VERB)} {phrase()}"
        if rs.randint(3) == 0:
            clause += f", and {phrase()} {pick(VERB)} {phrase()}"
        text += clause + pick(END) + ("\n" if rs.randint(4) == 0 else " ")
    return text[:length]


@functools.cache
def spec_char_sequence(
    seed: int, n: int, seq_len: int, test_fraction: float
) -> tuple[np.ndarray, ...]:
    """§3.2–3.3: the training windows (x, y) of synthetic:char_sequence, int64 (rows, seq_len)."""
    text = char_text(MT19937(derive_seed(seed, "generate")), n * seq_len + 1)
    tokens = np.array([ALPHABET.index(ch) for ch in text], dtype=np.int64)
    idx = np.arange(n)[:, None] * seq_len + np.arange(seq_len)[None, :]
    train = split(n, seed, test_fraction)
    return tokens[idx][train], tokens[idx + 1][train]
