"""`make bench` (Python part): Merkle trace-tree throughput against raw keccak in the same run.

A state-hash trace of T steps is committed as a LibMerkle tree; building it costs ~2T keccak calls.
The baseline is those same keccak calls on the same byte strings with no tree bookkeeping, so the
ratio says how much the tree code adds on this machine, whatever its speed today.
"""

from __future__ import annotations

import statistics
import sys
import time

from eth_hash.auto import keccak

from assay.protocol.merkle import MerkleTree


def _best_of(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_merkle(n: int = 1 << 16, repeat: int = 5) -> dict[str, float]:
    """Median seconds to build a tree of n leaves vs. hashing 2n-1 messages of the same sizes."""
    values = [keccak(i.to_bytes(8, "big")) for i in range(n)]
    leaf_msgs = [b"\x00" + v for v in values]
    node_msgs = [b"\x01" + v + v for v in values[: n - 1]]

    def raw() -> None:
        for m in leaf_msgs:
            keccak(m)
        for m in node_msgs:
            keccak(m)

    def tree() -> None:
        MerkleTree(values).root  # noqa: B018 - building is the work

    base = _best_of(raw, repeat)
    built = _best_of(tree, repeat)
    return {"n": n, "raw_keccak_s": base, "merkle_build_s": built, "ratio": built / base}


def main() -> int:
    r = bench_merkle()
    print(f"Merkle tree of {int(r['n']):,} leaves (median of 5, same run):")
    print(f"  raw keccak baseline  {r['raw_keccak_s'] * 1e3:8.1f} ms")
    print(f"  MerkleTree build     {r['merkle_build_s'] * 1e3:8.1f} ms")
    print(f"  ratio                {r['ratio']:8.2f}x  (tree overhead over the hashing it must do)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
