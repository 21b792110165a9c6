"""Small builders of services-database rows for tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from assay.protocol.types import JobStatus
from services.db.models import Deployment, Job

ADDR = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20


def h(n: int) -> str:
    """A distinct 32-byte hash."""
    return "0x" + f"{n:064x}"


def deployment(session: Session, chain_id: int = 31337) -> int:
    """Add a deployment; its id."""
    dep = Deployment(
        chain_id=chain_id,
        deployer=ADDR,
        start_block=1,
        stake_manager=ADDR,
        randomness=ADDR,
        job_market=ADDR,
        referee_court=ADDR,
        dispute_game=ADDR,
        forced_error_registry=ADDR,
        created_at=datetime.now(UTC),
    )
    session.add(dep)
    session.flush()
    return dep.id


def event_at(dep: int, block: int, log_index: int = 0) -> dict[str, Any]:
    """The event columns of a log at `block` (one tx per block; time = 1000 + block)."""
    return {
        "deployment_id": dep,
        "block_number": block,
        "block_hash": h(10_000 + block),
        "block_time": 1_000 + block,
        "tx_hash": h(20_000 + block),
        "log_index": log_index,
    }


def job(
    dep: int,
    job_id: int,
    block: int,
    *,
    submitter: str = ADDR,
    status: JobStatus = JobStatus.OPEN,
) -> Job:
    """A just-posted job (JobPosted at `block`)."""
    return Job(
        **event_at(dep, block),
        job_id=job_id,
        status=status,
        submitter=submitter,
        budget=10**18,
        tax=10**16,
        steps=8,
        ops_per_step=4,
        spec_hash=h(1),
        graph_hash=h(2),
        initial_state=h(3),
        spec_uri="assay://spec",
        solver_stake=2 * 10**18,
        verifier_stake=10**18,
        challenge_bond=10**17,
        claim_window=3600,
        solve_window=3600,
        challenge_window=600,
        reveal_window=600,
        clock_budget=300,
        min_clock_extension=60,
        verifiers_per_job=2,
        bisection_arity=2,
        verifier_fee_bps=500,
        protocol_tax_bps=100,
        slash_winner_share_bps=5000,
        max_ops_per_step=10_000,
        challenge_window_per_step=0,
        min_verifier_fee=10**15,
    )
