"""The app factory: one FastAPI app over one database and one artifact store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from assay.store import LocalStore
from services.api.deps import ApiContext
from services.api.explorer import pages as explorer
from services.api.problems import install_handlers, problem_openapi, problems
from services.api.routes import accounts, artifacts, disputes, health, jobs, specs, stats
from services.api.routes import problems as problem_routes
from services.api.settings import ApiSettings
from services.db.session import make_engine, make_session_factory

DESCRIPTION = """\
Read the Assay protocol as indexed from the chain: jobs and their timelines, dispute games and
their bisection, stakes, earnings, rankings and protocol totals. Validate job specs, and
upload or download artifacts by content hash.

Nothing here signs a transaction: writes to the chain are signed by the user's own key, in the
`assay` CLI or a wallet.

- Wei amounts are decimal strings; hashes and addresses are 0x + lowercase hex.
- Lists are newest first and paginated by an opaque `cursor` (pass back `next_cursor`).
- Routes take `deployment` (GET /v1/deployments); the default is the newest.
- Errors are RFC 9457 `application/problem+json`; GET /problems/{slug} explains each type.
"""

TAGS = [
    {"name": "jobs", "description": "Jobs, their results and timelines."},
    {"name": "disputes", "description": "Dispute games: bisection state, moves, court."},
    {"name": "accounts", "description": "Stakes, earnings and rankings."},
    {"name": "protocol", "description": "Deployments and protocol-wide figures."},
    {"name": "specs", "description": "Job-spec validation."},
    {"name": "artifacts", "description": "Content-addressed artifacts (sha256)."},
    {"name": "health", "description": "Liveness and readiness probes."},
    {"name": "problems", "description": "The problem types of error responses."},
]


def _version() -> str:
    try:
        return package_version("assay")
    except PackageNotFoundError:  # a checkout run without an install
        return "0.0.0"


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """An app on `settings` (default: from the environment); nothing connects until used."""
    settings = settings if settings is not None else ApiSettings()
    engine = make_engine(settings.database_url)
    context = ApiContext(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        store=LocalStore(settings.artifact_dir, max_artifact_bytes=settings.max_upload_bytes),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Assay API",
        version=_version(),
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.context = context
    install_handlers(app)
    # The explorer's static files go first: its catch-all 404 page would shadow them.
    app.mount(
        f"{explorer.PREFIX}/static",
        StaticFiles(directory=explorer.STATIC_DIR),
        name="explorer-static",
    )
    for router in (
        jobs.router,
        disputes.router,
        accounts.router,
        stats.router,
        specs.router,
        artifacts.router,
        health.router,
        problem_routes.router,
    ):
        app.include_router(router, responses=problems("internal-error"))
    app.include_router(explorer.root_router)
    app.include_router(explorer.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = problem_openapi(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
