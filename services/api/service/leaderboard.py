"""Rankings of solvers and verifiers, computed from the job rows (exact, whatever causes the
indexer could attribute to credits).

- solvers: earnings = Σ solver pay of their finalized jobs; jobs = finalized jobs solved.
- verifiers: earnings = their fee share of each finalized job they attested (JobFinalized's
  verifier pay split evenly among the attesters, as JobMarket pays it) plus forced-error
  jackpots won; jobs = attestations.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.protocol.types import JobStatus
from services.api.schemas.accounts import (
    Leaderboard,
    LeaderboardEntry,
    LeaderboardOrder,
    LeaderboardRole,
)
from services.api.schemas.common import wei
from services.api.service.deployments import resolve_deployment
from services.api.service.sums import wei_sums_by
from services.db.models import Attestation, Job, JobWinner


def leaderboard(
    session: Session,
    *,
    role: LeaderboardRole,
    by: LeaderboardOrder,
    limit: int,
    deployment: int | None,
) -> Leaderboard:
    """The top `limit` accounts of `role`, ranked by `by` (ties: the other figure, then address)."""
    dep = resolve_deployment(session, deployment)
    if dep is None:
        return Leaderboard(deployment_id=None, role=role, by=by, entries=[])
    if role is LeaderboardRole.SOLVER:
        earnings, jobs = _solvers(session, dep)
    else:
        earnings, jobs = _verifiers(session, dep)
    accounts = set(earnings) | set(jobs)

    def rank_key(account: str) -> tuple[int, int, str]:
        e, j = earnings.get(account, 0), jobs.get(account, 0)
        return (-e, -j, account) if by is LeaderboardOrder.EARNINGS else (-j, -e, account)

    ranked = sorted(accounts, key=rank_key)[:limit]
    return Leaderboard(
        deployment_id=dep,
        role=role,
        by=by,
        entries=[
            LeaderboardEntry(
                rank=i, account=a, earnings=wei(earnings.get(a, 0)), jobs=jobs.get(a, 0)
            )
            for i, a in enumerate(ranked, start=1)
        ],
    )


def _solvers(session: Session, dep: int) -> tuple[dict[str, int], dict[str, int]]:
    finalized = (Job.deployment_id == dep, Job.status == JobStatus.FINALIZED)
    earnings = wei_sums_by(session, Job.solver, Job.solver_pay, *finalized)
    jobs = session.execute(select(Job.solver, func.count()).where(*finalized).group_by(Job.solver))
    return earnings, {a: int(n) for a, n in jobs if a is not None}


def _verifiers(session: Session, dep: int) -> tuple[dict[str, int], dict[str, int]]:
    rows = session.execute(
        select(Attestation.verifier, Attestation.job_id, Job.verifier_pay)
        .join(
            Job,
            (Job.deployment_id == Attestation.deployment_id) & (Job.job_id == Attestation.job_id),
        )
        .where(Attestation.deployment_id == dep, Job.status == JobStatus.FINALIZED)
    ).all()
    attesters = Counter(job_id for _, job_id, _ in rows)
    earnings: defaultdict[str, int] = defaultdict(int)
    for verifier, job_id, pay in rows:
        earnings[verifier] += (pay or 0) // attesters[job_id]
    # Every drawn winner's part of a jackpot (a reveal splits it among them).
    jackpots = wei_sums_by(
        session,
        JobWinner.challenger,
        JobWinner.jackpot,
        JobWinner.deployment_id == dep,
        JobWinner.jackpot.is_not(None),
    )
    for account, amount in jackpots.items():
        earnings[account] += amount
    jobs = session.execute(
        select(Attestation.verifier, func.count())
        .where(Attestation.deployment_id == dep)
        .group_by(Attestation.verifier)
    )
    return dict(earnings), {a: int(n) for a, n in jobs}
