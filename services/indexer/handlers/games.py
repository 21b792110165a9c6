"""DisputeGame and RefereeCourt: games kept at their newest move's state, every move with the
state after it, adjudication requests, scheduled draws, committee rounds, members and votes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from services.db.enums import MoveKind, ProtocolContract
from services.db.models import (
    AdjudicationRequest,
    AdjudicationVote,
    CommitteeDraw,
    CommitteeMember,
    CommitteeRound,
    Game,
    GameMove,
    Job,
)
from services.indexer.causes import TxContext
from services.indexer.decode import ChainLog
from services.indexer.handlers.base import Handler, Key, params_changed
from services.indexer.state import (
    MOVE_PARTY,
    GameSnapshot,
    GameTerms,
    game_moved,
    game_started,
)

if TYPE_CHECKING:
    from services.indexer.project import Projector

log = structlog.get_logger(__name__)

DG = ProtocolContract.DISPUTE_GAME
RC = ProtocolContract.REFEREE_COURT


def _terms(job: Job) -> GameTerms:
    return GameTerms(
        solver=job.solver,
        initial_state=job.initial_state,
        final_state=job.final_state,
        clock_budget=job.clock_budget,
        min_clock_extension=job.min_clock_extension,
    )


def started(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """GameStarted: the game row and its first move."""
    a = lg.args
    game_id, job = int(a["gameId"]), p.job(int(a["jobId"]))
    if job is None:
        return
    state = game_started(_terms(job), int(a["steps"]), p.time(lg))
    p.insert(
        Game,
        lg,
        game_id=game_id,
        job_id=job.job_id,
        challenger=a["challenger"],
        solver=job.solver,
        steps=a["steps"],
        bond=a["bond"],
        updated_block=lg.block_number,
        updated_at=p.time(lg),
        **state.columns(),
    )
    _move(p, lg, game_id, MoveKind.STARTED, state)


def moved(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """Any later DisputeGame event: a move row; the game follows only if the row is new."""
    game: Game | None = p.get(Game, int(lg.args["gameId"]))
    if game is None:
        log.warning("indexer.unknown_game", game=int(lg.args["gameId"]), event=lg.event)
        return
    kind = MoveKind(lg.event)
    state = game_moved(
        GameSnapshot.of(game), kind, lg.args, p.time(lg), _terms(game.job), game.challenger
    )
    if kind is MoveKind.ADJUDICATION_REQUESTED:
        p.insert(
            AdjudicationRequest,
            lg,
            request_id=int(lg.args["requestId"]),
            game_id=game.game_id,
            job_id=game.job_id,
            step=lg.args["step"],
            op_index=lg.args["opIndex"],
            input_hash=game.lo_hash,  # the agreed record r_{j-1}
            claimed_output=game.hi_hash,  # the solver's r_j
        )
    if _move(p, lg, game.game_id, kind, state):
        for name, value in state.columns().items():
            setattr(game, name, value)
        game.updated_block, game.updated_at = lg.block_number, p.time(lg)


def _move(p: Projector, lg: ChainLog, game_id: int, kind: MoveKind, state: GameSnapshot) -> bool:
    opened = kind is MoveKind.OPENED
    return p.insert(
        GameMove,
        lg,
        game_id=game_id,
        kind=kind,
        party=MOVE_PARTY[kind],
        positions=list(lg.args["positions"]) if opened else None,
        hashes=list(lg.args["hashes"]) if opened else None,
        **state.columns(),
    )


def draw_scheduled(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """A round's draw scheduled at a block (logged before AdjudicationRequested for round 1)."""
    a = lg.args
    game_id = int(a["gameId"])
    if p.get(Game, game_id) is None:
        log.warning("indexer.unknown_game", game=game_id, event=lg.event)
        return
    p.insert(
        CommitteeDraw,
        lg,
        request_id=a["requestId"],
        round=a["round"],
        game_id=game_id,
        draw_block=a["drawBlock"],
    )


def committee_drawn(p: Projector, lg: ChainLog, _: TxContext) -> None:
    """A committee round and its members (drawn by `drawCommittee`, after the request's block)."""
    a = lg.args
    request_id, round_ = int(a["requestId"]), int(a["round"])
    p.insert(
        CommitteeRound,
        lg,
        request_id=request_id,
        round=round_,
        game_id=a["gameId"],
        deadline=a["deadline"],
        size=len(a["referees"]),
    )
    p.insert_all(
        CommitteeMember,
        [
            p.place(lg) | {"request_id": request_id, "round": round_, "referee": r, "position": i}
            for i, r in enumerate(a["referees"])
        ],
    )


def voted(p: Projector, lg: ChainLog, _: TxContext) -> None:
    a = lg.args
    p.insert(
        AdjudicationVote,
        lg,
        request_id=a["requestId"],
        round=a["round"],
        referee=a["referee"],
        output=a["output"],
    )


def referee_slashed(p: Projector, lg: ChainLog, _: TxContext) -> None:
    a = lg.args
    member = p.get(CommitteeMember, int(a["requestId"]), int(a["round"]), a["referee"])
    p.transition(member, "slashed", lg, no_show=bool(a["noShow"]))


def decided(p: Projector, lg: ChainLog, _: TxContext) -> None:
    a = lg.args
    request = p.get(AdjudicationRequest, int(a["requestId"]))
    p.transition(request, "decided", lg, decision=a["output"], decided_votes=a["votes"])


def no_majority(p: Projector, lg: ChainLog, _: TxContext) -> None:
    a = lg.args
    p.transition(p.get(CommitteeRound, int(a["requestId"]), int(a["round"])), "no_majority", lg)


IGNORED: set[Key] = set()

HANDLERS: dict[Key, Handler] = {
    (DG, MoveKind.STARTED.value): started,
    **{(DG, kind.value): moved for kind in MoveKind if kind is not MoveKind.STARTED},
    (RC, "DrawScheduled"): draw_scheduled,
    (RC, "CommitteeDrawn"): committee_drawn,
    (RC, "Voted"): voted,
    (RC, "RefereeSlashed"): referee_slashed,
    (RC, "Decided"): decided,
    (RC, "NoMajority"): no_majority,
    (RC, "ParamsSet"): params_changed,
}
