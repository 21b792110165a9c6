"""Helpers of the indexer tests: databases of each backend, an indexer on them, table dumps, and
checks of indexed rows against the chain's own views."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assay.chain.devnet import Devnet
from assay.protocol.types import GameId, JobId, JobStatus, Party, Role
from services.db import make_engine, make_session_factory, metadata, upgrade
from services.db.models import CreditEvent, Game, Job, Stake
from services.indexer import Indexer, IndexerConfig
from services.indexer.source import ChainSource
from tests.services import pg

ZERO = "0x" + "00" * 32
# Wall-clock columns and the surrogate deployment id differ between two databases of one chain.
VOLATILE = {"created_at", "deployment_id"}
SKIPPED_TABLES = {"indexed_blocks"}  # what is recorded depends on how the range was batched


@contextmanager
def database(backend: str, tmp_path: Path, name: str = "assay") -> Iterator[str]:
    """An empty database URL of `backend` (sqlite or postgresql)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
    else:
        with pg.fresh_database() as url:
            yield url


@contextmanager
def indexer_on(
    net: Devnet, url: str, source: ChainSource | None = None, **config: Any
) -> Iterator[tuple[Indexer, Engine]]:
    """An indexer of `net`'s deployment into the (migrated) database at `url`."""
    upgrade(url)
    engine = make_engine(url)
    try:
        assert net.deployment is not None
        yield (
            Indexer(
                net.node.w3,
                net.deployment,
                make_session_factory(engine),
                IndexerConfig(**config),
                source=source,
            ),
            engine,
        )
    finally:
        engine.dispose()


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every indexed row of every table (volatile columns left out), sorted."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            columns = [
                c
                for c in table.c
                if c.name not in VOLATILE
                and not (table.name == "deployments" and c.name == "id")
                and not (table.name == "indexer_cursors" and c.name == "updated_at")
            ]
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def assert_matches_chain(net: Devnet, session: Session) -> None:
    """Jobs, games, stakes and credit balances in the database equal the chain's views now."""
    p = net.actor("deployer").protocol
    for job in session.scalars(select(Job)):
        assert job.status == p.market.job_status(JobId(job.job_id)), job.job_id
        assert job.status == job.derive_status()
    for game in session.scalars(select(Game)):
        on = p.game.get_game(GameId(game.game_id))
        assert game.status == on.status
        assert (game.turn or Party.NONE) == on.turn
        assert (game.lo, game.hi, game.rounds) == (on.lo, on.hi, on.rounds)
        assert (game.lo_hash, game.hi_hash) == ("0x" + on.lo_hash.hex(), "0x" + on.hi_hash.hex())
        assert (game.step or 0, game.n_ops or 0) == (on.step, on.n_ops)
        assert (game.op_root or ZERO) == "0x" + on.op_root.hex()
        assert (game.request_id or 0) == on.request_id
        assert game.last_move_at == on.last_move_at
        assert (game.solver_clock, game.challenger_clock) == (on.solver_clock, on.challenger_clock)
    stakes = session.scalars(select(Stake)).all()
    for s in stakes:
        account = to_checksum_address(s.account)
        on_stake = p.stakes.stake_of(account, s.role)
        assert (s.total, s.locked, s.pending_withdrawal, s.withdrawable_at) == (
            on_stake.amount,
            on_stake.locked,
            on_stake.pending_withdrawal,
            on_stake.withdrawable_at,
        ), (s.account, s.role)
        assert s.registered == p.stakes.is_registered(account, s.role)
    assert {(s.account, s.role) for s in stakes} >= {
        (net.actor(name).address.lower(), role)
        for name, role in (("solver", Role.SOLVER), ("verifier1", Role.VERIFIER))
    }
    balances: dict[str, int] = {}
    for credit in session.scalars(
        select(CreditEvent).order_by(CreditEvent.block_number, CreditEvent.log_index)
    ):
        balances[credit.account] = credit.balance
    for holder, balance in balances.items():
        assert balance == p.stakes.credit_of(to_checksum_address(holder)), holder


def job_statuses(session: Session) -> dict[int, JobStatus]:
    """job id -> status."""
    return {j.job_id: j.status for j in session.scalars(select(Job))}
