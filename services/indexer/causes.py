"""Why a stake moved or a credit was paid, told from the other logs of the same transaction.

StakeManager's events say what changed, not why; the protocol call that caused it (a claim, a
finalize, a lost game, a reveal) logs its own events around them. This reads a transaction's logs
in order and names each lock, unlock, slash and credit (free text, at most 32 characters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from assay.protocol.types import GameStatus, Role
from services.db.enums import ProtocolContract
from services.indexer.decode import ChainLog

STAKES = ProtocolContract.STAKE_MANAGER
MARKET = ProtocolContract.JOB_MARKET
GAME = ProtocolContract.DISPUTE_GAME
REGISTRY = ProtocolContract.FORCED_ERROR_REGISTRY

_LOCK = {Role.SOLVER: "solver_claim", Role.VERIFIER: "verifier_assignment"}
_UNLOCK = {Role.SOLVER: "solver_release", Role.VERIFIER: "verifier_release"}
_REFUNDS = {"JobCancelled", "JobExpired", "JobFailed", "JobUnverified"}


@dataclass(frozen=True)
class TxContext:
    """What a transaction's logs say about its stake and credit events.

    `job_id`, `game_id`, `request_id` are the first of each named by any log of the transaction;
    `causes` maps a StakeManager log's index to its cause.
    """

    job_id: int | None = None
    game_id: int | None = None
    request_id: int | None = None
    causes: Mapping[int, str] = field(default_factory=dict)


def tx_context(logs: Sequence[ChainLog], submitter_of: Callable[[int], str | None]) -> TxContext:
    """The context of one transaction's logs (in log order)."""
    ids: dict[str, int] = {}
    for lg in logs:
        for key in ("jobId", "gameId", "requestId"):
            if key in lg.args and key not in ids:
                ids[key] = int(lg.args[key])
    causes: dict[int, str] = {}
    trigger: ChainLog | None = None  # the newest non-StakeManager log
    for i, lg in enumerate(logs):
        if lg.contract is not STAKES:
            trigger = lg
            continue
        cause: str | None = None
        if lg.event == "Credited":
            cause = _credit_cause(lg, logs, i, trigger, submitter_of)
        elif lg.event == "CreditTransferred":
            cause = _transfer_cause(lg, trigger)
        elif lg.event in ("Locked", "Unlocked", "Slashed"):
            cause = _stake_cause(lg, logs, logs[i + 1 :])
        if cause is not None:
            causes[lg.log_index] = cause
    return TxContext(ids.get("jobId"), ids.get("gameId"), ids.get("requestId"), causes)


def _names(logs: Sequence[ChainLog]) -> set[str]:
    return {lg.event for lg in logs if lg.contract is not STAKES}


def _stake_cause(lg: ChainLog, tx: Sequence[ChainLog], after: Sequence[ChainLog]) -> str | None:
    role = Role(int(lg.args["role"]))
    names = _names(tx)
    if lg.event == "Locked":
        return _LOCK.get(role, "committee_draw" if role is Role.REFEREE else None)
    if lg.event == "Unlocked":
        if role is Role.SOLVER and "ForcedErrorMarked" in names:
            return "honeypot_solver_spared"
        return _UNLOCK.get(role, "referee_release" if role is Role.REFEREE else None)
    # Slashed
    if role is Role.SOLVER:
        return "missed_deadline" if "JobFailed" in names else "lost_dispute"
    if role is Role.VERIFIER:
        return "attested_honeypot" if "ForcedErrorMarked" in names else "verifier_slash"
    if role is Role.REFEREE:
        account = lg.args["account"]
        for later in after:
            if later.event == "RefereeSlashed" and later.args["referee"] == account:
                return "referee_no_show" if later.args["noShow"] else "referee_dissent"
        return "referee_slash"
    return None


def _transfer_cause(lg: ChainLog, trigger: ChainLog | None) -> str:
    """A protocol contract passing its credit on: a winner's share of a slash (announced by
    WinnerSharePaid right before), or the rounding dust of a split (to the treasury)."""
    paid = trigger is not None and trigger.contract is MARKET and trigger.event == "WinnerSharePaid"
    if paid and trigger is not None and trigger.args["winner"] == lg.args["to"]:
        return "winner_share"
    return "rounding_dust"


def _credit_cause(
    lg: ChainLog,
    tx: Sequence[ChainLog],
    index: int,
    trigger: ChainLog | None,
    submitter_of: Callable[[int], str | None],
) -> str | None:
    previous = tx[index - 1] if index > 0 else None
    account = lg.args["account"]
    # StakeManager.transferCredit logs CreditTransferred, then the recipient's Credited.
    if (
        previous is not None
        and previous.contract is STAKES
        and previous.event == "CreditTransferred"
        and previous.args["to"] == account
    ):
        return _transfer_cause(previous, trigger)
    # StakeManager.slash credits the beneficiary and the treasury, then logs Slashed.
    for later in tx[index + 1 :]:
        if later.contract is STAKES and later.event == "Credited":
            continue
        if later.contract is STAKES and later.event == "Slashed":
            return "slash_share"
        break
    if trigger is None:
        return None
    event, args = trigger.event, trigger.args
    if trigger.contract is GAME and event == "GameResolved":
        won = GameStatus(int(args["outcome"])) is GameStatus.CHALLENGER_WON
        return "bond_refund" if won else "bond_award"
    if trigger.contract is MARKET and event == "JobFinalized":
        if account == args["solver"]:
            return "solver_pay"
        return "refund" if account == submitter_of(int(args["jobId"])) else "verifier_fee"
    if trigger.contract is MARKET and event in _REFUNDS:
        return "refund"
    if trigger.contract is REGISTRY and event == "JackpotPaid":
        # reveal() logs JackpotPaid and credits that winner its part right after, once per
        # drawn winner; the submitter's reimbursement is credited last.
        if previous is trigger and account == args["winner"] and int(args["amount"]) > 0:
            return "jackpot"
        return "honeypot_reimbursement"
    if trigger.contract is REGISTRY and event == "HoneypotReimbursed":
        return "honeypot_reimbursement"  # no drawn winner: no jackpot, the reimbursement only
    return None
