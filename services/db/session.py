"""Which database, and engines and sessions on it.

The URL comes from the caller, else $ASSAY_DATABASE_URL, else a SQLite file in the state dir
(`.assay/assay.db` under the working directory, next to the devnet's and agents' state).
PostgreSQL URLs use psycopg 3: `postgresql+psycopg://user:pass@host:5432/dbname`
(`postgresql://` and `postgres://` are taken to mean the same).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from services.db.errors import DatabaseConfigError, DatabaseUnreachableError

log = structlog.get_logger(__name__)

DATABASE_URL_ENV = "ASSAY_DATABASE_URL"
DEFAULT_STATE_DIR = Path(".assay")
DATABASE_FILE = "assay.db"
EXAMPLE_URLS = (
    "sqlite:///.assay/assay.db (a file, relative to the working directory), "
    "sqlite:////var/lib/assay/assay.db (absolute), "
    "postgresql+psycopg://assay:secret@127.0.0.1:5432/assay"
)
POSTGRES_CONNECT_TIMEOUT_S = 5

_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


class DatabaseSettings(BaseSettings):
    """Database settings from the environment."""

    model_config = SettingsConfigDict(env_prefix="ASSAY_", extra="ignore")

    database_url: str | None = None
    """SQLAlchemy URL of the services database (ASSAY_DATABASE_URL); unset: the SQLite default."""


def default_url(state_dir: Path = DEFAULT_STATE_DIR) -> URL:
    """The SQLite file in `state_dir` (made absolute now, so a later chdir cannot move it)."""
    return URL.create("sqlite", database=str((state_dir / DATABASE_FILE).resolve()))


def database_url(url: str | URL | None = None, *, state_dir: Path = DEFAULT_STATE_DIR) -> URL:
    """The URL to use: `url`, else $ASSAY_DATABASE_URL, else the SQLite file in `state_dir`.

    Raises DatabaseConfigError, naming where the URL came from, if it is malformed or not
    SQLite/PostgreSQL.
    """
    origin = "the database URL"
    if url is None:
        url = DatabaseSettings().database_url or None
        origin = f"${DATABASE_URL_ENV}"
        if url is None:
            return default_url(state_dir)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseConfigError(
            f"{origin} is not a valid database URL ({exc}); set {DATABASE_URL_ENV} to one like "
            f"{EXAMPLE_URLS}"
        ) from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise DatabaseConfigError(
            f"{origin} uses {parsed.drivername!r}; Assay supports SQLite and PostgreSQL "
            f"(psycopg). Set {DATABASE_URL_ENV} to a URL like {EXAMPLE_URLS}"
        )
    parsed = parsed.set(drivername=driver)
    if driver.startswith("postgresql") and not parsed.database:
        raise DatabaseConfigError(
            f"{origin} names no database ({safe_url(parsed)}); add it after the host, as in "
            "postgresql+psycopg://assay@127.0.0.1:5432/assay"
        )
    return parsed


def make_engine(
    url: str | URL | None = None,
    *,
    state_dir: Path = DEFAULT_STATE_DIR,
    check: bool = False,
    echo: bool = False,
) -> Engine:
    """An engine on `database_url(url)`; with `check`, connect once now and fail clearly.

    SQLite: the file's directory is created, and every connection enforces foreign keys and
    uses WAL (readers do not block the indexer's writes).
    """
    resolved = database_url(url, state_dir=state_dir)
    connect_args: dict[str, Any] = {}
    if resolved.get_backend_name() == "sqlite":
        database = resolved.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    elif "connect_timeout" not in resolved.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    engine = create_engine(
        resolved,
        connect_args=connect_args,
        echo=echo,
        pool_pre_ping=resolved.get_backend_name() != "sqlite",
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if check:
        check_connection(engine)
    return engine


def check_connection(engine: Engine) -> None:
    """Connect once; DatabaseUnreachableError says which server and what to do."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise DatabaseUnreachableError(
            f"cannot connect to the database at {safe_url(engine.url)}: {reason}. Start the server "
            f"(or create the database), or set {DATABASE_URL_ENV} to a reachable one, e.g. "
            f"{EXAMPLE_URLS}"
        ) from None
    log.debug("db.connected", url=safe_url(engine.url))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `engine`; objects stay readable after commit (handy for API responses)."""
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; fsync at checkpoints only
    finally:
        cursor.close()


def safe_url(url: URL) -> str:
    """The URL with its password hidden (for logs and messages)."""
    return url.render_as_string(hide_password=True)
