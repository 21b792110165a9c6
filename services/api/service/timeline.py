"""A job's history as one list in chain order, assembled from every row that mentions it.

Event rows carry their log index; the job row's lifecycle columns (claimed, submitted,
settled…) keep only block, time and transaction. Those sort first within their block, except a
failure, which the resolution of the game that failed the job precedes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.protocol.types import JobStatus
from services.api.schemas.common import MoveName, name_of, wei, wei_or_none
from services.api.schemas.jobs import TimelineEvent, TimelineKind
from services.db.enums import CreditEventKind, MoveKind, StakeEventKind
from services.db.models import (
    ChallengeWindowRestart,
    CreditEvent,
    ForcedErrorReveal,
    GameMove,
    Job,
    StakeEvent,
)

_OUTCOMES = {
    JobStatus.FINALIZED: TimelineKind.FINALIZED,
    JobStatus.FAILED: TimelineKind.FAILED,
    JobStatus.CANCELLED: TimelineKind.CANCELLED,
    JobStatus.EXPIRED: TimelineKind.EXPIRED,
}
_LAST_IN_BLOCK = 2**31


def job_timeline(session: Session, job: Job) -> list[TimelineEvent]:
    """Every event of the job, oldest first."""
    events = [
        *_lifecycle(job),
        *_assignments_and_attestations(job),
        *_window_restarts(session, job),
        *_dispute_moves(session, job),
        *_money(session, job),
    ]

    def order(event: TimelineEvent) -> tuple[int, int]:
        if event.log_index is not None:
            return (event.block_number, event.log_index)
        last = event.kind is TimelineKind.FAILED
        return (event.block_number, _LAST_IN_BLOCK if last else -1)

    return sorted(events, key=order)


def _at(row: Any) -> dict[str, Any]:
    """The chain position of an event row."""
    return {
        "block_number": row.block_number,
        "block_time": row.block_time,
        "tx_hash": row.tx_hash,
        "log_index": row.log_index,
    }


def _group(job: Job, group: str) -> dict[str, Any] | None:
    """The chain position of a transition group of the job row; None if not written yet."""
    block = getattr(job, f"{group}_block")
    if block is None:
        return None
    return {
        "block_number": block,
        "block_time": getattr(job, f"{group}_at"),
        "tx_hash": getattr(job, f"{group}_tx"),
        "log_index": None,
    }


def _lifecycle(job: Job) -> Iterator[TimelineEvent]:
    yield TimelineEvent(
        kind=TimelineKind.POSTED, **_at(job), account=job.submitter, amount=wei(job.budget)
    )
    if (at := _group(job, "claimed")) is not None:
        yield TimelineEvent(
            kind=TimelineKind.CLAIMED,
            **at,
            account=job.solver,
            amount=wei_or_none(job.stake_locked),
        )
    if (at := _group(job, "submitted")) is not None:
        yield TimelineEvent(kind=TimelineKind.SUBMITTED, **at, account=job.solver)
    if (at := _group(job, "settled")) is not None and job.outcome is not None:
        kind = _OUTCOMES[job.outcome]
        if kind is TimelineKind.FINALIZED:
            yield TimelineEvent(
                kind=kind, **at, account=job.solver, amount=wei_or_none(job.solver_pay)
            )
        elif kind is TimelineKind.FAILED:
            yield TimelineEvent(
                kind=kind, **at, account=job.winning_challenger, note=job.fail_reason
            )
        elif job.seats_needed is not None:
            note = f"unverified: {job.seats_filled} of {job.seats_needed} verifier seats filled"
            yield TimelineEvent(kind=kind, **at, note=note)
        else:
            yield TimelineEvent(kind=kind, **at)
    if (at := _group(job, "solver_settled")) is not None:
        yield TimelineEvent(
            kind=TimelineKind.FAILURE_SETTLED,
            **at,
            account=job.solver,
            amount=wei_or_none(job.solver_slashed),
        )
    if (at := _group(job, "verifiers_released")) is not None:
        yield TimelineEvent(kind=TimelineKind.VERIFIERS_RELEASED, **at)
    if (at := _group(job, "forced_error")) is not None:
        yield TimelineEvent(
            kind=TimelineKind.FORCED_ERROR_MARKED,
            **at,
            account=job.forced_error_challenger,
            amount=wei_or_none(job.attesters_slashed),
        )


def _assignments_and_attestations(job: Job) -> Iterator[TimelineEvent]:
    for assignment in job.assignments:
        yield TimelineEvent(
            kind=TimelineKind.VERIFIER_ASSIGNED, **_at(assignment), account=assignment.verifier
        )
    for attestation in job.attestations:
        yield TimelineEvent(
            kind=TimelineKind.ATTESTED, **_at(attestation), account=attestation.verifier
        )


def _window_restarts(session: Session, job: Job) -> Iterator[TimelineEvent]:
    restarts = session.scalars(
        select(ChallengeWindowRestart).where(
            ChallengeWindowRestart.deployment_id == job.deployment_id,
            ChallengeWindowRestart.job_id == job.job_id,
        )
    )
    for restart in restarts:
        yield TimelineEvent(
            kind=TimelineKind.CHALLENGE_WINDOW_RESTARTED,
            **_at(restart),
            note=f"{restart.seats_filled} seats filled; window closes at "
            f"{restart.challenge_deadline}",
        )


def _dispute_moves(session: Session, job: Job) -> Iterator[TimelineEvent]:
    games = {g.game_id: g for g in job.games}
    if not games:
        return
    moves = session.scalars(
        select(GameMove).where(
            GameMove.deployment_id == job.deployment_id, GameMove.game_id.in_(games)
        )
    )
    for move in moves:
        game = games[move.game_id]
        common = {**_at(move), "game_id": move.game_id, "move": MoveName(name_of(move.kind))}
        if move.kind is MoveKind.STARTED:
            yield TimelineEvent(
                kind=TimelineKind.DISPUTE_STARTED,
                **common,
                account=game.challenger,
                amount=wei(game.bond),
            )
        elif move.kind is MoveKind.RESOLVED:
            yield TimelineEvent(
                kind=TimelineKind.DISPUTE_RESOLVED, **common, account=move.winner, note=move.reason
            )
        else:
            party = None if move.party is None else name_of(move.party)
            yield TimelineEvent(
                kind=TimelineKind.DISPUTE_MOVE, **common, account=move.actor, note=party
            )


def _money(session: Session, job: Job) -> Iterator[TimelineEvent]:
    key = (job.deployment_id, job.job_id)
    reveal = session.get(ForcedErrorReveal, key)
    if reveal is not None:
        yield TimelineEvent(
            kind=TimelineKind.FORCED_ERROR_REVEALED,
            **_at(reveal),
            account=reveal.winning_challenger,
            amount=wei(reveal.jackpot),
            note=f"revealed by {reveal.whistleblower}",
        )
    credits = session.scalars(
        select(CreditEvent).where(
            CreditEvent.deployment_id == job.deployment_id,
            CreditEvent.job_id == job.job_id,
            CreditEvent.kind == CreditEventKind.CREDITED,
        )
    )
    for credit in credits:
        yield TimelineEvent(
            kind=TimelineKind.PAYOUT,
            **_at(credit),
            account=credit.account,
            amount=wei(credit.amount),
            game_id=credit.game_id,
            note=credit.cause,
        )
    slashes = session.scalars(
        select(StakeEvent).where(
            StakeEvent.deployment_id == job.deployment_id,
            StakeEvent.job_id == job.job_id,
            StakeEvent.kind == StakeEventKind.SLASHED,
        )
    )
    for slash in slashes:
        yield TimelineEvent(
            kind=TimelineKind.SLASHED,
            **_at(slash),
            account=slash.account,
            amount=wei_or_none(slash.amount),
            game_id=slash.game_id,
            note=slash.cause or name_of(slash.role),
        )
