"""`assay solver run --max-memory`: a job too big for the limits is never claimed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assay.chain.devnet import Devnet
from assay.protocol.types import JobId, JobStatus
from tests.cli.test_agents_cli import assay, small_job

pytestmark = pytest.mark.anvil


def test_solver_skips_a_job_over_max_memory(devnet: Devnet, tmp_path: Path) -> None:
    store = tmp_path / "store"  # shared with the submitter: the spec resolves locally
    result = assay(
        devnet, "job", "submit", str(small_job(tmp_path)), "--budget", "0.5ether",
        "--store", str(store), "--dev-account", "submitter",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    match = re.search(r"job (\d+) posted", result.output)
    assert match, result.output
    job_id = JobId(int(match.group(1)))

    result = assay(
        devnet, "solver", "run", "--dev-account", "solver", "--state-dir", str(tmp_path / "s"),
        "--store", str(store), "--once", "--inline", "--min-credit", "0",
        "--max-memory", "1KiB", ASSAY_LOG_LEVEL="INFO",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "solver limits: memory 1KiB" in result.output, result.output
    assert "ClaimJob" not in result.output, result.output
    skip = re.search(rf"solver\.skip .*job={job_id}\b.*", result.output)
    assert skip, result.output
    assert "--max-memory 1KiB" in skip.group(0) and "memory_bytes=" in skip.group(0)
    market = devnet.actor("deployer").protocol.market
    assert market.job_status(job_id) == JobStatus.OPEN

    result = assay(
        devnet, "solver", "run", "--max-memory", "lots", "--dev-account", "solver",
    )  # fmt: skip
    assert result.exit_code == 2 and "not a size" in result.output, result.output


def post_small_job(devnet: Devnet, tmp_path: Path, store: Path, budget: str) -> JobId:
    result = assay(
        devnet, "job", "submit", str(small_job(tmp_path)), "--budget", budget,
        "--store", str(store), "--dev-account", "submitter",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    match = re.search(r"job (\d+) posted", result.output)
    assert match, result.output
    return JobId(int(match.group(1)))


def test_solver_skips_a_job_below_min_budget_and_says_why(net: Devnet, tmp_path: Path) -> None:
    store = tmp_path / "store"
    job_id = post_small_job(net, tmp_path, store, "0.5ether")
    result = assay(
        net, "solver", "run", "--dev-account", "solver", "--state-dir", str(tmp_path / "s"),
        "--store", str(store), "--once", "--inline", "--min-credit", "0",
        "--min-budget", "1ether", ASSAY_LOG_LEVEL="INFO",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "claims jobs paying at least 1 ETH" in result.output
    assert "ClaimJob" not in result.output, result.output
    skip = re.search(rf"solver\.not_claiming .*job={job_id}\b.*", result.output)
    assert skip, result.output
    assert "is below the minimum budget 1 ETH" in skip.group(0)
    assert net.actor("deployer").protocol.market.job_status(job_id) == JobStatus.OPEN

    result = assay(net, "solver", "run", "--min-price", "cheap", "--dev-account", "solver")
    assert result.exit_code == 2 and "'cheap' is not an amount" in result.output


def test_solver_without_enough_free_stake_logs_why_it_does_not_claim(
    net: Devnet, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    job_id = post_small_job(net, tmp_path, store, "0.5ether")
    result = assay(
        net, "solver", "run", "--dev-account", "challenger", "--state-dir", str(tmp_path / "s"),
        "--store", str(store), "--once", "--inline", "--min-credit", "0",
        ASSAY_LOG_LEVEL="INFO",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ClaimJob" not in result.output, result.output
    skip = re.search(rf"solver\.not_claiming .*job={job_id}\b.*", result.output)
    assert skip, result.output
    assert "free solver stake 0 ETH is below the 1 ETH a claim locks" in skip.group(0)
