"""Apply the Alembic migrations from code: `upgrade(url)` / `downgrade(url)` from any directory.

The same scripts `alembic upgrade head` runs (migrations/ at the repository root); the config is
built here, so no alembic.ini and no particular working directory is needed.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import URL

from services.db.errors import MigrationError
from services.db.session import database_url, make_engine, safe_url

log = structlog.get_logger(__name__)

# services/db/migrate.py -> the repository root
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic config for our migrations on `database_url(url)` (no alembic.ini read)."""
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise MigrationError(
            f"no Alembic migrations at {MIGRATIONS_DIR}; run from a checkout of the Assay "
            "repository (or an editable install of it): migrations/ is not packaged"
        )
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url(url)
    return config


def upgrade(url: str | URL | None = None, revision: str = "head") -> None:
    """Migrate the database at `url` (default: $ASSAY_DATABASE_URL or the SQLite file) up."""
    _run("upgrade", url, revision)


def downgrade(url: str | URL | None = None, revision: str = "base") -> None:
    """Migrate down to `revision` (default: base, an empty schema)."""
    _run("downgrade", url, revision)


def head_revision() -> str | None:
    """The newest migration's revision id."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url: str | URL | None = None) -> str | None:
    """The revision the database is at (None: never migrated)."""
    engine = make_engine(url, check=True)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _run(direction: str, url: str | URL | None, revision: str) -> None:
    config = alembic_config(url)
    engine = make_engine(config.attributes["database_url"], check=True)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            if direction == "upgrade":
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
    except CommandError as exc:
        raise MigrationError(f"cannot {direction} to {revision!r}: {exc}") from None
    finally:
        engine.dispose()
    log.info("db.migrated", direction=direction, revision=revision, url=safe_url(engine.url))
