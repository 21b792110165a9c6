"""What each page shows, assembled from the service layer's response models (no SQL here)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from assay.errors import AssayError
from assay.net.uri import parse_uri
from assay.store import LocalStore
from services.api.explorer import charts
from services.api.schemas.common import JobState, PartyName
from services.api.schemas.disputes import Adjudication, DisputeDetail
from services.api.schemas.jobs import JobDetail, TimelineEvent, TimelineKind
from services.api.service.metrics import TrainingMetrics, job_metrics
from services.api.service.operators import disputed_operator

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


@dataclass(frozen=True)
class JobFilters:
    """The jobs page's GET form, parsed; `error` names the first field that is wrong."""

    statuses: tuple[JobState, ...] = ()
    submitter: str | None = None
    solver: str | None = None
    error: str | None = None

    @classmethod
    def parse(
        cls, statuses: list[str] | None, submitter: str | None, solver: str | None
    ) -> JobFilters:
        """Blank fields mean no filter; a bad one keeps the rest and says what to fix."""
        wanted = [s for s in statuses or [] if s]
        known = {s.value: s for s in JobState}
        bad = [s for s in wanted if s not in known]
        errors = [f"unknown status {b!r}; choose one of {', '.join(known)}" for b in bad]
        parsed: dict[str, str | None] = {}
        for name, value in (("submitter", submitter), ("solver", solver)):
            value = (value or "").strip() or None
            if value is not None and not _ADDRESS.fullmatch(value):
                errors.append(f"{name} must be an address, 0x + 40 hex digits; got {value!r}")
                value = None
            parsed[name] = None if value is None else value.lower()
        return cls(
            statuses=tuple(known[s] for s in wanted if s in known),
            submitter=parsed["submitter"],
            solver=parsed["solver"],
            error=errors[0] if errors else None,
        )

    def href(self, path: str, **extra: str | None) -> str:
        """`path` with these filters (and `extra`) as its query string."""
        query: list[tuple[str, str]] = [("status", s.value) for s in self.statuses]
        query += [(k, v) for k, v in (("submitter", self.submitter), ("solver", self.solver)) if v]
        query += [(k, v) for k, v in extra.items() if v]
        return f"{path}?{urlencode(query)}" if query else path


@dataclass(frozen=True)
class VerifierRow:
    """A verifier drawn for a job and what it did."""

    verifier: str
    position: int
    did: str  # attested / challenged / missed / pending
    attested_at: int | None
    games: list[int]
    slashes: list[TimelineEvent] = field(default_factory=list)
    payouts: list[TimelineEvent] = field(default_factory=list)


def job_page(job: JobDetail, store: LocalStore) -> dict[str, Any]:
    """The job page's values."""
    metrics = job_metrics(store, job.result.artifact_uri if job.result else None)
    curve = charts.loss_curve(metrics.losses) if isinstance(metrics, TrainingMetrics) else None
    payouts = [e for e in job.timeline if e.kind is TimelineKind.PAYOUT]
    slashes = [e for e in job.timeline if e.kind is TimelineKind.SLASHED]
    games_of: dict[str, list[int]] = {}
    for g in job.disputes:
        games_of.setdefault(g.challenger, []).append(g.game_id)
    winners = {w.challenger for w in job.winners}
    open_window = job.status is JobState.SUBMITTED
    rows = []
    for a in job.verifiers:
        if a.attested_at is not None:
            did = "attested"
        elif a.verifier in games_of:
            did = "challenged and won" if a.verifier in winners else "challenged"
        else:
            did = "pending" if open_window else "missed"
        rows.append(
            VerifierRow(
                verifier=a.verifier,
                position=a.position,
                did=did,
                attested_at=a.attested_at,
                games=games_of.get(a.verifier, []),
                slashes=[e for e in slashes if e.account == a.verifier],
                payouts=[e for e in payouts if e.account == a.verifier],
            )
        )
    return {
        "job": job,
        "metrics": metrics,
        "curve": curve,
        "payouts": payouts,
        "slashes": slashes,
        "paid_total": sum(int(e.amount or 0) for e in payouts),
        "verifier_rows": rows,
        "spec_artifact": _stored(store, job.spec_uri),
        "result_artifact": _stored(store, job.result.artifact_uri if job.result else None),
    }


def _stored(store: LocalStore, uri: str | None) -> str | None:
    """The API's download path of an assay:// artifact it holds, else None."""
    if uri is None:
        return None
    try:
        content_hash = parse_uri(uri).content_hash
    except AssayError:
        return None
    return f"/v1/artifacts/{content_hash}" if store.has(content_hash) else None


@dataclass(frozen=True)
class Vote:
    """A committee member's vote, judged against the court's decision."""

    referee: str
    output: str | None
    verdict: str  # with the majority / dissented / did not vote
    slashed: bool


def dispute_page(game: DisputeDetail, job: JobDetail, store: LocalStore) -> dict[str, Any]:
    """The dispute page's values."""
    rows = charts.bisection_rounds(game.moves, game.steps)
    account_of = {PartyName.SOLVER: game.solver, PartyName.CHALLENGER: game.challenger}
    adjudicated = game.adjudications[-1] if game.adjudications else None
    operator = (
        disputed_operator(store, job.spec_uri, str(job.spec_hash), adjudicated.op_index)
        if adjudicated is not None
        else None
    )
    return {
        "game": game,
        "job": job,
        "rounds": rows,
        "rounds_height": charts.rounds_height(rows),
        "account_of": account_of,
        "votes": {a.request_id: _votes(a) for a in game.adjudications},
        "adjudicated": adjudicated,
        "operator": operator,
    }


def _votes(adjudication: Adjudication) -> dict[int, list[Vote]]:
    out: dict[int, list[Vote]] = {}
    for r in adjudication.rounds:
        votes = []
        for m in r.members:
            if m.output is None:
                verdict = "did not vote"
            elif adjudication.decision is None:
                verdict = "voted (undecided)"
            elif m.output == adjudication.decision:
                verdict = "with the majority"
            else:
                verdict = "dissented"
            votes.append(Vote(m.referee, m.output, verdict, m.slashed))
        out[r.round] = votes
    return out
