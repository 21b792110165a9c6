"""What the job commands share: their arguments, status names and the job's JSON fields."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assay.cli.output import amount
from assay.protocol.records import Job
from assay.protocol.types import SOLIDITY_ENUM_NAMES, JobStatus

TERMINAL = (JobStatus.FINALIZED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED)

StoreDir = Annotated[
    Path,
    typer.Option("--store", envvar="ASSAY_STORE", metavar="DIR", help="the local artifact store"),
]
JobIdArg = Annotated[
    int, typer.Argument(metavar="JOB_ID", help="the job id `assay job submit` printed")
]


def status_name(status: JobStatus) -> str:
    """The Solidity name of a job status (Open, Claimed, …)."""
    return SOLIDITY_ENUM_NAMES["JobStatus"][int(status)]


def job_document(job: Job, now: int) -> dict[str, Any]:
    """The `--json` fields every job command shares (docs/cli.md, "JSON output")."""
    p = job.params

    def at(timestamp: int) -> int | None:
        return timestamp or None

    return {
        "job_id": int(job.job_id),
        "status": status_name(job.status),
        "submitter": job.submitter,
        "solver": job.solver if job.claimed_at else None,
        **amount("budget", job.budget),
        "steps": job.steps,
        "spec_hash": job.spec_hash.to_hex(),
        "spec_uri": job.spec_uri,
        "posted_at": job.posted_at,
        "claim_deadline": job.posted_at + p.claimWindow,
        "claimed_at": at(job.claimed_at),
        "solve_deadline": job.claimed_at + p.solveWindow if job.claimed_at else None,
        "submitted_at": at(job.submitted_at),
        "challenge_deadline": job.challenge_deadline if job.submitted_at else None,
        "settled_at": at(job.settled_at),
        "open_games": job.open_games,
        "now": now,
    }
