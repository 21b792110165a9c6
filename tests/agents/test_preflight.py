"""The solver's preflight (fits, the size/FLOP parsers, the claim policy) and training progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from assay.agents.preflight import (
    Limits,
    default_limits,
    fits,
    format_bytes,
    parse_flops,
    parse_size,
    physical_memory,
    preflight_policy,
)
from assay.agents.progress import TrainingProgress
from assay.agents.work import MappingSpecSource, train_trace
from assay.protocol.canonical import spec_hash
from assay.protocol.estimate import Estimate, estimate
from assay.protocol.spec import JobSpec, load_spec, spec_from_dict
from assay.protocol.types import JobId, JobStatus
from tests.agents.fakes import job

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"


@pytest.fixture(autouse=True)
def _default_structlog() -> object:
    """INFO logs reach capture_logs whatever level an earlier CLI test configured."""
    structlog.reset_defaults()
    yield None
    structlog.reset_defaults()


EST = Estimate(parameters=10, flops_per_step=100, total_flops=1000, memory_bytes=4096)


@pytest.mark.parametrize(
    ("limits", "ok", "reason"),
    [
        (Limits(), True, ""),
        (Limits(max_memory=4096, max_flops=1000), True, ""),  # equal is within
        (Limits(max_memory=4095), False, "memory 4KiB > --max-memory 3.999KiB"),
        (Limits(max_memory=1024, max_flops=10**6), False, "memory 4KiB > --max-memory 1KiB"),
        (Limits(max_flops=999), False, "flops 1e+03 > --max-flops 999"),
        (
            Limits(max_memory=1, max_flops=1),
            False,
            "memory 4KiB > --max-memory 1B; flops 1e+03 > --max-flops 1",
        ),
    ],
)
def test_fits(limits: Limits, ok: bool, reason: str) -> None:
    assert fits(EST, limits) == (ok, reason)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1", 1),
        ("512B", 512),
        ("1KiB", 1024),
        ("2GiB", 2 * 2**30),
        ("1.5 MiB", 3 * 2**19),
        ("512MB", 512 * 10**6),
        ("1e3", 1000),
        ("4g", 4 * 10**9),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "GiB", "2 parsecs", "0", "-1KiB", "0.1"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize(("text", "flops"), [("1e13", 10**13), ("5000", 5000), ("2.5e3", 2500)])
def test_parse_flops(text: str, flops: int) -> None:
    assert parse_flops(text) == flops


@pytest.mark.parametrize("text", ["", "lots", "0", "-1e9", "inf", "nan"])
def test_parse_flops_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_flops(text)


@pytest.mark.parametrize(
    ("n", "text"), [(0, "0B"), (1023, "1023B"), (1024, "1KiB"), (3 * 2**29, "1.5GiB")]
)
def test_format_bytes(n: int, text: str) -> None:
    assert format_bytes(n) == text


def test_default_limits_are_a_quarter_of_physical_memory() -> None:
    mem = physical_memory()
    assert mem is not None and mem > 0
    limits = default_limits()
    assert limits.max_memory == mem // 4
    assert limits.max_flops is not None and limits.max_flops >= 10**15


def small_spec(steps: int) -> JobSpec:
    raw: dict[str, Any] = load_spec(EXAMPLE).model_dump(mode="json")
    raw["training"]["steps"] = steps
    raw["checkpoint"]["interval"] = 2
    return spec_from_dict(raw)


def test_policy_resolves_the_spec_and_refuses_jobs_over_the_limits() -> None:
    spec = small_spec(6)
    h = spec_hash(spec)
    est = estimate(spec)
    view = job(JobStatus.OPEN, job_id=JobId(7), spec_hash=h)
    unknown = preflight_policy(MappingSpecSource({}), Limits())
    assert not unknown(view)  # spec not fetchable (yet): never claimed
    source = MappingSpecSource({bytes(h): spec})
    assert preflight_policy(source, Limits(est.memory_bytes, est.total_flops))(view)
    small = preflight_policy(source, Limits(max_memory=1024))
    with capture_logs() as logs:
        assert not small(view)
        assert not small(view)  # asked every tick, logged once
    skips = [e for e in logs if e["event"] == "solver.skip"]
    assert len(skips) == 1, logs
    assert skips[0]["job"] == 7 and skips[0]["memory_bytes"] == est.memory_bytes
    assert "--max-memory 1KiB" in skips[0]["reason"]


def test_progress_logs_every_tenth_and_tracks_the_running_job(tmp_path: Path) -> None:
    progress = TrainingProgress()
    report = progress.reporter("train", 3)
    with capture_logs() as logs:
        for step in range(1, 21):
            report(step, 20, 1.0 / step)
            if step == 5:
                (running,) = progress.running()
                assert running.line() == "train job 3: step 5/20 (25%) loss 0.2000"
    assert [e["step"] for e in logs if e["event"] == "train.progress"] == list(range(2, 21, 2))
    assert progress.running() == []  # the last step ends it

    quiet = TrainingProgress(log_steps=False)
    spec = small_spec(4)
    seen: list[tuple[int, int]] = []
    report = quiet.reporter("replay", 1)

    def record(step: int, total: int, loss: float | None) -> None:
        seen.append((step, total))
        assert loss is not None
        report(step, total, loss)

    with capture_logs() as logs:
        steps = train_trace(spec, tmp_path / "ckpt", progress=record)
    assert seen == [(i, 4) for i in range(1, 5)]
    assert steps == train_trace(spec, tmp_path / "again")  # progress changes nothing
    assert not [e for e in logs if e["event"] == "train.progress"]
    quiet.reporter("train", 2)
    quiet.finish("train", 2)
    assert quiet.running() == []
