"""StakeManager: every stake change with the stake right after it, the stakes as they stand, and
the credit ledger (payouts credited, credit claimed, a protocol contract's credit passed on)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from sqlalchemy import and_, or_, select

from assay.protocol.types import Role
from services.db.enums import CreditEventKind, ProtocolContract, StakeEventKind
from services.db.models import CreditEvent, Game, Stake, StakeEvent
from services.indexer.causes import TxContext
from services.indexer.decode import ChainLog
from services.indexer.handlers.base import Handler, Key, or_none, params_changed
from services.indexer.state import StakeSnapshot, stake_changed

if TYPE_CHECKING:
    from services.indexer.project import Projector

log = structlog.get_logger(__name__)

SM = ProtocolContract.STAKE_MANAGER


def stake_event(p: Projector, lg: ChainLog, tx: TxContext) -> None:
    """A stake_events row with the stake after it; the stake moves only if the row is new."""
    a = lg.args
    kind = StakeEventKind(lg.event)
    account, role = a["account"], Role(int(a["role"]))
    stake: Stake | None = p.get(Stake, account, role)
    after = stake_changed(StakeSnapshot.of(stake) if stake else StakeSnapshot(), kind, a)
    job_id = tx.job_id
    if job_id is None and tx.game_id is not None:  # a court transaction names only the game
        game: Game | None = p.get(Game, tx.game_id)
        job_id = game.job_id if game is not None else None
    new = p.insert(
        StakeEvent,
        lg,
        account=account,
        role=role,
        kind=kind,
        amount=a.get("amount"),
        beneficiary=or_none(a["beneficiary"]) if "beneficiary" in a else None,
        to_beneficiary=a.get("toBeneficiary"),
        job_id=job_id,
        game_id=tx.game_id,
        request_id=tx.request_id,
        cause=tx.causes.get(lg.log_index),
        **after.columns(),
    )
    if not new:
        return
    if stake is None:
        stake = Stake(deployment_id=p.deployment_id, account=account, role=role)
        p.session.add(stake)
    for name, value in after.columns().items():
        setattr(stake, name, value)
    stake.updated_block, stake.updated_at = lg.block_number, p.time(lg)


def credit_event(p: Projector, lg: ChainLog, tx: TxContext) -> None:
    """Credited (a payout; the balance after it) or Claimed (all credit withdrawn)."""
    a = lg.args
    kind = CreditEventKind(lg.event)
    p.insert(
        CreditEvent,
        lg,
        account=a["account"],
        kind=kind,
        amount=a["amount"],
        balance=a["newCredit"] if kind is CreditEventKind.CREDITED else 0,
        job_id=tx.job_id,
        game_id=tx.game_id,
        cause=tx.causes.get(lg.log_index),
    )


def credit_transferred(p: Projector, lg: ChainLog, tx: TxContext) -> None:
    """CreditTransferred: the sender's debit (its balance after it); the recipient's Credited,
    logged right after, is its own row."""
    a = lg.args
    account, amount = a["from"], int(a["amount"])
    before = credit_before(p, account, lg)
    if before < amount:
        log.warning(
            "indexer.credit_underflow",
            account=account,
            balance=before,
            amount=amount,
            hint="the account's earlier credits are not indexed: index from the deployment block",
        )
    p.insert(
        CreditEvent,
        lg,
        account=account,
        kind=CreditEventKind.TRANSFERRED,
        amount=amount,
        balance=max(before - amount, 0),
        job_id=tx.job_id,
        game_id=tx.game_id,
        cause=tx.causes.get(lg.log_index),
    )


def credit_before(p: Projector, account: str, lg: ChainLog) -> int:
    """`account`'s credit balance right before `lg` (0 if it has no earlier credit event)."""
    p.session.flush()
    earlier = or_(
        CreditEvent.block_number < lg.block_number,
        and_(CreditEvent.block_number == lg.block_number, CreditEvent.log_index < lg.log_index),
    )
    balance = p.session.scalars(
        select(CreditEvent.balance)
        .where(
            CreditEvent.deployment_id == p.deployment_id, CreditEvent.account == account, earlier
        )
        .order_by(CreditEvent.block_number.desc(), CreditEvent.log_index.desc())
        .limit(1)
    ).first()
    return int(balance or 0)


HANDLERS: dict[Key, Handler] = {
    **{(SM, kind.value): stake_event for kind in StakeEventKind},
    **{
        (SM, kind.value): credit_event
        for kind in CreditEventKind
        if kind is not CreditEventKind.TRANSFERRED
    },
    (SM, CreditEventKind.TRANSFERRED.value): credit_transferred,
    (SM, "UnbondingDelaySet"): params_changed,
    (SM, "MinRegistryStakeSet"): params_changed,
}
IGNORED: set[Key] = {(SM, "ProtocolContractSet")}
