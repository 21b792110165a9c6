"""Alembic environment of the services database.

The URL, first found: `alembic -x url=...`, the URL the Python helper passed
(services.db.migrate), `sqlalchemy.url` in alembic.ini, $ASSAY_DATABASE_URL, the SQLite default.
A connection passed in `config.attributes["connection"]` is used as is.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import URL, Connection

import services.db.models  # noqa: F401  (registers every table on the metadata)
from services.db.base import metadata
from services.db.session import database_url, make_engine
from services.db.types import render_static_type

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)


def _url() -> URL:
    explicit = context.get_x_argument(as_dictionary=True).get("url")
    if explicit:
        return database_url(explicit)
    passed = config.attributes.get("database_url")
    if passed is not None:
        return database_url(passed)
    return database_url(config.get_main_option("sqlalchemy.url") or None)


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Autogenerate writes our column types as plain SQLAlchemy types: migrations stay static.
    rendered = render_static_type(obj) if kind == "type" else None
    return rendered if rendered is not None else False


def _configure(**kwargs: Any) -> None:
    # Batch mode renders ALTERs SQLite can run (copy and move); PostgreSQL runs them as ALTERs.
    context.configure(
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        **kwargs,
    )


def run_offline() -> None:
    """`alembic upgrade --sql`: print the SQL instead of running it."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), check=True)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
