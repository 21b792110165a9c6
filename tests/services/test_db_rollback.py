"""Reorg rollback: rows, transitions and snapshots from after the fork block are undone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assay.protocol.types import GameStatus, JobStatus, Party, Role
from services.db import make_engine, upgrade
from services.db.enums import MoveKind, StakeEventKind
from services.db.models import (
    Attestation,
    Game,
    GameMove,
    IndexedBlock,
    IndexerCursor,
    Job,
    JobAssignment,
    Stake,
    StakeEvent,
)
from services.db.rollback import rollback_to
from tests.services import pg
from tests.services.db_rows import ADDR, OTHER, deployment, event_at, h, job

SOLVER, CHALLENGER, VERIFIER = ADDR, OTHER, "0x" + "ef" * 20


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of each backend holding `_history`."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'assay.db'}"
        upgrade(url)
        eng = make_engine(url)
        yield eng
        eng.dispose()
    else:
        with pg.fresh_database() as url:
            upgrade(url)
            eng = make_engine(url)
            yield eng
            eng.dispose()


def _move(dep: int, block: int, kind: MoveKind, **state: object) -> GameMove:
    base: dict[str, object] = {
        "status": GameStatus.STEP_BISECTION,
        "turn": Party.SOLVER,
        "lo": 0,
        "hi": 8,
        "lo_hash": h(3),
        "hi_hash": h(9),
        "rounds": 0,
        "last_move_at": 1_000 + block,
    }
    return GameMove(**event_at(dep, block), game_id=1, kind=kind, **{**base, **state})


def _stake_event(dep: int, block: int, kind: StakeEventKind, *, locked: int) -> StakeEvent:
    return StakeEvent(
        **event_at(dep, block, log_index=1),
        account=SOLVER,
        role=Role.SOLVER,
        kind=kind,
        amount=10**18,
        total=5 * 10**18,
        locked=locked,
        pending_withdrawal=0,
        withdrawable_at=0,
        registered=True,
    )


def _history(session: Session) -> int:
    """Posted @10, claimed @12, submitted + assigned @14, game started @15, opened @16 (and an
    attestation), narrowed @17; the solver's stake deposited @5, locked @12 and @14."""
    dep = deployment(session)
    posted = job(dep, job_id=1, block=10)
    posted.status = JobStatus.SUBMITTED
    posted.solver, posted.stake_locked, posted.solve_deadline = SOLVER, 2 * 10**18, 5_000
    posted.claimed_at, posted.claimed_block, posted.claimed_tx = 1_012, 12, h(20_012)
    posted.final_state, posted.trace_root, posted.artifact_uri = h(9), h(8), "assay://result"
    posted.submitted_at, posted.submitted_block, posted.submitted_tx = 1_014, 14, h(20_014)
    session.add(posted)
    session.add(JobAssignment(**event_at(dep, 14, 2), job_id=1, verifier=VERIFIER, position=0))
    session.flush()
    session.add(Attestation(**event_at(dep, 16, 3), job_id=1, verifier=VERIFIER))

    narrowed = {"lo": 4, "hi": 8, "lo_hash": h(4), "rounds": 1, "turn": Party.SOLVER}
    game = _move(dep, 17, MoveKind.NARROWED, **narrowed)
    session.add(
        Game(
            **event_at(dep, 15),
            game_id=1,
            job_id=1,
            challenger=CHALLENGER,
            solver=SOLVER,
            steps=8,
            bond=10**17,
            updated_block=17,
            updated_at=1_017,
            **game.snapshot(),
        )
    )
    session.flush()
    session.add_all(
        [
            _move(dep, 15, MoveKind.STARTED),
            _move(dep, 16, MoveKind.OPENED, turn=Party.CHALLENGER, positions=[4], hashes=[h(4)]),
            game,
        ]
    )
    stake_events = [
        _stake_event(dep, 5, StakeEventKind.DEPOSITED, locked=0),
        _stake_event(dep, 12, StakeEventKind.LOCKED, locked=2 * 10**18),
        _stake_event(dep, 14, StakeEventKind.LOCKED, locked=3 * 10**18),
    ]
    session.add_all(stake_events)
    session.add(
        Stake(
            deployment_id=dep,
            account=SOLVER,
            role=Role.SOLVER,
            updated_block=14,
            updated_at=1_014,
            **stake_events[-1].snapshot(),
        )
    )
    session.add_all(
        IndexedBlock(deployment_id=dep, number=n, hash=h(10_000 + n), parent_hash=h(n), time=n)
        for n in range(10, 18)
    )
    session.add(
        IndexerCursor(
            deployment_id=dep,
            last_block=17,
            last_block_hash=h(10_017),
            updated_at=datetime.now(UTC),
        )
    )
    return dep


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_rollback_into_a_game_restores_it_to_its_newest_surviving_move(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        dep = _history(session)
    with Session(engine) as session, session.begin():
        counts = rollback_to(session, dep, 15)
    assert counts["game_moves"] == 2 and counts["attestations"] == 1

    with Session(engine) as session:
        game = session.get_one(Game, (dep, 1))
        assert (game.lo, game.hi, game.rounds, game.turn) == (0, 8, 0, Party.SOLVER)
        assert (game.updated_block, game.updated_at) == (15, 1_015)
        assert [m.kind for m in game.moves] == [MoveKind.STARTED]
        assert session.get_one(Job, (dep, 1)).status is JobStatus.SUBMITTED
        assert _count(session, Attestation) == 0 and _count(session, JobAssignment) == 1
        stake = session.get_one(Stake, (dep, SOLVER, Role.SOLVER))
        assert stake.locked == 3 * 10**18  # its newest event (@14) survived
        cursor = session.get_one(IndexerCursor, dep)
        assert (cursor.last_block, cursor.last_block_hash) == (15, h(10_015))
        assert session.scalar(select(func.max(IndexedBlock.number))) == 15


def test_rollback_before_a_claim_reopens_the_job_and_drops_its_game(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        dep = _history(session)
    with Session(engine) as session, session.begin():
        rollback_to(session, dep, 11)

    with Session(engine) as session:
        posted = session.get_one(Job, (dep, 1))
        assert posted.status is JobStatus.OPEN
        assert (posted.solver, posted.claimed_block, posted.final_state) == (None, None, None)
        assert posted.budget == 10**18  # JobPosted's own columns are kept
        assert _count(session, Game) == _count(session, GameMove) == 0
        assert _count(session, JobAssignment) == 0
        stake = session.get_one(Stake, (dep, SOLVER, Role.SOLVER))
        assert (stake.locked, stake.updated_block, stake.free) == (0, 5, 5 * 10**18)


def test_rollback_before_everything_deletes_the_projections_too(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        dep = _history(session)
    with Session(engine) as session, session.begin():
        rollback_to(session, dep, 4)

    with Session(engine) as session:
        assert _count(session, Job) == _count(session, Stake) == _count(session, StakeEvent) == 0
        assert session.get_one(IndexerCursor, dep).last_block == 4


def test_rollback_clears_a_terminal_transition_and_recomputes_the_status(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        dep = _history(session)
        posted = session.get_one(Job, (dep, 1))
        posted.outcome, posted.status, posted.solver_pay = (
            JobStatus.FINALIZED,
            JobStatus.FINALIZED,
            1,
        )
        posted.settled_at, posted.settled_block, posted.settled_tx = 1_020, 20, h(20_020)
    with Session(engine) as session, session.begin():
        counts = rollback_to(session, dep, 19)
    assert counts == {"jobs.settled": 1}

    with Session(engine) as session:
        posted = session.get_one(Job, (dep, 1))
        assert posted.status is JobStatus.SUBMITTED
        assert (posted.outcome, posted.solver_pay, posted.settled_block) == (None, None, None)
