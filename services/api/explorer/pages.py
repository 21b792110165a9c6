"""The explorer's routes: one HTML page per view, rendered from the API's service functions.

Every figure comes from an indexed chain event (or a stored artifact), and every event is shown
with its transaction. Pages never raise problem+json: an unknown id or a bad filter is an HTML
page with the right status.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from assay.protocol.types import GameId, JobId
from services.api.deps import ContextDep, SessionDep
from services.api.errors import ApiError, NotFoundError
from services.api.explorer import charts, formatting, views
from services.api.schemas.accounts import LeaderboardOrder, LeaderboardRole
from services.api.schemas.common import MAX_DB_INT, JobState
from services.api.service import accounts, activity, audit, disputes, jobs, leaderboard, stats
from services.api.service.deployments import resolve_deployment
from services.db.models import IndexerCursor

PREFIX = "/explorer"
STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"
PAGE_SIZE = 50
LEADERBOARD_SIZE = 25
LIVE_EVERY_MS = 5000
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")

router = APIRouter(prefix=PREFIX, include_in_schema=False)
root_router = APIRouter(include_in_schema=False)


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        eth=formatting.eth,
        utc=formatting.utc,
        duration=formatting.duration,
        short=formatting.short,
        label=formatting.label,
    )
    env.globals.update(ROW_H=charts.ROW_H, BAR_X=charts.BAR_X, BAR_W=charts.BAR_W)
    env.globals.update(CHART_W=charts.CHART_W, CHART_H=charts.CHART_H)
    return Jinja2Templates(env=env)


templates = _templates()


def _render(
    request: Request,
    context: ContextDep,
    session: Session,
    name: str,
    page: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    base = {
        "tx_url": context.settings.explorer_tx_url,
        "indexed_block": _indexed_block(session),
        "live_every_ms": LIVE_EVERY_MS,
    }
    return templates.TemplateResponse(request, name, {**base, **page}, status_code=status)


def _indexed_block(session: Session) -> int | None:
    try:
        dep = resolve_deployment(session, None)
    except ApiError:
        return None
    cursor = None if dep is None else session.get(IndexerCursor, dep)
    return None if cursor is None else cursor.last_block


def _not_found(request: Request, context: ContextDep, session: Session, what: str) -> HTMLResponse:
    return _render(request, context, session, "not_found.html", {"what": what}, status=404)


def _on_chain_id(text: str) -> int | None:
    """A job or game id from a path segment; None if it cannot be one."""
    if not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_DB_INT else None


@root_router.get("/")
def home() -> RedirectResponse:
    """The explorer's jobs page is the site's front page."""
    return RedirectResponse(f"{PREFIX}/jobs", status_code=307)


@router.get("")
def explorer_home() -> RedirectResponse:
    """/explorer opens on the jobs page."""
    return RedirectResponse(f"{PREFIX}/jobs", status_code=307)


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    status: Annotated[list[str] | None, Query()] = None,
    submitter: str | None = None,
    solver: str | None = None,
    cursor: str | None = None,
    fragment: str | None = None,
) -> Response:
    """Jobs, newest first, filtered by status / submitter / solver (a GET form)."""
    filters = views.JobFilters.parse(status, submitter, solver)
    page: dict[str, Any] = {"filters": filters, "states": list(JobState), "error": filters.error}
    code = 400 if filters.error else 200
    listing = None
    if not filters.error:
        try:
            listing = jobs.list_jobs(
                session,
                deployment=None,
                statuses=filters.statuses,
                submitter=filters.submitter,
                solver=filters.solver,
                limit=PAGE_SIZE,
                cursor=cursor or None,
            )
        except ApiError as exc:
            page["error"], code = str(exc), 400
    page["listing"] = listing
    page["next_href"] = (
        filters.href(f"{PREFIX}/jobs", cursor=listing.next_cursor)
        if listing is not None and listing.next_cursor
        else None
    )
    page["fragment_href"] = filters.href(f"{PREFIX}/jobs", cursor=cursor, fragment="table")
    name = "jobs_table.html" if fragment == "table" else "jobs.html"
    return _render(request, context, session, name, page, status=code)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, context: ContextDep, session: SessionDep, job_id: str) -> Response:
    """One job: timeline with transactions, spec, money, loss curve, verifiers."""
    number = _on_chain_id(job_id)
    if number is None:
        return _not_found(request, context, session, f"job {job_id!r} (a job id is a number)")
    try:
        detail = jobs.get_job(session, JobId(number), deployment=None)
    except NotFoundError:
        return _not_found(request, context, session, f"job {number}")
    page = views.job_page(detail, context.store)
    return _render(request, context, session, "job.html", page)


@router.get("/disputes/{game_id}", response_class=HTMLResponse)
def dispute_page(
    request: Request, context: ContextDep, session: SessionDep, game_id: str
) -> Response:
    """One dispute game: the narrowing interval round by round, clocks, bonds, the court."""
    number = _on_chain_id(game_id)
    if number is None:
        return _not_found(request, context, session, f"dispute {game_id!r} (a game id is a number)")
    try:
        detail = disputes.get_dispute(session, GameId(number), deployment=None)
    except NotFoundError:
        return _not_found(request, context, session, f"dispute game {number}")
    job = jobs.get_job(session, JobId(detail.job_id), deployment=detail.deployment_id)
    page = views.dispute_page(detail, job, context.store)
    return _render(request, context, session, "dispute.html", page)


@router.get("/accounts/{address}", response_class=HTMLResponse)
def account_page(
    request: Request, context: ContextDep, session: SessionDep, address: str
) -> Response:
    """One address: stakes by role, locks, slashes, credits, jobs and games."""
    if not _ADDRESS.fullmatch(address):
        return _not_found(
            request, context, session, f"account {address!r} (an address is 0x + 40 hex digits)"
        )
    account = accounts.get_account(session, address, deployment=None)
    acts = activity.account_activity(session, address, deployment=None)
    if not (account.stakes or acts.stake_events or acts.credit_events or acts.jobs or acts.games):
        return _not_found(request, context, session, f"account {address.lower()} (never seen)")
    page = {"account": account, "activity": acts}
    return _render(request, context, session, "account.html", page)


@router.get("/leaderboard", response_class=HTMLResponse)
def leaderboard_page(request: Request, context: ContextDep, session: SessionDep) -> Response:
    """Solvers and verifiers ranked by earnings."""
    boards = [
        leaderboard.leaderboard(
            session,
            role=role,
            by=LeaderboardOrder.EARNINGS,
            limit=LEADERBOARD_SIZE,
            deployment=None,
        )
        for role in (LeaderboardRole.SOLVER, LeaderboardRole.VERIFIER)
    ]
    return _render(request, context, session, "leaderboard.html", {"boards": boards})


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, context: ContextDep, session: SessionDep) -> Response:
    """Protocol-wide counts and totals."""
    figures = stats.protocol_stats(session, deployment=None)
    return _render(request, context, session, "stats.html", {"stats": figures})


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, context: ContextDep, session: SessionDep) -> Response:
    """The whistleblower audit: who caught, missed or vouched for each revealed honeypot."""
    report = audit.verifier_audit(session, deployment=None)
    return _render(request, context, session, "audit.html", {"audit": report})


@router.get("/{rest:path}", response_class=HTMLResponse)
def unknown_page(request: Request, context: ContextDep, session: SessionDep, rest: str) -> Response:
    """Any other path under /explorer: an HTML 404 with the navigation."""
    return _not_found(request, context, session, f"page /explorer/{rest}")
