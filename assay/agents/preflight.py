"""The solver's preflight: refuse jobs whose analytic estimate exceeds this machine's limits.

`fits(estimate, limits)` is the pure check (assay.protocol.estimate gives the figures);
`preflight_policy(specs, limits)` turns it into a solver claim policy (solver.decide.Policy)
that resolves the job's spec first — a spec that cannot be fetched yet is not claimed — and logs
`solver.skip job=… reason=…` once per job it refuses. `parse_size` / `parse_flops` read the
CLI's `--max-memory 2GiB` / `--max-flops 1e13`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from assay.agents.views import JobView
from assay.agents.work import SpecSource
from assay.protocol.estimate import Estimate, estimate

log = structlog.get_logger(__name__)

DEFAULT_MAX_FLOPS = 10**18
"""A generous cap: about an hour of a 300 TFLOP/s accelerator at full use."""
DEFAULT_MEMORY_FRACTION = 0.25
"""The default --max-memory, as a fraction of the machine's physical memory."""

_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


@dataclass(frozen=True)
class Limits:
    """What this solver is willing to take on (None: no limit)."""

    max_memory: int | None = None
    """Bytes (estimate.memory_bytes)."""
    max_flops: int | None = None
    """Total FLOPs of the run (estimate.total_flops)."""


def fits(est: Estimate, limits: Limits) -> tuple[bool, str]:
    """Whether a job of estimate `est` is within `limits`, and why not (the numbers)."""
    reasons = []
    if limits.max_memory is not None and est.memory_bytes > limits.max_memory:
        reasons.append(
            f"memory {format_bytes(est.memory_bytes)} > --max-memory "
            f"{format_bytes(limits.max_memory)}"
        )
    if limits.max_flops is not None and est.total_flops > limits.max_flops:
        reasons.append(f"flops {est.total_flops:.3g} > --max-flops {limits.max_flops:.3g}")
    return (not reasons, "; ".join(reasons))


def format_bytes(n: int) -> str:
    """`1.5GiB`, `512B`."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{int(value)}B" if unit == "B" else f"{value:.4g}{unit}"
        value /= 1024
    return f"{value:.4g}TiB"


def parse_size(text: str) -> int:
    """`2GiB`, `512MB`, `1KiB`, `1048576` -> bytes (ValueError otherwise)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*", text.lower())
    if match is None or match.group(2) not in _UNITS:
        raise ValueError(f"{text!r} is not a size; write e.g. 2GiB, 512MB, 1KiB or a byte count")
    size = int(float(match.group(1)) * _UNITS[match.group(2)])
    if size <= 0:
        raise ValueError(f"{text!r}: the size must be positive")
    return size


def parse_flops(text: str) -> int:
    """`1e13`, `5000000` -> FLOPs (ValueError otherwise)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a FLOP count; write e.g. 1e13") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{text!r}: the FLOP count must be positive and finite")
    return int(value)


def physical_memory() -> int | None:
    """The machine's physical memory in bytes (None where sysconf cannot tell)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def default_limits() -> Limits:
    """25% of physical memory, DEFAULT_MAX_FLOPS."""
    mem = physical_memory()
    return Limits(
        max_memory=int(mem * DEFAULT_MEMORY_FRACTION) if mem else None,
        max_flops=DEFAULT_MAX_FLOPS,
    )


def preflight_policy(specs: SpecSource, limits: Limits) -> Callable[[JobView], bool]:
    """A claim policy: the spec resolves and its estimate fits `limits` (refusals logged once)."""
    skipped: set[int] = set()

    def policy(job: JobView) -> bool:
        spec = specs.get(job.job.spec_hash)
        if spec is None:
            return False  # not fetchable yet: the source retries, we decide next tick
        est: Estimate | None = None
        try:
            est = estimate(spec)
        except Exception as exc:  # an estimate that cannot be made is no reason to crash
            ok, reason = False, f"cannot estimate the job: {type(exc).__name__}: {exc}"
        if est is not None:
            ok, reason = fits(est, limits)
        if not ok and int(job.job_id) not in skipped:
            skipped.add(int(job.job_id))
            log.info(
                "solver.skip",
                job=int(job.job_id),
                reason=reason,
                memory_bytes=est.memory_bytes if est else None,
                total_flops=est.total_flops if est else None,
                max_memory=limits.max_memory,
                max_flops=limits.max_flops,
            )
        return ok

    return policy
