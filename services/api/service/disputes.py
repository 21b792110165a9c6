"""Dispute games: the filtered, paginated list and one game with its bisection and court."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.protocol.types import GameId, GameStatus, Party
from services.api.errors import NotFoundError
from services.api.pagination import decode_cursor, newest_first
from services.api.schemas.common import DisputeState, MoveName, PartyName, name_of, wei
from services.api.schemas.disputes import (
    Adjudication,
    Bisection,
    Clocks,
    CommitteeMemberOut,
    CommitteeRoundOut,
    DisputeDetail,
    DisputePage,
    DisputeSummary,
    Move,
    MoveState,
    PendingDraw,
)
from services.api.service.deployments import resolve_deployment
from services.db.models import (
    AdjudicationRequest,
    AdjudicationVote,
    CommitteeDraw,
    CommitteeMember,
    CommitteeRound,
    Game,
    GameState,
)

LISTING = "disputes"


def list_disputes(
    session: Session,
    *,
    deployment: int | None,
    statuses: Sequence[DisputeState] = (),
    job_id: int | None = None,
    challenger: str | None = None,
    solver: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> DisputePage:
    """Games newest first (by game id), filtered; `cursor` continues a previous page."""
    after = decode_cursor(cursor, LISTING) if cursor else None
    dep = resolve_deployment(session, deployment, after)
    if dep is None:
        return DisputePage(items=[], next_cursor=None, limit=limit)
    query = select(Game).where(Game.deployment_id == dep)
    if statuses:
        query = query.where(Game.status.in_([GameStatus[s.name] for s in statuses]))
    if job_id is not None:
        query = query.where(Game.job_id == job_id)
    if challenger is not None:
        query = query.where(Game.challenger == challenger.lower())
    if solver is not None:
        query = query.where(Game.solver == solver.lower())
    page, next_cursor = newest_first(
        session, query, Game.game_id, listing=LISTING, deployment=dep, after=after, limit=limit
    )
    return DisputePage(
        items=[dispute_summary(row) for row in page], next_cursor=next_cursor, limit=limit
    )


def get_dispute(session: Session, game_id: GameId, *, deployment: int | None) -> DisputeDetail:
    """One game: where the bisection stands, the clocks, every move, the court's rounds."""
    dep = resolve_deployment(session, deployment)
    game = None if dep is None else session.get(Game, (dep, game_id))
    if game is None:
        where = "the database has no deployment yet" if dep is None else f"deployment {dep}"
        raise NotFoundError(
            f"no dispute game {game_id} in {where}; list them with GET /v1/disputes"
        )
    return DisputeDetail(
        **dispute_summary(game).model_dump(),
        steps=game.steps,
        bisection=_bisection(game),
        clocks=_clocks(game),
        moves=[
            Move(
                kind=MoveName(name_of(m.kind)),
                party=_party(m.party),
                actor=m.actor,
                block_number=m.block_number,
                block_time=m.block_time,
                tx_hash=m.tx_hash,
                log_index=m.log_index,
                positions=m.positions,
                hashes=m.hashes,
                state=_state(m),
            )
            for m in game.moves
        ],
        adjudications=_adjudications(session, game),
    )


def dispute_summary(game: Game) -> DisputeSummary:
    """The list view of a game row."""
    return DisputeSummary(
        deployment_id=game.deployment_id,
        game_id=game.game_id,
        job_id=game.job_id,
        status=DisputeState(name_of(game.status)),
        phase=game.phase,
        challenger=game.challenger,
        solver=game.solver,
        bond=wei(game.bond),
        started_at=game.block_time,
        updated_at=game.updated_at,
        winner=game.winner,
        reason=game.reason,
    )


def _party(party: Party | None) -> PartyName | None:
    return None if party is None else PartyName(name_of(party))


def _bisection(game: Game) -> Bisection:
    turn_account = {Party.SOLVER: game.solver, Party.CHALLENGER: game.challenger}
    return Bisection(
        lo=game.lo,
        hi=game.hi,
        width=max(game.hi - game.lo, 0),
        lo_hash=game.lo_hash,
        hi_hash=game.hi_hash,
        rounds=game.rounds,
        step=game.step,
        n_ops=game.n_ops,
        op_root=game.op_root,
        request_id=game.request_id,
        turn=_party(game.turn),
        turn_account=None if game.turn is None else turn_account.get(game.turn),
    )


def _clocks(game: Game) -> Clocks:
    left = {Party.SOLVER: game.solver_clock, Party.CHALLENGER: game.challenger_clock}
    clock = None if game.turn is None else left.get(game.turn)
    return Clocks(
        last_move_at=game.last_move_at,
        solver_s=game.solver_clock,
        challenger_s=game.challenger_clock,
        turn_deadline=None if clock is None else game.last_move_at + clock,
    )


def _state(move: GameState) -> MoveState:
    return MoveState(
        status=DisputeState(name_of(move.status)),
        turn=_party(move.turn),
        lo=move.lo,
        hi=move.hi,
        lo_hash=move.lo_hash,
        hi_hash=move.hi_hash,
        rounds=move.rounds,
        step=move.step,
        n_ops=move.n_ops,
        op_root=move.op_root,
        request_id=move.request_id,
        solver_clock=move.solver_clock,
        challenger_clock=move.challenger_clock,
        winner=move.winner,
        reason=move.reason,
    )


def _adjudications(session: Session, game: Game) -> list[Adjudication]:
    dep = game.deployment_id
    requests = session.scalars(
        select(AdjudicationRequest)
        .where(
            AdjudicationRequest.deployment_id == dep, AdjudicationRequest.game_id == game.game_id
        )
        .order_by(AdjudicationRequest.request_id)
    ).all()
    if not requests:
        return []
    ids = [r.request_id for r in requests]
    rounds = session.scalars(
        select(CommitteeRound)
        .where(CommitteeRound.deployment_id == dep, CommitteeRound.request_id.in_(ids))
        .order_by(CommitteeRound.request_id, CommitteeRound.round)
    ).all()
    members = session.scalars(
        select(CommitteeMember)
        .where(CommitteeMember.deployment_id == dep, CommitteeMember.request_id.in_(ids))
        .order_by(CommitteeMember.position)
    ).all()
    votes = {
        (v.request_id, v.round, v.referee): v.output
        for v in session.scalars(
            select(AdjudicationVote).where(
                AdjudicationVote.deployment_id == dep, AdjudicationVote.request_id.in_(ids)
            )
        )
    }
    members_of: defaultdict[tuple[int, int], list[CommitteeMemberOut]] = defaultdict(list)
    for m in members:
        members_of[(m.request_id, m.round)].append(
            CommitteeMemberOut(
                referee=m.referee,
                output=votes.get((m.request_id, m.round, m.referee)),
                slashed=m.slashed_block is not None,
                no_show=m.no_show,
            )
        )
    draws = session.scalars(
        select(CommitteeDraw)
        .where(CommitteeDraw.deployment_id == dep, CommitteeDraw.request_id.in_(ids))
        .order_by(CommitteeDraw.block_number, CommitteeDraw.log_index)
    ).all()
    drawn = {(r.request_id, r.round) for r in rounds}
    rounds_of: defaultdict[int, list[CommitteeRoundOut]] = defaultdict(list)
    for r in rounds:
        rounds_of[r.request_id].append(
            CommitteeRoundOut(
                round=r.round,
                deadline=r.deadline,
                size=r.size,
                no_majority_at=r.no_majority_at,
                members=members_of[(r.request_id, r.round)],
            )
        )
    return [
        Adjudication(
            request_id=r.request_id,
            step=r.step,
            op_index=r.op_index,
            input_hash=r.input_hash,
            claimed_output=r.claimed_output,
            decision=r.decision,
            decided_votes=r.decided_votes,
            decided_at=r.decided_at,
            rounds=rounds_of[r.request_id],
            pending_draw=None if r.decided_block is not None else pending_draw(draws, r, drawn),
        )
        for r in requests
    ]


def pending_draw(
    draws: Sequence[CommitteeDraw], request: AdjudicationRequest, drawn: set[tuple[int, int]]
) -> PendingDraw | None:
    """The newest schedule of `request`'s rounds whose committee is not drawn yet (a draw
    whose randomness expired is scheduled again: the newest schedule counts)."""
    pending = [
        d
        for d in draws
        if d.request_id == request.request_id and (d.request_id, d.round) not in drawn
    ]
    if not pending:
        return None
    newest = pending[-1]
    return PendingDraw(
        round=newest.round, draw_block=newest.draw_block, scheduled_at=newest.block_time
    )
