"""Typed dependencies of the routes: the app's context, a DB session, the deployment in scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from assay.store import LocalStore
from services.api.settings import ApiSettings


@dataclass
class ApiContext:
    """What one app instance works with (built by create_app, kept on app.state)."""

    settings: ApiSettings
    engine: Engine
    sessions: sessionmaker[Session]
    store: LocalStore


def get_context(request: Request) -> ApiContext:
    """The context of the app serving this request."""
    context: ApiContext = request.app.state.context
    return context


ContextDep = Annotated[ApiContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    """A session for one request, closed after it (reads need no commit)."""
    with context.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

DeploymentParam = Annotated[
    int | None,
    Query(
        ge=1,
        le=2**31 - 1,
        description="Deployment id (GET /v1/deployments); default: the newest one, or the one "
        "a `cursor` was issued for.",
        examples=[1],
    ),
]
