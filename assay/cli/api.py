"""`assay api`: serve the HTTP API (services/api) with uvicorn. Presentation only.

The API reads the services database the indexer writes; it signs nothing. A database URL with a
password belongs in $ASSAY_DATABASE_URL (argv is visible to every user of the machine).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from assay.cli.context import fail
from assay.cli.output import console
from assay.errors import AssayError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def api(
    host: Annotated[
        str, typer.Option(help="interface to listen on; 0.0.0.0 listens on every interface")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = DEFAULT_PORT,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="ASSAY_DATABASE_URL",
            show_envvar=True,
            help="services database (default: .assay/assay.db); pass a URL with a password "
            "through the environment, not argv",
        ),
    ] = None,
    artifact_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="ASSAY_API_ARTIFACT_DIR",
            show_envvar=True,
            help="artifact store for uploads and downloads (default: .assay/store)",
        ),
    ] = None,
    max_upload_bytes: Annotated[
        int | None,
        typer.Option(
            min=1,
            envvar="ASSAY_API_MAX_UPLOAD_BYTES",
            show_envvar=True,
            help="largest artifact upload accepted (default: 1 GiB)",
        ),
    ] = None,
    migrate: Annotated[
        bool, typer.Option(help="apply the database migrations first (alembic upgrade head)")
    ] = False,
) -> None:
    """Serve the HTTP API: jobs, disputes, stakes, stats, spec validation, artifacts.

    Interactive docs at /docs, the OpenAPI document at /openapi.json, probes at /healthz and
    /readyz, the web explorer at / (/explorer; $ASSAY_API_EXPLORER_TX_URL links its transaction
    hashes to a block explorer). Nothing is signed here: chain writes stay with `assay`
    commands and wallets.

    \b
    Examples:
      assay api                          # http://127.0.0.1:8000, database .assay/assay.db
      assay api --migrate --port 8080    # create/upgrade the schema first
      ASSAY_DATABASE_URL=postgresql+psycopg://assay:secret@db:5432/assay \\
        assay api --host 0.0.0.0
    """
    # Imported late: FastAPI, SQLAlchemy and uvicorn are not needed by other commands.
    import uvicorn

    # deferred: services.api takes ~1.4 s to import
    from services.api import ApiSettings, create_app

    # deferred: services.api.errors takes ~0.8 s to import
    from services.api.errors import NotReadyError

    # deferred: services.api.service.health takes ~1.0 s to import
    from services.api.service.health import readiness

    # deferred: services.db takes ~0.6 s to import
    from services.db import upgrade

    overrides: dict[str, Any] = {
        "database_url": database_url,
        "artifact_dir": artifact_dir,
        "max_upload_bytes": max_upload_bytes,
    }
    try:
        settings = ApiSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        fail(f"invalid API settings: {exc}", "check the ASSAY_API_* environment variables")
    try:
        if migrate:
            upgrade(settings.database_url)
        app = create_app(settings)
        try:
            readiness(app.state.context.engine)
        except NotReadyError as exc:
            console.print(f"[yellow]warning:[/] not ready yet — {exc}", soft_wrap=True)
    except AssayError as exc:
        fail(str(exc))
    console.print(f"serving the Assay API at http://{host}:{port} — docs at /docs; Ctrl-C stops")
    uvicorn.run(app, host=host, port=port, log_level="info")
