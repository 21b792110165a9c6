"""`make bench` (Python part): Merkle trace-tree throughput and the reproducible runtime.

`python -m bench.trees [--json PATH] [--repro-only] [--device cpu|cuda] [--reps N] [--threads N]`
prints readable tables; `--json` also writes every result. The runtime benchmarks live in
`bench.repro`.

A state-hash trace of T steps is committed as a LibMerkle tree; building it costs ~2T keccak calls.
The baseline is those same keccak calls on the same byte strings with no tree bookkeeping, so the
ratio says how much the tree code adds on this machine, whatever its speed today.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

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


def merkle_report(r: dict[str, float]) -> str:
    """The Merkle result as a short table."""
    return "\n".join(
        [
            f"Merkle tree of {int(r['n']):,} leaves (median of 5, same run):",
            f"  raw keccak baseline  {r['raw_keccak_s'] * 1e3:8.1f} ms",
            f"  MerkleTree build     {r['merkle_build_s'] * 1e3:8.1f} ms",
            f"  ratio                {r['ratio']:8.2f}x"
            "  (tree overhead over the hashing it must do)",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trees", description=__doc__)
    parser.add_argument("--json", type=Path, help="also write every result to this JSON file")
    parser.add_argument("--repro-only", action="store_true", help="skip the Merkle benchmark")
    parser.add_argument("--device", default="cpu", help="device of the runtime benchmarks")
    parser.add_argument("--reps", type=int, default=7, help="interleaved repetitions per side")
    parser.add_argument(
        "--threads", type=int, default=1,
        help="torch intra-op threads (0 = torch default); 1 keeps a shared CPU's noise down",
    )  # fmt: skip
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if not args.repro_only:
        results["merkle"] = bench_merkle()
        print(merkle_report(results["merkle"]), flush=True)
        print()
    from bench import repro as bench_repro  # torch is imported only when the runtime is benchmarked

    results["repro"] = bench_repro.run_all(args.device, args.reps, args.threads)
    print(bench_repro.report(results["repro"]))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
