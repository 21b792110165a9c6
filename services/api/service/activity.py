"""An account's activity: stake ledger (locks, unlocks, slashes…), credit ledger, jobs, games."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.api.schemas.activity import AccountActivity, AccountGame, AccountJob, LedgerEntry
from services.api.schemas.common import DisputeState, JobState, RoleName, name_of, wei, wei_or_none
from services.api.service.deployments import resolve_deployment
from services.db.models import Attestation, CreditEvent, Game, Job, JobAssignment, StakeEvent

MAX_ROWS = 200  # per list: an explorer page, not an export


def account_activity(session: Session, address: str, *, deployment: int | None) -> AccountActivity:
    """Up to MAX_ROWS of each of the account's lists, newest first."""
    account = address.lower()
    dep = resolve_deployment(session, deployment)
    if dep is None:
        return AccountActivity(stake_events=[], credit_events=[], jobs=[], games=[])
    stake_rows = session.scalars(
        select(StakeEvent)
        .where(StakeEvent.deployment_id == dep, StakeEvent.account == account)
        .order_by(StakeEvent.block_number.desc(), StakeEvent.log_index.desc())
        .limit(MAX_ROWS)
    )
    credit_rows = session.scalars(
        select(CreditEvent)
        .where(CreditEvent.deployment_id == dep, CreditEvent.account == account)
        .order_by(CreditEvent.block_number.desc(), CreditEvent.log_index.desc())
        .limit(MAX_ROWS)
    )
    return AccountActivity(
        stake_events=[
            LedgerEntry(
                kind=name_of(e.kind),
                role=RoleName(name_of(e.role)),
                amount=wei_or_none(e.amount),
                cause=e.cause,
                job_id=e.job_id,
                game_id=e.game_id,
                block_number=e.block_number,
                block_time=e.block_time,
                tx_hash=e.tx_hash,
            )
            for e in stake_rows
        ],
        credit_events=[
            LedgerEntry(
                kind=name_of(e.kind),
                role=None,
                amount=wei(e.amount),
                cause=e.cause,
                job_id=e.job_id,
                game_id=e.game_id,
                block_number=e.block_number,
                block_time=e.block_time,
                tx_hash=e.tx_hash,
            )
            for e in credit_rows
        ],
        jobs=_jobs(session, dep, account),
        games=_games(session, dep, account),
    )


def _jobs(session: Session, dep: int, account: str) -> list[AccountJob]:
    roles: defaultdict[int, list[str]] = defaultdict(list)
    for job_id, submitter, solver in session.execute(
        select(Job.job_id, Job.submitter, Job.solver).where(
            Job.deployment_id == dep, or_(Job.submitter == account, Job.solver == account)
        )
    ):
        if submitter == account:
            roles[job_id].append("submitter")
        if solver == account:
            roles[job_id].append("solver")
    attested = set(
        session.scalars(
            select(Attestation.job_id).where(
                Attestation.deployment_id == dep, Attestation.verifier == account
            )
        )
    )
    for job_id in session.scalars(
        select(JobAssignment.job_id).where(
            JobAssignment.deployment_id == dep, JobAssignment.verifier == account
        )
    ):
        roles[job_id].append("verifier (attested)" if job_id in attested else "verifier")
    newest = sorted(roles, reverse=True)[:MAX_ROWS]
    rows = {
        j.job_id: j
        for j in session.scalars(
            select(Job).where(Job.deployment_id == dep, Job.job_id.in_(newest))
        )
    }
    return [
        AccountJob(
            job_id=job_id,
            status=JobState(name_of(rows[job_id].status)),
            roles=roles[job_id],
            budget=wei(rows[job_id].budget),
        )
        for job_id in newest
    ]


def _games(session: Session, dep: int, account: str) -> list[AccountGame]:
    games = session.scalars(
        select(Game)
        .where(Game.deployment_id == dep, or_(Game.challenger == account, Game.solver == account))
        .order_by(Game.game_id.desc())
        .limit(MAX_ROWS)
    )
    return [
        AccountGame(
            game_id=g.game_id,
            job_id=g.job_id,
            status=DisputeState(name_of(g.status)),
            side="challenger" if g.challenger == account else "solver",
            winner=g.winner,
        )
        for g in games
    ]
