"""Accounts: stakes per role, slashes, earnings and credit of one address."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from assay.protocol.types import JobStatus
from services.api.schemas.accounts import Account, EarningsByCause, RoleStake
from services.api.schemas.common import RoleName, name_of, wei
from services.api.service.deployments import resolve_deployment
from services.api.service.sums import wei_sum, wei_sums_by
from services.db.enums import CreditEventKind, StakeEventKind
from services.db.models import Attestation, CreditEvent, Job, Stake, StakeEvent

# Credits that return the account's own money rather than pay it for work.
OWN_MONEY_CAUSES = frozenset({"refund", "bond_refund", "honeypot_reimbursement"})
UNKNOWN_CAUSE = "unknown"


def get_account(session: Session, address: str, *, deployment: int | None) -> Account:
    """An address's standing in one deployment; all zeros for an address never seen."""
    account = address.lower()
    dep = resolve_deployment(session, deployment)
    if dep is None:
        return _empty(account)
    stakes = session.scalars(
        select(Stake).where(Stake.deployment_id == dep, Stake.account == account)
    ).all()
    slashed_by_role = wei_sums_by(
        session,
        StakeEvent.role,
        StakeEvent.amount,
        StakeEvent.deployment_id == dep,
        StakeEvent.account == account,
        StakeEvent.kind == StakeEventKind.SLASHED,
    )
    by_cause = wei_sums_by(
        session,
        CreditEvent.cause,
        CreditEvent.amount,
        CreditEvent.deployment_id == dep,
        CreditEvent.account == account,
        CreditEvent.kind == CreditEventKind.CREDITED,
    )
    balance = session.scalar(
        select(CreditEvent.balance)
        .where(CreditEvent.deployment_id == dep, CreditEvent.account == account)
        .order_by(CreditEvent.block_number.desc(), CreditEvent.log_index.desc())
        .limit(1)
    )
    claimed = wei_sum(
        session,
        CreditEvent.amount,
        CreditEvent.deployment_id == dep,
        CreditEvent.account == account,
        CreditEvent.kind == CreditEventKind.CLAIMED,
    )
    role_stakes = sorted(stakes, key=lambda s: s.role)
    return Account(
        deployment_id=dep,
        address=account,
        stakes=[
            RoleStake(
                role=RoleName(name_of(s.role)),
                total=wei(s.total),
                locked=wei(s.locked),
                pending_withdrawal=wei(s.pending_withdrawal),
                withdrawable_at=s.withdrawable_at,
                free=wei(max(s.free, 0)),
                registered=s.registered,
                slashed=wei(slashed_by_role.get(s.role, 0)),
            )
            for s in role_stakes
        ],
        staked=wei(sum(s.total for s in stakes)),
        locked=wei(sum(s.locked for s in stakes)),
        slashed=wei(sum(slashed_by_role.values())),
        earned=wei(sum(v for c, v in by_cause.items() if c not in OWN_MONEY_CAUSES)),
        earned_by_cause=[
            EarningsByCause(cause=cause or UNKNOWN_CAUSE, amount=wei(amount))
            for cause, amount in sorted(by_cause.items(), key=lambda kv: kv[0] or "")
        ],
        credits=wei(balance or 0),
        claimed=wei(claimed),
        jobs_submitted=_count(session, Job.deployment_id == dep, Job.submitter == account),
        jobs_solved=_count(
            session,
            Job.deployment_id == dep,
            Job.solver == account,
            Job.status == JobStatus.FINALIZED,
        ),
        jobs_attested=int(
            session.scalar(
                select(func.count())
                .select_from(Attestation)
                .where(Attestation.deployment_id == dep, Attestation.verifier == account)
            )
            or 0
        ),
    )


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(Job).where(*where)) or 0)


def _empty(account: str) -> Account:
    zero = wei(0)
    return Account(
        deployment_id=None,
        address=account,
        stakes=[],
        staked=zero,
        locked=zero,
        slashed=zero,
        earned=zero,
        earned_by_cause=[],
        credits=zero,
        claimed=zero,
        jobs_submitted=0,
        jobs_solved=0,
        jobs_attested=0,
    )
