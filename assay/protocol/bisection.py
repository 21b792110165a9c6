"""k-ary bisection, exactly as DisputeGame/LibBisection play it (pure; no chain code).

The interval (lo, hi) has an agreed hash at lo and a disputed one at hi. Each round the solver
opens m = min(k-1, hi-lo-1) interior points p_i = lo + i*(hi-lo)//(m+1), i = 1..m; the challenger
answers with the index d of the first opening it disagrees with (d = m: it disagrees only with hi),
and the interval becomes (p_d, p_{d+1}) with p_0 = lo and p_{m+1} = hi.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from eth_hash.auto import keccak

MIN_ARITY = 2
MAX_ARITY = 16


def _check(lo: int, hi: int, k: int) -> None:
    if not MIN_ARITY <= k <= MAX_ARITY:
        raise ValueError(f"bisection arity k={k} is outside {MIN_ARITY}..{MAX_ARITY}")
    if not 0 <= lo < hi:
        raise ValueError(f"bisection interval ({lo}, {hi}) must satisfy 0 <= lo < hi")


def opening_count(lo: int, hi: int, k: int) -> int:
    """How many points the solver opens for interval (lo, hi)."""
    _check(lo, hi, k)
    return min(k - 1, hi - lo - 1)


def positions(lo: int, hi: int, k: int) -> list[int]:
    """The interior positions the solver must open, strictly increasing inside (lo, hi)."""
    m = opening_count(lo, hi, k)
    return [lo + i * (hi - lo) // (m + 1) for i in range(1, m + 1)]


def narrow(lo: int, hi: int, k: int, index: int) -> tuple[int, int]:
    """The interval after the challenger disputes opening `index` (len(positions) = hi)."""
    pts = [lo, *positions(lo, hi, k), hi]
    if not 0 <= index < len(pts) - 1:
        raise ValueError(f"choice index {index} is outside 0..{len(pts) - 2}")
    return pts[index], pts[index + 1]


def first_disagreement(openings: Sequence[bytes], truth: Sequence[bytes]) -> int:
    """Honest challenger's answer: index of the first opening that differs from the truth."""
    if len(openings) != len(truth):
        raise ValueError("openings and truth must have the same length")
    for i, (claimed, expected) in enumerate(zip(openings, truth, strict=True)):
        if claimed != expected:
            return i
    return len(openings)


def ceil_log(n: int, k: int) -> int:
    """Smallest r with k**r >= n (0 for n <= 1): rounds to isolate one of n intervals."""
    r, reach = 0, 1
    while reach < n:
        reach *= k
        r += 1
    return r


def isolate(lo: int, hi: int, k: int, answer: Callable[[list[int]], int]) -> tuple[int, int, int]:
    """Bisect to a unit interval with `answer(positions) -> index`; returns (lo, hi, rounds)."""
    rounds = 0
    while hi - lo > 1:
        lo, hi = narrow(lo, hi, k, answer(positions(lo, hi, k)))
        rounds += 1
    return lo, hi, rounds


# A leaf no honest trace has: the "output" of a position past the last operator of a step.
NO_SUCH_OPERATOR = bytes(keccak(b"assay: no such operator"))


def op_positions(leaves: Sequence[bytes], n_ops: int) -> list[bytes]:
    """Our op-trace leaves r_0..r_M of a step, laid over a game whose trace has N = `n_ops`.

    The chain holds every game to the job's posted N (`opsPerStep`); an honest party computed M from
    the spec, and M == N whenever the job was posted honestly (a solver checks before claiming). For
    any other N every position still has an answer, so challengers and referees can play and vote
    on whatever the contract accepted: position N is the end state h_s (ours, r_M); a position j < N
    that our step has (j < M) is our r_j; a position past our last operator is `NO_SUCH_OPERATOR`,
    which differs from every leaf a solver can commit (so a padded trace always loses there).
    """
    if n_ops < 1 or len(leaves) < 2:
        raise ValueError(f"an op trace is r_0..r_N with N >= 1: N={n_ops}, {len(leaves)} leaves")
    last = len(leaves) - 1
    return [
        leaves[last] if j == n_ops else leaves[j] if j < last else NO_SUCH_OPERATOR
        for j in range(n_ops + 1)
    ]
