"""The services database: migrations on SQLite and PostgreSQL, schema = models, column types,
idempotency keys, URL handling."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from assay.protocol.types import JobStatus, Role
from services.db import (
    DATABASE_URL_ENV,
    DatabaseConfigError,
    DatabaseUnreachableError,
    database_url,
    downgrade,
    make_engine,
    metadata,
    upgrade,
)
from services.db.enums import StakeEventKind
from services.db.migrate import current_revision, head_revision
from services.db.models import Deployment, JackpotFunding, StakeEvent
from services.db.writes import insert_ignoring_duplicates
from tests.services import pg
from tests.services.db_rows import ADDR, deployment, event_at, job

ROOT = Path(__file__).resolve().parents[2]
TABLES = set(metadata.tables)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'assay.db'}"
    else:
        with pg.fresh_database() as url:
            yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head."""
    upgrade(db_url)
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _tables(url: str) -> set[str]:
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        eng.dispose()


# ---------------------------------------------------------------- migrations


def test_upgrade_creates_every_table_and_downgrade_drops_them(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the helper finds the migrations from any directory
    upgrade(db_url)
    assert _tables(db_url) == TABLES | {"alembic_version"}
    assert current_revision(db_url) == head_revision()

    downgrade(db_url)
    assert _tables(db_url) == {"alembic_version"}
    assert current_revision(db_url) is None


INITIAL = "8cc4c906e858"  # the initial schema's revision
_OLD_JOB = {
    "deployment_id": 1, "job_id": 1, "status": "submitted", "submitter": ADDR,
    "budget": "1000", "tax": "10", "steps": 8, "spec_hash": "0x" + "01" * 32,
    "graph_hash": "0x" + "02" * 32, "initial_state": "0x" + "03" * 32, "spec_uri": "assay://spec",
    "solver_stake": "2", "verifier_stake": "1", "challenge_bond": "1", "claim_window": 60,
    "solve_window": 60, "challenge_window": 600, "reveal_window": 600, "clock_budget": 300,
    "min_clock_extension": 60, "verifiers_per_job": 2, "bisection_arity": 2,
    "verifier_fee_bps": 500, "protocol_tax_bps": 100, "slash_winner_share_bps": 5000,
    "max_ops_per_step": 100, "submitted_at": 1_014, "submitted_block": 14,
    "submitted_tx": "0x" + "14" * 32, "block_number": 10, "block_hash": "0x" + "0a" * 32,
    "block_time": 1_010, "tx_hash": "0x" + "10" * 32, "log_index": 0,
}  # fmt: skip


def _insert(conn: Any, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES (:{', :'.join(row)})"), row)


def test_the_2026_12_migration_keeps_rows_of_the_initial_schema_both_ways(db_url: str) -> None:
    upgrade(db_url, INITIAL)
    eng = make_engine(db_url)
    try:
        with eng.begin() as conn:
            dep = {"chain_id": 1, "deployer": ADDR, "start_block": 1, "created_at": "2026-12-01"}
            contracts = ("stake_manager", "randomness", "job_market", "referee_court")
            dep |= dict.fromkeys((*contracts, "dispute_game", "forced_error_registry"), ADDR)
            _insert(conn, "deployments", {"id": 1, **dep})
            _insert(conn, "jobs", _OLD_JOB)
        upgrade(db_url)
        with eng.begin() as conn:
            row = conn.execute(
                text("SELECT ops_per_step, window_start, status, budget FROM jobs")
            ).one()
            # no N known for an old job (re-index it); its window started at submission
            assert (row[0], row[1], row[2], int(row[3])) == (0, 1_014, "submitted", 1000)
            event = {k: v for k, v in _OLD_JOB.items() if k in ("deployment_id", "block_number")}
            credit = {**event, "block_hash": "0x" + "0b" * 32, "block_time": 1_011}
            credit |= {"tx_hash": "0x" + "11" * 32, "log_index": 0, "account": ADDR}
            credit |= {"kind": "transferred", "amount": "1", "balance": "0"}
            _insert(conn, "credit_events", credit)
        with eng.begin() as conn, pytest.raises(IntegrityError):
            _insert(conn, "credit_events", {**credit, "log_index": 1, "kind": "refunded"})
        downgrade(db_url, INITIAL)
        assert current_revision(db_url) == INITIAL
        with eng.begin() as conn:
            assert conn.execute(text("SELECT job_id, status FROM jobs")).one() == (1, "submitted")
            # the old schema has no transferred kind: those rows went with the downgrade
            assert conn.execute(text("SELECT count(*) FROM credit_events")).scalar_one() == 0
    finally:
        eng.dispose()


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, metadata) == []

        # Autogenerate does not compare CHECK constraints. Names must match; on SQLite (which
        # keeps the SQL as written) the conditions too.
        inspector = inspect(conn)
        exact = conn.dialect.name == "sqlite"
        for table in metadata.sorted_tables:
            reflected = {
                c["name"]: c["sqltext"] if exact else ""
                for c in inspector.get_check_constraints(table.name)
            }
            declared = {
                str(c.name): str(c.sqltext) if exact else ""
                for c in table.constraints
                if isinstance(c, CheckConstraint)
            }
            assert reflected == declared, table.name


def test_constraint_and_index_names_fit_postgresql_identifiers() -> None:
    names = [str(c.name) for table in metadata.tables.values() for c in table.constraints]
    names += [str(i.name) for table in metadata.tables.values() for i in table.indexes]
    assert all(len(name) <= 63 for name in names), max(names, key=len)
    assert len(names) == len(set(names))


def test_alembic_command_line_upgrades_from_env_and_downgrades_with_x_url(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    alembic = [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini")]
    env = {**os.environ, DATABASE_URL_ENV: url}
    subprocess.run([*alembic, "upgrade", "head"], cwd=ROOT, env=env, check=True, timeout=120)
    assert _tables(url) == TABLES | {"alembic_version"}

    env.pop(DATABASE_URL_ENV)
    subprocess.run(
        [*alembic, "-x", f"url={url}", "downgrade", "base"],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=120,
    )
    assert _tables(url) == {"alembic_version"}


# ---------------------------------------------------------------- column types and keys


def test_wei_amounts_beyond_64_bits_round_trip_and_sort(engine: Engine) -> None:
    amounts = [2**200 + 12_345, 2**256 - 1, 0, 10**30, 7]
    with Session(engine) as session, session.begin():
        dep = deployment(session)
        for i, amount in enumerate(amounts):
            session.add(JackpotFunding(**event_at(dep, 10 + i), funder=ADDR, amount=amount, pool=0))

    with Session(engine) as session:
        stored = session.scalars(select(JackpotFunding.amount).order_by(JackpotFunding.amount))
        assert list(stored) == sorted(amounts)
        big = session.scalars(
            select(JackpotFunding).where(JackpotFunding.amount == 2**200 + 12_345)
        ).one()
        assert big.amount == 2**200 + 12_345 and isinstance(big.amount, int)
        assert session.scalars(
            select(JackpotFunding.amount).where(JackpotFunding.amount > 2**255)
        ).all() == [2**256 - 1]


def test_indexing_the_same_log_twice_hits_the_unique_key(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        dep = deployment(session)
        session.add(job(dep, job_id=1, block=10))

    # The same JobPosted log again, even under another job id, is refused.
    with Session(engine) as session, pytest.raises(IntegrityError), session.begin():
        session.add(job(dep, job_id=2, block=10))

    row = {**event_at(dep, 11), "funder": ADDR, "amount": 2**200, "pool": 2**201}
    with Session(engine) as session, session.begin():
        first = insert_ignoring_duplicates(session, JackpotFunding, [row])
        again = insert_ignoring_duplicates(session, JackpotFunding, [row, row])
    assert len(first) == 1 and again == []
    with Session(engine) as session:
        assert session.scalars(select(JackpotFunding.pool)).all() == [2**201]
    with Session(engine) as session, pytest.raises(IntegrityError), session.begin():
        session.add(JackpotFunding(**row))


def test_hashes_and_addresses_are_stored_lowercase_and_checked(engine: Engine) -> None:
    checksummed = "0x" + "AbCdEf" * 6 + "0123"
    with Session(engine) as session, session.begin():
        dep = deployment(session)
        session.add(job(dep, job_id=1, block=10, submitter=checksummed))
    with Session(engine) as session:
        assert session.scalars(select(Deployment.job_market)).one() == ADDR
        stored = session.execute(text("SELECT submitter FROM jobs")).scalar_one()
        assert stored == checksummed.lower()

    with Session(engine) as session, pytest.raises(StatementError, match="40 hex digits"):
        session.add(job(dep, job_id=2, block=11, submitter="0x1234"))
        session.flush()


def test_enums_are_stored_by_name_and_none_is_refused(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        dep = deployment(session)
        session.add(job(dep, job_id=1, block=10))
        session.add(
            StakeEvent(
                **event_at(dep, 11),
                account=ADDR,
                role=Role.VERIFIER,
                kind=StakeEventKind.WITHDRAWAL_REQUESTED,
                amount=1,
                total=2,
                locked=0,
                pending_withdrawal=1,
                withdrawable_at=99,
                registered=False,
            )
        )
    with Session(engine) as session:
        assert session.execute(text("SELECT status FROM jobs")).scalar_one() == "open"
        assert session.scalars(select(StakeEvent.role)).one() is Role.VERIFIER
        with pytest.raises(StatementError, match="not a valid JobStatus"):
            session.add(job(dep, job_id=2, block=12, status=JobStatus.NONE))
            session.flush()


# ---------------------------------------------------------------- URLs and engines


def test_default_url_is_a_sqlite_file_in_the_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    url = database_url()
    assert url.drivername == "sqlite"
    assert url.database == str(tmp_path / ".assay" / "assay.db")


def test_env_var_overrides_the_default_and_postgres_means_psycopg(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgres://u:secret@db.example:5433/assay")
    url = database_url()
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database, url.password) == (
        "db.example",
        5433,
        "assay",
        "secret",
    )
    assert database_url("sqlite:///x.db").database == "x.db"  # an explicit URL wins


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url", "not a valid database URL"),
        ("postgresql+psycopg://u@host:notaport/db", "not a valid database URL"),
        ("mysql://u@host/db", "supports SQLite and PostgreSQL"),
        ("postgresql://u@host:5432", "names no database"),
    ],
)
def test_bad_url_in_the_env_var_says_which_variable_and_shows_an_example(
    url: str, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    with pytest.raises(DatabaseConfigError, match=says) as info:
        make_engine()
    assert f"${DATABASE_URL_ENV}" in str(info.value)


def test_unreachable_server_fails_with_a_clear_error() -> None:
    # Port 1 on localhost refuses at once.
    with pytest.raises(DatabaseUnreachableError) as info:
        make_engine("postgresql+psycopg://nobody:pw@127.0.0.1:1/assay", check=True)
    message = str(info.value)
    assert "127.0.0.1:1" in message and DATABASE_URL_ENV in message and "pw" not in message
    with pytest.raises(DatabaseUnreachableError):
        upgrade("postgresql+psycopg://nobody@127.0.0.1:1/assay")


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'a.db'}", check=True)
    try:
        with eng.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        eng.dispose()
