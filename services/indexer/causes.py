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
_REFUNDS = {"JobCancelled", "JobExpired", "JobFailed"}


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
    jackpot_paid = False
    for i, lg in enumerate(logs):
        if lg.contract is not STAKES:
            trigger = lg
            continue
        cause: str | None = None
        if lg.event == "Credited":
            cause = _credit_cause(lg, logs, i, trigger, submitter_of, jackpot_paid)
            jackpot_paid = jackpot_paid or cause == "jackpot"
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


def _credit_cause(
    lg: ChainLog,
    tx: Sequence[ChainLog],
    index: int,
    trigger: ChainLog | None,
    submitter_of: Callable[[int], str | None],
    jackpot_paid: bool,
) -> str | None:
    # StakeManager.slash credits the beneficiary and the treasury, then logs Slashed.
    for later in tx[index + 1 :]:
        if later.contract is STAKES and later.event == "Credited":
            continue
        if later.contract is STAKES and later.event == "Slashed":
            return "slash_share"
        break
    if trigger is None:
        return None
    account, event, args = lg.args["account"], trigger.event, trigger.args
    if trigger.contract is GAME and event == "GameResolved":
        won = GameStatus(int(args["outcome"])) is GameStatus.CHALLENGER_WON
        return "bond_refund" if won else "bond_award"
    if trigger.contract is MARKET and event == "JobFinalized":
        if account == args["solver"]:
            return "solver_pay"
        return "refund" if account == submitter_of(int(args["jobId"])) else "verifier_fee"
    if trigger.contract is MARKET and event in _REFUNDS:
        return "refund"
    if trigger.contract is REGISTRY and event in ("ForcedErrorRevealed", "HoneypotReimbursed"):
        # reveal() credits the jackpot to the winning challenger first, then the reimbursement.
        revealed = next((r.args for r in tx if r.event == "ForcedErrorRevealed"), {})
        winner, jackpot = revealed.get("winningChallenger"), int(revealed.get("jackpot", 0))
        first_to_winner = not jackpot_paid and jackpot > 0 and account == winner
        return "jackpot" if first_to_winner else "honeypot_reimbursement"
    return None
