"""Reorg rollback: forget everything indexed from blocks after a fork point.

Three kinds of rows, three rules:

- event rows (every table with ChainEvent's columns) are deleted where block_number > fork;
- transition groups (`TRANSITIONS` on Job, JobWinner, AdjudicationRequest, CommitteeRound,
  CommitteeMember) written after the fork are cleared, and job statuses recomputed
  (`Job.derive_status`);
- a job's challenge window moved after the fork (ChallengeWindowRestart rows) is put back to
  the window the oldest of those restarts replaced (before the transitions are cleared, so a
  submission after the fork still clears it);
- snapshot projections (games, stakes) updated after the fork are reset to their newest
  surviving event (GameMove, StakeEvent), or deleted when none survives.

Then the cursor moves back to the fork point and later block hashes are forgotten. All of it
runs in the caller's transaction: commit once, so a crash midway changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.db.base import metadata
from services.db.errors import RollbackError
from services.db.models import (
    AdjudicationRequest,
    ChallengeWindowRestart,
    CommitteeMember,
    CommitteeRound,
    Game,
    GameMove,
    IndexedBlock,
    IndexerCursor,
    Job,
    JobWinner,
    Stake,
    StakeEvent,
)

log = structlog.get_logger(__name__)

TRANSITION_MODELS: tuple[Any, ...] = (
    Job,
    JobWinner,
    AdjudicationRequest,
    CommitteeRound,
    CommitteeMember,
)


def rollback_to(session: Session, deployment_id: int, fork_block: int) -> dict[str, int]:
    """Undo every row and change indexed from blocks after `fork_block` in `deployment_id`.

    `fork_block` is the newest block the node still agrees with (its hash in indexed_blocks
    matches the node's). Returns the number of rows deleted or reset per table.
    """
    session.flush()
    counts: dict[str, int] = {}
    _restore_windows(session, deployment_id, fork_block, counts)
    touched_jobs = _clear_transitions(session, deployment_id, fork_block, counts)
    _delete_events(session, deployment_id, fork_block, counts)
    session.expire_all()
    _recompute_job_status(session, deployment_id, touched_jobs)
    _restore_games(session, deployment_id, fork_block, counts)
    _restore_stakes(session, deployment_id, fork_block, counts)
    _rewind_cursor(session, deployment_id, fork_block, counts)
    session.flush()
    log.info("db.rolled_back", deployment=deployment_id, fork_block=fork_block, **counts)
    return {table: n for table, n in counts.items() if n}


def _restore_windows(
    session: Session, deployment_id: int, fork_block: int, counts: dict[str, int]
) -> None:
    restarts = session.scalars(
        select(ChallengeWindowRestart)
        .where(
            ChallengeWindowRestart.deployment_id == deployment_id,
            ChallengeWindowRestart.block_number > fork_block,
        )
        .order_by(
            ChallengeWindowRestart.job_id,
            ChallengeWindowRestart.block_number,
            ChallengeWindowRestart.log_index,
        )
    ).all()
    oldest: dict[int, ChallengeWindowRestart] = {}
    for restart in restarts:
        oldest.setdefault(restart.job_id, restart)
    for job_id, restart in oldest.items():
        job = session.get(Job, (deployment_id, job_id))
        if job is not None:
            job.window_start = restart.previous_window_start
            job.challenge_deadline = restart.previous_deadline
    session.flush()
    counts["jobs.window_restored"] = len(oldest)


def _clear_transitions(
    session: Session, deployment_id: int, fork_block: int, counts: dict[str, int]
) -> set[int]:
    touched_jobs: set[int] = set()
    for model in TRANSITION_MODELS:
        groups: Mapping[str, tuple[str, ...]] = model.TRANSITIONS
        for group, data_columns in groups.items():
            block_column = getattr(model, f"{group}_block")
            where = (model.deployment_id == deployment_id, block_column > fork_block)
            if model is Job:
                touched_jobs.update(session.scalars(select(Job.job_id).where(*where)))
            cleared = dict.fromkeys((f"{group}_at", f"{group}_block", f"{group}_tx", *data_columns))
            result: Any = session.execute(
                update(model).where(*where).values(cleared),
                execution_options={"synchronize_session": False},
            )
            key = f"{model.__tablename__}.{group}"
            counts[key] = counts.get(key, 0) + int(result.rowcount or 0)
    return touched_jobs


def _delete_events(
    session: Session, deployment_id: int, fork_block: int, counts: dict[str, int]
) -> None:
    # Children first, so no foreign key ever points at a deleted row.
    for table in reversed(metadata.sorted_tables):
        if "block_number" not in table.c:  # not an event table (ChainEvent's columns)
            continue
        result: Any = session.execute(
            delete(table).where(
                table.c.deployment_id == deployment_id, table.c.block_number > fork_block
            )
        )
        counts[table.name] = int(result.rowcount or 0)


def _recompute_job_status(session: Session, deployment_id: int, job_ids: set[int]) -> None:
    if not job_ids:
        return
    jobs = session.scalars(
        select(Job).where(Job.deployment_id == deployment_id, Job.job_id.in_(job_ids))
    )
    for job in jobs:
        job.status = job.derive_status()


def _restore_games(
    session: Session, deployment_id: int, fork_block: int, counts: dict[str, int]
) -> None:
    games = session.scalars(
        select(Game).where(Game.deployment_id == deployment_id, Game.updated_block > fork_block)
    ).all()
    for game in games:
        move = session.scalars(
            select(GameMove)
            .where(GameMove.deployment_id == deployment_id, GameMove.game_id == game.game_id)
            .order_by(GameMove.block_number.desc(), GameMove.log_index.desc())
            .limit(1)
        ).first()
        if move is None:
            raise RollbackError(
                f"game {game.game_id} of deployment {deployment_id} has no move at or before "
                f"block {fork_block}, not even its GameStarted; the database is inconsistent: "
                "re-index this deployment from its start block"
            )
        for name, value in move.snapshot().items():
            setattr(game, name, value)
        game.updated_block, game.updated_at = move.block_number, move.block_time
    counts["games.restored"] = len(games)


def _restore_stakes(
    session: Session, deployment_id: int, fork_block: int, counts: dict[str, int]
) -> None:
    stakes = session.scalars(
        select(Stake).where(Stake.deployment_id == deployment_id, Stake.updated_block > fork_block)
    ).all()
    removed = 0
    for stake in stakes:
        newest = session.scalars(
            select(StakeEvent)
            .where(
                StakeEvent.deployment_id == deployment_id,
                StakeEvent.account == stake.account,
                StakeEvent.role == stake.role,
            )
            .order_by(StakeEvent.block_number.desc(), StakeEvent.log_index.desc())
            .limit(1)
        ).first()
        if newest is None:
            session.delete(stake)
            removed += 1
            continue
        for name, value in newest.snapshot().items():
            setattr(stake, name, value)
        stake.updated_block, stake.updated_at = newest.block_number, newest.block_time
    counts["stakes.restored"] = len(stakes) - removed
    counts["stakes.deleted"] = removed


def _rewind_cursor(
    session: Session, deployment_id: int, fork_block: int, counts: dict[str, int]
) -> None:
    result: Any = session.execute(
        delete(IndexedBlock).where(
            IndexedBlock.deployment_id == deployment_id, IndexedBlock.number > fork_block
        )
    )
    counts["indexed_blocks"] = int(result.rowcount or 0)
    cursor = session.get(IndexerCursor, deployment_id)
    if cursor is None or cursor.last_block <= fork_block:
        return
    fork = session.get(IndexedBlock, (deployment_id, fork_block))
    cursor.last_block = fork_block
    # Unknown if the fork block was never recorded: the indexer then reads it from the node.
    cursor.last_block_hash = fork.hash if fork is not None else None
    cursor.updated_at = datetime.now(UTC)
