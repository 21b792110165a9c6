"""The services database: what the indexer writes from chain events and the API reads.

SQLAlchemy 2 models (`services.db.models`), the engine/session factory (`services.db.session`,
SQLite by default, PostgreSQL via $ASSAY_DATABASE_URL), Alembic migrations applied with
`services.db.migrate.upgrade(url)` or `alembic upgrade head`, and the reorg rollback
(`services.db.rollback`). docs/services.md describes the schema.
"""

from services.db.base import Base, metadata
from services.db.errors import (
    DatabaseConfigError,
    DatabaseError,
    DatabaseUnreachableError,
    MigrationError,
    RollbackError,
)
from services.db.migrate import downgrade, upgrade
from services.db.session import (
    DATABASE_URL_ENV,
    database_url,
    make_engine,
    make_session_factory,
)

__all__ = [
    "DATABASE_URL_ENV",
    "Base",
    "DatabaseConfigError",
    "DatabaseError",
    "DatabaseUnreachableError",
    "MigrationError",
    "RollbackError",
    "database_url",
    "downgrade",
    "make_engine",
    "make_session_factory",
    "metadata",
    "upgrade",
]
