"""Carry out chain actions through the bindings; "already done by someone else" counts as success.

A move can lose a race: another verifier finalized first, the game moved on, the committee
resolved. The contract then reverts with a named error that means the action's goal is already
met; `ALREADY_DONE` lists those per action. Any other revert is logged with its decoded sentence
and the action is simply decided again next tick (state is re-read, so a stale action is not
repeated blindly).
"""

from __future__ import annotations

import enum
from typing import Any

import structlog
from web3.types import TxReceipt

from assay.agents.actions import (
    Attest,
    ChainAction,
    Challenge,
    Choose,
    ClaimCredit,
    ClaimJob,
    ClaimWinnerShare,
    CommitOpTrace,
    DrawCommittee,
    DrawVerifiers,
    ExpireUnverified,
    Finalize,
    Move,
    Open,
    ReleaseVerifiers,
    ResolveAdjudication,
    SettleFailure,
    SubmitResult,
    Timeout,
    Vote,
    describe,
)
from assay.chain.bindings.game import DisputeGame
from assay.chain.deploy import ProtocolContracts
from assay.chain.errors import ChainError, RevertError

log = structlog.get_logger(__name__)

_MOVED = frozenset({"NotYourTurn", "StaleMove", "WrongStatus", "OpeningsMismatch"})

ALREADY_DONE: dict[type, frozenset[str]] = {
    ClaimJob: frozenset({"WrongStatus"}),  # claimed (by us on a retry, or by another solver)
    SubmitResult: frozenset({"WrongStatus"}),  # already Submitted
    Attest: frozenset({"AlreadyAttested"}),
    Challenge: frozenset({"GameAlreadyOpen", "AlreadyChallenged"}),
    Finalize: frozenset({"WrongStatus"}),  # already Finalized (or Failed)
    SettleFailure: frozenset({"AlreadySettled"}),
    ReleaseVerifiers: frozenset({"AlreadySettled"}),
    DrawVerifiers: frozenset({"SeatsFull", "WrongStatus"}),  # filled (by anyone) or settled
    ExpireUnverified: frozenset({"SeatsFilled", "WrongStatus"}),
    ClaimWinnerShare: frozenset({"NothingToClaim"}),  # claimed already
    Open: _MOVED,
    Choose: _MOVED,
    CommitOpTrace: _MOVED,
    Timeout: frozenset({"WrongStatus"}),  # already resolved
    Vote: frozenset({"AlreadyVoted"}),
    ResolveAdjudication: frozenset({"AlreadyResolved"}),
    # another referee (or a party) drew it first, or the request was decided meanwhile
    DrawCommittee: frozenset({"AlreadyDrawn", "AlreadyResolved"}),
    ClaimCredit: frozenset({"NoCredit"}),
}


class Outcome(enum.Enum):
    """What became of one action."""

    SENT = "sent"
    ALREADY_DONE = "already_done"
    FAILED = "failed"


def context(action: ChainAction) -> dict[str, Any]:
    """The ids an action is about, for bound log context (job=…, game=…, request=…)."""
    out: dict[str, Any] = {}
    for name, label in (("job_id", "job"), ("game_id", "game"), ("request_id", "request")):
        if hasattr(action, name):
            out[label] = int(getattr(action, name))
    return out


class Responder:
    """Sends actions as the account of `protocol` (its bindings share one TxSender)."""

    def __init__(self, protocol: ProtocolContracts) -> None:
        self.protocol = protocol

    def execute(self, action: ChainAction) -> Outcome:
        """Send `action`; SENT, ALREADY_DONE (a benign revert) or FAILED (retry next tick)."""
        bound = log.bind(action=describe(action), **context(action))
        try:
            self._send(action)
        except RevertError as err:
            if err.name in ALREADY_DONE.get(type(action), frozenset()):
                bound.info("agent.already_done", error=err.name)
                return Outcome.ALREADY_DONE
            bound.warning("agent.reverted", error=err.name, reason=err.message)
            return Outcome.FAILED
        except ChainError as err:
            bound.warning("agent.send_failed", reason=str(err))
            self.protocol.market.sender.resync_nonce()
            return Outcome.FAILED
        except Exception as err:  # one malformed action must not stop the agent's other work
            bound.error("agent.action_failed", reason=f"{type(err).__name__}: {err}")
            return Outcome.FAILED
        bound.info("agent.sent")
        return Outcome.SENT

    def _send(self, a: ChainAction) -> None:
        p = self.protocol
        if isinstance(a, ClaimJob):
            p.market.claim_job(a.job_id)
        elif isinstance(a, SubmitResult):
            p.market.submit_result(
                a.job_id, a.final_state, a.trace_root, a.artifact_uri, a.sealed_tag
            )
        elif isinstance(a, Attest):
            p.market.attest(a.job_id)
        elif isinstance(a, Challenge):
            p.game.challenge(a.job_id, a.disputed_final, a.bond)
        elif isinstance(a, Finalize):
            p.market.finalize(a.job_id)
        elif isinstance(a, SettleFailure):
            p.market.settle_failure(a.job_id)
        elif isinstance(a, ReleaseVerifiers):
            p.market.release_verifiers(a.job_id)
        elif isinstance(a, DrawVerifiers):
            p.market.draw_verifiers(a.job_id)
        elif isinstance(a, ExpireUnverified):
            p.market.expire_unverified(a.job_id)
        elif isinstance(a, ClaimWinnerShare):
            p.market.claim_winner_share(a.job_id)
        elif isinstance(a, Open | Choose | CommitOpTrace):
            send_move(p.game, a)
        elif isinstance(a, Timeout):
            p.game.timeout(a.game_id)
        elif isinstance(a, Vote):
            p.court.vote(a.request_id, a.output)
        elif isinstance(a, ResolveAdjudication):
            p.court.resolve(a.request_id)
        elif isinstance(a, DrawCommittee):
            p.court.draw_committee(a.request_id)
        elif isinstance(a, ClaimCredit):
            p.stakes.claim()
        else:  # pragma: no cover - the union is exhaustive
            raise TypeError(f"no responder for {type(a).__name__}")


def send_move(game: DisputeGame, move: Move) -> TxReceipt:
    """Send one bisection move as `game`'s sender; raises on a revert (`Responder.execute` is the
    forgiving path; tests that read the receipt call this directly)."""
    if isinstance(move, Open):
        return game.open(move.game_id, move.lo, move.hi, move.hashes, move.proofs)
    if isinstance(move, Choose):
        return game.choose(move.game_id, move.lo, move.hi, move.openings, move.index, move.disputed)
    return game.commit_op_trace(
        move.game_id, move.op_root, move.n_ops, move.first_proof, move.last_proof
    )
