"""The explorer's parts without a chain: ETH and time formatting, chart geometry, the metrics
artifact reader, the jobs filter form, and the audit service on the API test scenario (both
backends), including verifiers who missed a honeypot, lost a challenge, or won undrawn."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from assay.net.uri import make_uri
from assay.protocol.types import GameStatus
from assay.store import LocalStore
from services.api.explorer import charts
from services.api.explorer.formatting import duration, eth, short, utc
from services.api.explorer.views import JobFilters
from services.api.schemas.audit import HoneypotOutcome
from services.api.schemas.common import JobState
from services.api.service.audit import verifier_audit
from services.api.service.metrics import MAX_METRICS_BYTES, NoMetrics, TrainingMetrics, job_metrics
from services.db import make_engine, upgrade
from services.db.models import Game, JobAssignment
from tests.services import api_rows
from tests.services.api_app import BACKENDS, client, database, populated_api
from tests.services.db_rows import event_at
from tests.services.explorer_site import Page

ETH = 10**18


# ------------------------------------------------------------------------------ formatting


def test_eth_is_exact_with_units() -> None:
    assert eth(ETH // 2) == "0.5 ETH"
    assert eth("490000000000000000") == "0.49 ETH"
    assert eth(1) == "0.000000000000000001 ETH"  # no float rounding
    assert eth(1234 * ETH + 1) == "1,234.000000000000000001 ETH"
    assert eth(0) == "0 ETH"
    assert eth(-3 * ETH) == "-3 ETH"
    assert eth(None) == "—"


def test_times_durations_and_short_hashes() -> None:
    assert utc(0) == "1970-01-01 00:00:00 UTC"
    assert duration(3599) == "59 min 59 s"
    assert duration(3600) == "1 h 0 min 0 s"
    assert duration(5) == "5 s"
    assert duration(None) == utc(None) == short(None) == "—"
    assert short("0x" + "ab" * 20) == "0xababab…ababab"
    assert short("0x1234") == "0x1234"


# ------------------------------------------------------------------------------ charts


def test_loss_curve_spans_the_chart_highest_loss_on_top() -> None:
    curve = charts.loss_curve([4.0, 1.0, 2.0])
    points = [tuple(map(float, p.split(","))) for p in curve.points.split()]
    assert len(points) == 3
    assert points[0] == (charts.PAD, charts.PAD)  # step 1, the highest loss: top left
    assert points[1][1] == charts.CHART_H - charts.PAD  # the lowest: the bottom
    assert points[2][0] == charts.CHART_W - charts.PAD  # the last step: the right edge
    assert (curve.lo, curve.hi, curve.first, curve.last) == (1.0, 4.0, 4.0, 2.0)


def test_loss_curve_of_one_step_or_a_flat_loss_stays_in_the_chart() -> None:
    for losses in ([0.5], [1.0, 1.0, 1.0]):
        for point in charts.loss_curve(losses).points.split():
            x, y = map(float, point.split(","))
            assert 0 <= x <= charts.CHART_W and 0 <= y <= charts.CHART_H


# ------------------------------------------------------------------------------ metrics


def _uri(content_hash: object) -> str:
    return make_uri(str(content_hash), ["tcp://127.0.0.1:7411"])


def test_metrics_come_from_a_manifest_or_a_metrics_document(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    doc = {"loss": [2.0, 1.0, 0.5], "metric": "accuracy", "accuracy": 0.97, "final_state_hash": "x"}
    metrics_hash = store.put_bytes(json.dumps(doc).encode())
    manifest = {"kind": "assay-trace-manifest", "metrics": str(metrics_hash)}
    for uri in (_uri(metrics_hash), _uri(store.put_bytes(json.dumps(manifest).encode()))):
        metrics = job_metrics(store, uri)
        assert isinstance(metrics, TrainingMetrics)
        assert metrics.losses == [2.0, 1.0, 0.5]
        assert (metrics.metric_name, metrics.metric_value) == ("accuracy", 0.97)
        assert metrics.content_hash == str(metrics_hash)


def test_no_metrics_artifact_says_why(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    today = {"kind": "assay-trace-manifest", "steps": ["0x00"], "checkpoints": {}}  # the solver's
    absent = "0x" + "11" * 32
    cases = {
        None: "no result submitted yet",
        "file://model": "not assay://",
        _uri(absent): "no metrics artifact in this API's store",
        _uri(store.put_bytes(json.dumps(today).encode())): "the solver's manifest names none",
        _uri(store.put_bytes(b"not json")): "no metrics artifact in this API's store",
        _uri(store.put_bytes(b'{"loss": [1.0, NaN]}')): "holds no loss curve",
        _uri(store.put_bytes(b'{"loss": []}')): "holds no loss curve",
        _uri(store.put_bytes(b'{"loss": [true]}')): "holds no loss curve",
        _uri(
            store.put_bytes(
                json.dumps({"kind": "assay-trace-manifest", "metrics": absent}).encode()
            )
        ): ("no metrics artifact in this API's store"),
    }
    for uri, reason in cases.items():
        result = job_metrics(store, uri)
        assert isinstance(result, NoMetrics), uri
        assert result.reason.startswith("no metrics artifact") and reason in result.reason, uri


def test_a_large_artifact_is_not_read_as_metrics(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    big = b'{"loss": [1.0], "pad": "' + b"x" * MAX_METRICS_BYTES + b'"}'
    assert isinstance(job_metrics(store, _uri(store.put_bytes(big))), NoMetrics)


# ------------------------------------------------------------------------------ filters


def test_job_filters_parse_the_form_and_rebuild_its_query() -> None:
    upper = "0x" + "AB" * 20
    f = JobFilters.parse(["finalized", "", "failed"], upper, "  ")
    assert f.error is None
    assert f.statuses == (JobState.FINALIZED, JobState.FAILED)
    assert (f.submitter, f.solver) == (upper.lower(), None)
    assert f.href("/explorer/jobs", cursor="c1", fragment=None) == (
        f"/explorer/jobs?status=finalized&status=failed&submitter={upper.lower()}&cursor=c1"
    )
    assert JobFilters.parse(None, None, None).href("/explorer/jobs") == "/explorer/jobs"
    assert "unknown status 'x'" in (JobFilters.parse(["x"], None, None).error or "")
    assert "solver must be an address" in (JobFilters.parse(None, None, "0x12").error or "")


# ------------------------------------------------------------------------------ audit

MISSER, LOSER = "0x" + "d1" * 20, "0x" + "d2" * 20


def _more_verifiers(url: str, dep: int) -> None:
    """On the scenario's honeypot (job 2): VERIFIER_2 drawn and silent, LOSER drawn and beaten."""
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            for pos, verifier in ((1, api_rows.VERIFIER_2), (2, LOSER)):
                session.add(
                    JobAssignment(
                        **event_at(dep, 203, 1 + pos),
                        job_id=api_rows.FAILED_JOB,
                        verifier=verifier,
                        position=pos,
                    )
                )
            session.add(
                Game(
                    **event_at(dep, 205, 3),
                    game_id=9,
                    job_id=api_rows.FAILED_JOB,
                    challenger=LOSER,
                    solver=api_rows.SOLVER_1,
                    steps=8,
                    bond=ETH // 10,
                    updated_block=206,
                    updated_at=1_206,
                    status=GameStatus.SOLVER_WON,
                    turn=None,
                    lo=0,
                    hi=8,
                    rounds=0,
                    last_move_at=1_206,
                    winner=api_rows.SOLVER_1,
                    reason="timeout",
                )
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_audit_counts_each_outcome(backend: str, tmp_path: Path) -> None:
    with populated_api(backend, tmp_path) as api:
        _more_verifiers(api.url, api.scenario.main)
        engine = make_engine(api.url)
        try:
            with Session(engine) as session:
                report = verifier_audit(session, deployment=None)
        finally:
            engine.dispose()
        (honeypot,) = report.honeypots
        outcomes = {v.verifier: (v.outcome, v.assigned) for v in honeypot.verifiers}
        assert outcomes == {
            api_rows.VERIFIER_1: (HoneypotOutcome.ATTESTED, True),
            api_rows.VERIFIER_2: (HoneypotOutcome.MISSED, True),
            LOSER: (HoneypotOutcome.CHALLENGED, True),
            api_rows.CHALLENGER: (HoneypotOutcome.CAUGHT, False),  # won, but was not drawn
        }
        records = {r.verifier: r for r in report.verifiers}
        assert set(records) == {api_rows.VERIFIER_1, api_rows.VERIFIER_2, LOSER}
        v1 = records[api_rows.VERIFIER_1]
        assert (v1.assigned, v1.attested, v1.caught, v1.missed) == (1, 1, 0, 0)
        assert int(v1.slashed) == api_rows.ATTESTER_SLASH
        assert (records[api_rows.VERIFIER_2].missed, records[LOSER].challenged) == (1, 1)
        assert honeypot.jackpot == str(api_rows.JACKPOT)

        audit = Page.of(api.client.get("/explorer/audit").text)
        assert audit.text(f"audit-missed-{api_rows.VERIFIER_2}") == "1"
        assert audit.text(f"audit-challenged-{LOSER}") == "1"
        assert audit.text(f"audit-slashed-{api_rows.VERIFIER_1}") == eth(api_rows.ATTESTER_SLASH)
        assert not audit.has(f"audit-row-{api_rows.CHALLENGER}")
        undrawn = audit.text(f"honeypot-{api_rows.FAILED_JOB}-{api_rows.CHALLENGER}")
        assert "caught (not drawn)" in undrawn and eth(api_rows.JACKPOT) in undrawn


def test_an_empty_database_renders_every_page(tmp_path: Path) -> None:

    with database("sqlite", tmp_path) as url:
        upgrade(url)
        with client(url, tmp_path / "store") as api:
            for path in ("/explorer/jobs", "/explorer/leaderboard", "/explorer/stats"):
                assert api.get(path).status_code == 200, path
            audit = Page.of(api.get("/explorer/audit").text)
            assert audit.has("audit-empty")
            assert api.get("/explorer/jobs/1").status_code == 404
            assert api.get("/explorer/disputes/1").status_code == 404


def test_every_template_and_static_file_is_package_data() -> None:
    """An installed package (not only a checkout) carries the explorer's templates and CSS."""
    root = Path(__file__).resolve().parents[2]
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["services.api.explorer"]
    package = root / "services" / "api" / "explorer"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    files = {p for d in ("templates", "static") for p in (package / d).rglob("*") if p.is_file()}
    assert files and files <= shipped, sorted(str(p) for p in files - shipped)
