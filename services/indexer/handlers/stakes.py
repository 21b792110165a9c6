"""StakeManager: every stake change with the stake right after it, the stakes as they stand, and
the credit ledger (payouts credited, credit claimed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay.protocol.types import Role
from services.db.enums import CreditEventKind, ProtocolContract, StakeEventKind
from services.db.models import CreditEvent, Game, Stake, StakeEvent
from services.indexer.causes import TxContext
from services.indexer.decode import ChainLog
from services.indexer.handlers.base import Handler, Key, or_none, params_changed
from services.indexer.state import StakeSnapshot, stake_changed

if TYPE_CHECKING:
    from services.indexer.project import Projector

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


HANDLERS: dict[Key, Handler] = {
    **{(SM, kind.value): stake_event for kind in StakeEventKind},
    **{(SM, kind.value): credit_event for kind in CreditEventKind},
    (SM, "UnbondingDelaySet"): params_changed,
    (SM, "MinRegistryStakeSet"): params_changed,
}
IGNORED: set[Key] = {(SM, "ProtocolContractSet")}
