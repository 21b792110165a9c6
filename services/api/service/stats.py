"""Protocol-wide figures of one deployment: counts per status, escrow, stake, slashes, pool."""

from __future__ import annotations

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from assay.protocol.types import JobStatus
from services.api.schemas.common import DisputeState, JobState, name_of, wei
from services.api.schemas.stats import ProtocolStats
from services.api.service.deployments import resolve_deployment
from services.api.service.sums import wei_sum
from services.db.enums import StakeEventKind
from services.db.models import (
    ForcedErrorReveal,
    Game,
    IndexerCursor,
    JackpotFunding,
    Job,
    Stake,
    StakeEvent,
)

# JobMarket's totalEscrow holds the budgets of jobs that have not settled.
ESCROWED = (JobStatus.OPEN, JobStatus.CLAIMED, JobStatus.SUBMITTED)


def protocol_stats(session: Session, *, deployment: int | None) -> ProtocolStats:
    """Counts and totals as indexed so far."""
    dep = resolve_deployment(session, deployment)
    jobs_by_status = dict.fromkeys((s.value for s in JobState), 0)
    disputes_by_status = dict.fromkeys((s.value for s in DisputeState), 0)
    if dep is None:
        zero = wei(0)
        return ProtocolStats(
            deployment_id=None,
            jobs=0,
            jobs_by_status=jobs_by_status,
            disputes=0,
            disputes_by_status=disputes_by_status,
            escrow=zero,
            staked=zero,
            locked=zero,
            slashed=zero,
            pool=zero,
            stakers=0,
            indexed_block=None,
        )
    for status, n in session.execute(
        select(Job.status, func.count()).where(Job.deployment_id == dep).group_by(Job.status)
    ):
        jobs_by_status[name_of(status)] = int(n)
    for game_status, n in session.execute(
        select(Game.status, func.count()).where(Game.deployment_id == dep).group_by(Game.status)
    ):
        disputes_by_status[name_of(game_status)] = int(n)
    cursor = session.get(IndexerCursor, dep)
    return ProtocolStats(
        deployment_id=dep,
        jobs=sum(jobs_by_status.values()),
        jobs_by_status=jobs_by_status,
        disputes=sum(disputes_by_status.values()),
        disputes_by_status=disputes_by_status,
        escrow=wei(
            wei_sum(session, Job.budget, Job.deployment_id == dep, Job.status.in_(ESCROWED))
        ),
        staked=wei(wei_sum(session, Stake.total, Stake.deployment_id == dep)),
        locked=wei(wei_sum(session, Stake.locked, Stake.deployment_id == dep)),
        slashed=wei(
            wei_sum(
                session,
                StakeEvent.amount,
                StakeEvent.deployment_id == dep,
                StakeEvent.kind == StakeEventKind.SLASHED,
            )
        ),
        pool=wei(jackpot_pool(session, dep)),
        stakers=int(
            session.scalar(
                select(func.count(func.distinct(Stake.account))).where(Stake.deployment_id == dep)
            )
            or 0
        ),
        indexed_block=None if cursor is None else cursor.last_block,
    )


def jackpot_pool(session: Session, dep: int) -> int:
    """The jackpot pool now: the pool after the newest Funded, less what reveals paid out since
    (ForcedErrorRegistry takes jackpot + reimbursement out of the pool on each reveal)."""
    newest = session.execute(
        select(JackpotFunding.pool, JackpotFunding.block_number, JackpotFunding.log_index)
        .where(JackpotFunding.deployment_id == dep)
        .order_by(JackpotFunding.block_number.desc(), JackpotFunding.log_index.desc())
        .limit(1)
    ).first()
    if newest is None:
        return 0
    pool, block, log_index = newest
    since = (
        ForcedErrorReveal.deployment_id == dep,
        tuple_(ForcedErrorReveal.block_number, ForcedErrorReveal.log_index) > (block, log_index),
    )
    paid = wei_sum(session, ForcedErrorReveal.jackpot, *since)
    paid += wei_sum(session, ForcedErrorReveal.reimbursed, *since)
    return int(max(pool - paid, 0))
