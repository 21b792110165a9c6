"""Jobs: the filtered, paginated list and one job in full."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.protocol.types import JobId, JobStatus
from services.api.errors import NotFoundError
from services.api.pagination import decode_cursor, newest_first
from services.api.schemas.common import DisputeState, JobState, name_of, wei, wei_or_none
from services.api.schemas.jobs import (
    DisputeBrief,
    ForcedErrorOut,
    JobDetail,
    JobPage,
    JobParams,
    JobResult,
    JobSettlement,
    JobSummary,
    JobWinnerOut,
    VerifierAssignment,
)
from services.api.service.deployments import resolve_deployment
from services.api.service.timeline import job_timeline
from services.db.models import ChallengeWindowRestart, ForcedErrorReveal, Job, JobWinner

LISTING = "jobs"


def list_jobs(
    session: Session,
    *,
    deployment: int | None,
    statuses: Sequence[JobState] = (),
    submitter: str | None = None,
    solver: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> JobPage:
    """Jobs newest first (by job id), filtered; `cursor` continues a previous page."""
    after = decode_cursor(cursor, LISTING) if cursor else None
    dep = resolve_deployment(session, deployment, after)
    if dep is None:
        return JobPage(items=[], next_cursor=None, limit=limit)
    query = select(Job).where(Job.deployment_id == dep)
    if statuses:
        query = query.where(Job.status.in_([JobStatus[s.name] for s in statuses]))
    if submitter is not None:
        query = query.where(Job.submitter == submitter.lower())
    if solver is not None:
        query = query.where(Job.solver == solver.lower())
    page, next_cursor = newest_first(
        session, query, Job.job_id, listing=LISTING, deployment=dep, after=after, limit=limit
    )
    return JobPage(items=[job_summary(row) for row in page], next_cursor=next_cursor, limit=limit)


def get_job(session: Session, job_id: JobId, *, deployment: int | None) -> JobDetail:
    """One job with its parameters, result, settlement, verifiers, disputes and timeline."""
    dep = resolve_deployment(session, deployment)
    job = None if dep is None else session.get(Job, (dep, job_id))
    if job is None:
        where = "the database has no deployment yet" if dep is None else f"deployment {dep}"
        raise NotFoundError(f"no job {job_id} in {where}; list jobs with GET /v1/jobs")
    attested = {a.verifier: a.block_time for a in job.attestations}
    return JobDetail(
        **job_summary(job).model_dump(),
        tax=wei(job.tax),
        graph_hash=job.graph_hash,
        initial_state=job.initial_state,
        params=_params(job),
        stake_locked=wei_or_none(job.stake_locked),
        solve_deadline=job.solve_deadline,
        result=_result(session, job),
        settlement=_settlement(session, job),
        verifiers=[
            VerifierAssignment(
                verifier=a.verifier, position=a.position, attested_at=attested.get(a.verifier)
            )
            for a in job.assignments
        ],
        winners=[_winner(w) for w in job.winners],
        disputes=[
            DisputeBrief(
                game_id=g.game_id,
                status=DisputeState(name_of(g.status)),
                challenger=g.challenger,
                winner=g.winner,
                started_at=g.block_time,
            )
            for g in job.games
        ],
        timeline=job_timeline(session, job),
    )


def job_summary(job: Job) -> JobSummary:
    """The list view of a job row."""
    return JobSummary(
        deployment_id=job.deployment_id,
        job_id=job.job_id,
        status=JobState(name_of(job.status)),
        submitter=job.submitter,
        solver=job.solver,
        budget=wei(job.budget),
        steps=job.steps,
        ops_per_step=job.ops_per_step,
        spec_hash=job.spec_hash,
        spec_uri=job.spec_uri,
        posted_at=job.block_time,
        claimed_at=job.claimed_at,
        submitted_at=job.submitted_at,
        settled_at=job.settled_at,
    )


def _params(job: Job) -> JobParams:
    return JobParams(
        solver_stake=wei(job.solver_stake),
        verifier_stake=wei(job.verifier_stake),
        challenge_bond=wei(job.challenge_bond),
        claim_window=job.claim_window,
        solve_window=job.solve_window,
        challenge_window=job.challenge_window,
        reveal_window=job.reveal_window,
        clock_budget=job.clock_budget,
        min_clock_extension=job.min_clock_extension,
        verifiers_per_job=job.verifiers_per_job,
        bisection_arity=job.bisection_arity,
        verifier_fee_bps=job.verifier_fee_bps,
        protocol_tax_bps=job.protocol_tax_bps,
        slash_winner_share_bps=job.slash_winner_share_bps,
        max_ops_per_step=job.max_ops_per_step,
        challenge_window_per_step=job.challenge_window_per_step,
        min_verifier_fee=wei(job.min_verifier_fee),
    )


def _result(session: Session, job: Job) -> JobResult | None:
    if job.submitted_block is None:
        return None
    restarts = session.scalar(
        select(func.count()).where(
            ChallengeWindowRestart.deployment_id == job.deployment_id,
            ChallengeWindowRestart.job_id == job.job_id,
        )
    )
    return JobResult(
        final_state=job.final_state,
        trace_root=job.trace_root,
        sealed_tag=job.sealed_tag,
        artifact_uri=job.artifact_uri,
        window_start=job.window_start,
        challenge_deadline=job.challenge_deadline,
        window_restarts=int(restarts or 0),
    )


def _winner(w: JobWinner) -> JobWinnerOut:
    return JobWinnerOut(
        challenger=w.challenger,
        game_id=w.game_id,
        drawn=w.drawn,
        adjudicated=w.adjudicated,
        step=w.step,
        op_index=w.op_index,
        won_at=w.block_time,
        share_paid=wei_or_none(w.paid_amount),
        share_paid_at=w.paid_at,
        jackpot=wei_or_none(w.jackpot),
        jackpot_paid_at=w.jackpot_at,
    )


def _forced_error(session: Session, job: Job) -> ForcedErrorOut | None:
    if job.forced_error_block is None:
        return None
    reveal: ForcedErrorReveal | None = session.get(
        ForcedErrorReveal, (job.deployment_id, job.job_id)
    )
    return ForcedErrorOut(
        step=job.forced_error_step or 0,
        op_index=job.forced_error_op_index or 0,
        drawn_winners=job.forced_error_drawn_winners or 0,
        attesters_slashed=wei_or_none(job.attesters_slashed),
        whistleblower=reveal.whistleblower if reveal is not None else None,
        jackpot=wei(reveal.jackpot) if reveal is not None else None,
        reimbursed=wei_or_none(reveal.reimbursed) if reveal is not None else None,
        revealed_at=reveal.block_time if reveal is not None else None,
    )


def _settlement(session: Session, job: Job) -> JobSettlement | None:
    if job.outcome is None:
        return None
    return JobSettlement(
        outcome=JobState(name_of(job.outcome)),
        fail_reason=job.fail_reason,
        winning_challenger=job.winning_challenger,
        solver_pay=wei_or_none(job.solver_pay),
        verifier_pay=wei_or_none(job.verifier_pay),
        solver_slashed=wei_or_none(job.solver_slashed),
        attesters_slashed=wei_or_none(job.attesters_slashed),
        forced_error_challenger=job.forced_error_challenger,
        seats_filled=job.seats_filled,
        seats_needed=job.seats_needed,
        winner_share=wei_or_none(job.winner_share),
        winner_sharers=job.winner_sharers,
        drawn_only=job.drawn_only,
        forced_error=_forced_error(session, job),
    )
