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
    ChallengeWindowRestart,
    CommitteeDraw,
    Game,
    GameMove,
    IndexedBlock,
    IndexerCursor,
    Job,
    JobAssignment,
    JobWinner,
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


def _restart(dep: int, block: int, previous: tuple[int, int]) -> ChallengeWindowRestart:
    return ChallengeWindowRestart(
        **event_at(dep, block, 4),
        job_id=1,
        seats_filled=2,
        window_start=1_000 + block,
        challenge_deadline=1_600 + block,
        previous_window_start=previous[0],
        previous_deadline=previous[1],
    )


def _with_restarts(session: Session) -> int:
    """`_history`, its job's window opened at submission (@14) and restarted @18 and @20."""
    dep = _history(session)
    posted = session.get_one(Job, (dep, 1))
    posted.window_start, posted.challenge_deadline = 1_020, 1_620
    session.add_all([_restart(dep, 18, (1_014, 1_614)), _restart(dep, 20, (1_018, 1_618))])
    return dep


@pytest.mark.parametrize(
    ("fork", "window", "restarts"),
    [
        (20, (1_020, 1_620), 2),  # nothing after the fork
        (19, (1_018, 1_618), 1),  # the window the @20 restart replaced
        (17, (1_014, 1_614), 0),  # back to the submission's window
        (13, (None, None), 0),  # the submission is gone too: no window at all
    ],
)
def test_rollback_of_window_restarts_puts_back_the_window_they_replaced(
    engine: Engine, fork: int, window: tuple[int | None, int | None], restarts: int
) -> None:
    with Session(engine) as session, session.begin():
        dep = _with_restarts(session)
    with Session(engine) as session, session.begin():
        rollback_to(session, dep, fork)

    with Session(engine) as session:
        posted = session.get_one(Job, (dep, 1))
        assert (posted.window_start, posted.challenge_deadline) == window
        assert _count(session, ChallengeWindowRestart) == restarts


def _with_a_winner(session: Session) -> int:
    """`_history`, its game's draw scheduled @16, the challenger's win @20, its share and
    jackpot paid @22."""
    dep = _history(session)
    session.add(
        CommitteeDraw(**event_at(dep, 16, 5), request_id=1, round=1, game_id=1, draw_block=16)
    )
    session.add(
        JobWinner(
            **event_at(dep, 20, 6),
            job_id=1,
            challenger=CHALLENGER,
            game_id=1,
            drawn=True,
            adjudicated=True,
            step=3,
            op_index=4,
            paid_amount=10**17,
            paid_at=1_022,
            paid_block=22,
            paid_tx=h(20_022),
            jackpot=3 * 10**17,
            jackpot_at=1_022,
            jackpot_block=22,
            jackpot_tx=h(20_022),
        )
    )
    return dep


def test_rollback_clears_a_winners_payouts_then_its_win_then_the_scheduled_draw(
    engine: Engine,
) -> None:
    with Session(engine) as session, session.begin():
        dep = _with_a_winner(session)
    with Session(engine) as session, session.begin():
        counts = rollback_to(session, dep, 21)
    assert counts == {"job_winners.paid": 1, "job_winners.jackpot": 1}
    with Session(engine) as session:
        winner = session.get_one(JobWinner, (dep, 1, CHALLENGER))
        assert (winner.paid_amount, winner.paid_block, winner.jackpot, winner.jackpot_tx) == (
            None,
            None,
            None,
            None,
        )
        assert (winner.drawn, winner.adjudicated, winner.step, winner.op_index) == (
            True,
            True,
            3,
            4,
        )

    with Session(engine) as session, session.begin():
        rollback_to(session, dep, 19)
    with Session(engine) as session:
        assert _count(session, JobWinner) == 0 and _count(session, CommitteeDraw) == 1

    with Session(engine) as session, session.begin():
        rollback_to(session, dep, 15)
    with Session(engine) as session:
        assert _count(session, CommitteeDraw) == 0
