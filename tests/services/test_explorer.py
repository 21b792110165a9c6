"""The web explorer on real devnet journeys, indexed into SQLite and PostgreSQL: each page shows
the chain's numbers (status, budget, rounds, clocks, votes, audit counts), every link on every
page resolves, unknown ids get an HTML 404, and the pages hold up at phone width."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from assay.chain.devnet import Devnet
from assay.protocol.types import JobStatus, Role
from services.api.explorer.formatting import eth
from services.whistleblower.audit import audit as chain_audit
from tests.services.explorer_site import (
    ACCURACY,
    LOSSES,
    Journeys,
    Page,
    indexed_site,
    play_journeys,
)

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def chain(
    contracts_built: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Devnet, Journeys]]:
    """One devnet on which every journey was played (the tests only read it)."""
    with Devnet() as net:
        net.stake_defaults()
        yield net, play_journeys(net, tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest,
    chain: tuple[Devnet, Journeys],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    """The explorer over the chain, indexed into a database of each backend."""
    net, ids = chain
    with indexed_site(net, request.param, tmp_path_factory.mktemp("db"), ids.store_dir) as client:
        yield client


@pytest.fixture
def ids(chain: tuple[Devnet, Journeys]) -> Journeys:
    return chain[1]


@pytest.fixture
def net(chain: tuple[Devnet, Journeys]) -> Devnet:
    return chain[0]


def page(client: TestClient, path: str, status: int = 200) -> Page:
    """GET an explorer page, check it is a whole HTML page of `status`, and parse it."""
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text and "<nav" in response.text and "<main" in response.text
    return Page.of(response.text)


def address(net: Devnet, name: str) -> str:
    return net.actor(name).address.lower()


# ------------------------------------------------------------------------------ jobs


def test_root_and_explorer_redirect_to_the_jobs_page(site: TestClient) -> None:
    for path in ("/", "/explorer"):
        response = site.get(path, follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"] == "/explorer/jobs"


def test_jobs_page_lists_every_job_with_its_chain_status(
    site: TestClient, net: Devnet, ids: Journeys
) -> None:
    jobs = page(site, "/explorer/jobs")
    market = net.actor("deployer").protocol.market
    for job_id in (ids.paid, ids.disputed, ids.honeypot, ids.cancelled, ids.with_metrics):
        status = market.job_status(job_id).name.lower()
        assert jobs.text(f"job-row-status-{job_id}") == status.replace("_", " ")
    assert jobs.text(f"job-row-status-{ids.paid}") == "finalized"
    assert jobs.text(f"job-row-status-{ids.cancelled}") == "cancelled"
    # Live updates re-fetch the table fragment; the page itself carries the whole table.
    live = next(e for e in jobs.elements if "data-live" in e.attrs)
    assert live.attrs["data-live"] == "/explorer/jobs?fragment=table"
    assert any(e.attrs.get("src") == "/explorer/static/live.js" for e in jobs.all("script"))


def test_jobs_filters_by_status_submitter_and_solver(
    site: TestClient, net: Devnet, ids: Journeys
) -> None:
    finalized = page(site, "/explorer/jobs?status=finalized")
    assert finalized.has(f"job-row-{ids.paid}")
    assert not finalized.has(f"job-row-{ids.cancelled}")
    assert not finalized.has(f"job-row-{ids.disputed}")
    both = page(site, "/explorer/jobs?status=finalized&status=cancelled")
    assert both.has(f"job-row-{ids.paid}") and both.has(f"job-row-{ids.cancelled}")
    solver = address(net, "solver").upper().replace("0X", "0x")  # any case is accepted
    solved = page(site, f"/explorer/jobs?solver={solver}")
    assert solved.has(f"job-row-{ids.paid}") and not solved.has(f"job-row-{ids.cancelled}")
    nobody = page(site, f"/explorer/jobs?submitter={address(net, 'verifier1')}")
    assert nobody.has("jobs-empty")
    blank = page(site, "/explorer/jobs?status=&submitter=&solver=")  # an untouched form
    assert blank.has(f"job-row-{ids.paid}")


def test_jobs_filter_mistakes_are_explained_on_the_page(site: TestClient) -> None:
    bad = page(site, "/explorer/jobs?status=done", status=400)
    assert "unknown status 'done'" in bad.text("filter-error")
    bad = page(site, "/explorer/jobs?submitter=alice", status=400)
    assert "submitter must be an address" in bad.text("filter-error")
    bad = page(site, "/explorer/jobs?cursor=garbage", status=400)
    assert bad.has("filter-error")


def test_jobs_table_fragment_is_the_table_alone(site: TestClient, ids: Journeys) -> None:
    response = site.get("/explorer/jobs?status=finalized&fragment=table")
    assert response.status_code == 200
    assert "<html" not in response.text and "<nav" not in response.text
    fragment = Page.of(response.text)
    assert fragment.has(f"job-row-{ids.paid}") and not fragment.has(f"job-row-{ids.cancelled}")


# ------------------------------------------------------------------------------ one job


def test_paid_job_page_shows_status_money_verifiers_and_every_transaction(
    site: TestClient, net: Devnet, ids: Journeys
) -> None:
    market = net.actor("deployer").protocol.market
    chain_job = market.get_job(ids.paid)
    job = page(site, f"/explorer/jobs/{ids.paid}")
    assert job.text("job-status") == "finalized"
    assert job.text("job-budget") == eth(chain_job.budget)
    assert job.by_testid("job-budget").attrs["title"] == f"{chain_job.budget} wei"
    assert job.text("job-tax") == eth(chain_job.tax)
    assert job.text("job-steps") == str(chain_job.steps)
    # The solver's pay and the verifiers' fees add up to the budget the job escrowed.
    solver_pay = int(job.by_testid("job-solver-pay").attrs["title"].split()[0])
    verifier_pay = int(job.by_testid("job-verifier-pay").attrs["title"].split()[0])
    assert solver_pay + verifier_pay == chain_job.budget
    for a in market.assignments(ids.paid):
        assert job.text(f"verifier-{a.verifier.lower()}").startswith("attested")
    assert (
        job.text("job-no-metrics")
        == "no metrics artifact: the result's artifact URI is not assay://."
    )
    timeline = job.by_testid("job-timeline").text
    kinds = [e.attrs["data-kind"] for e in job.elements if "data-kind" in e.attrs]
    assert kinds[0] == "posted"
    assert {"claimed", "submitted", "attested", "finalized", "payout"} <= set(kinds)
    receipt_hashes = {
        tx for e in job.elements if e.attrs.get("class") == "hash" for tx in [e.text.strip()]
    }
    # Every timeline row names a transaction of the chain.
    w3 = net.node.w3
    txs = [h for h in receipt_hashes if len(h) == 66 and h in timeline]
    assert txs
    for tx in txs:
        assert w3.eth.get_transaction_receipt(tx)["status"] == 1  # type: ignore[arg-type]


def test_job_page_draws_the_loss_curve_from_the_metrics_artifact(
    site: TestClient, ids: Journeys
) -> None:
    job = page(site, f"/explorer/jobs/{ids.with_metrics}")
    svg = job.by_testid("loss-curve")
    assert svg.tag == "svg" and svg.attrs["role"] == "img"
    assert "Training loss over 4 steps" in svg.text
    polyline = next(e for e in job.all("polyline"))
    points = [tuple(map(float, p.split(","))) for p in polyline.attrs["points"].split()]
    assert len(points) == len(LOSSES)
    ys = [y for _, y in points]
    assert ys == sorted(ys)  # a falling loss is drawn going down the SVG
    assert job.text("job-final-metric") == f"{ACCURACY:.4f}"
    assert any(e.text == ids.metrics_hash for e in job.all("code"))  # where it was read from


def test_disputed_job_page_links_its_dispute_and_shows_the_slash(
    site: TestClient, net: Devnet, ids: Journeys
) -> None:
    job = page(site, f"/explorer/jobs/{ids.disputed}")
    assert job.text("job-status") == "failed"
    assert f"/explorer/disputes/{ids.game}" in job.hrefs()
    chain_job = net.actor("deployer").protocol.market.get_job(ids.disputed)
    assert job.text("job-solver-slashed") == eth(chain_job.params.solverStake)
    challenger = address(net, "challenger")
    assert f"/explorer/accounts/{challenger}" in job.hrefs()


def test_honeypot_job_page_says_what_each_drawn_verifier_did(
    site: TestClient, net: Devnet, ids: Journeys
) -> None:
    market = net.actor("deployer").protocol.market
    attester, winner = (a.verifier.lower() for a in market.assignments(ids.honeypot))
    job = page(site, f"/explorer/jobs/{ids.honeypot}")
    assert job.text(f"verifier-{attester}").startswith("attested")
    assert job.text(f"verifier-{winner}") == "challenged and won"
    reveal = job.text("job-honeypot")
    assert "forced error at step 3, operator 2" in reveal
    assert market.get_job(ids.honeypot).status == JobStatus.FAILED


def test_a_submitted_job_has_its_seats_pending_not_missed(
    site: TestClient, net: Devnet, ids: Journeys
) -> None:
    job = page(site, f"/explorer/jobs/{ids.with_metrics}")
    assert job.text("job-status") == "submitted"
    for a in net.actor("deployer").protocol.market.assignments(ids.with_metrics):
        assert job.text(f"verifier-{a.verifier.lower()}") == "pending"


# ------------------------------------------------------------------------------ dispute


def test_dispute_page_draws_the_bisection_round_by_round_with_clocks_and_court(
    site: TestClient, net: Devnet, ids: Journeys
) -> None:
    protocol = net.actor("deployer").protocol
    game = protocol.game.get_game(ids.game)
    dispute = page(site, f"/explorer/disputes/{ids.game}")
    assert dispute.text("game-status") == "challenger won"
    assert f"/explorer/jobs/{ids.disputed}" in dispute.hrefs()
    assert dispute.text("game-rounds") == str(game.rounds) == "3"
    assert dispute.text("game-bond") == eth(game.bond)
    assert dispute.by_testid("clock-solver").attrs["data-seconds"] == str(game.solver_clock)
    assert dispute.by_testid("clock-challenger").attrs["data-seconds"] == str(game.challenger_clock)
    # Phase 1 halves [0, 4] to the faulty step 3; phase 2 narrows step 3's operators to op 2.
    rows = {n: dispute.by_testid(f"round-{n}").attrs for n in (1, 2, 3)}
    intervals = {n: (r["data-lo"], r["data-hi"], r["data-over"]) for n, r in rows.items()}
    assert intervals == {1: ("2", "4", "steps"), 2: ("2", "3", "steps"), 3: ("1", "2", "operators")}
    assert (game.lo, game.hi) == (1, 2)
    assert dispute.text("disputed-step") == str(game.step) == "3"
    op = dispute.by_testid("adjudicated-op")
    assert (op.attrs["data-step"], op.attrs["data-op"]) == ("3", "2")
    # The journeys' spec is `file://job.toml`, not a stored artifact: shown by index, with why.
    assert "spec is not an assay:// artifact" in site.get(f"/explorer/disputes/{ids.game}").text
    svg = dispute.by_testid("bisection-svg")
    assert svg.tag == "svg" and "round 3: [1, 2] of 2 operators" in svg.text
    request = protocol.court.get_request(game.request_id)
    for referee in protocol.court.committee(game.request_id):
        vote = dispute.text(f"vote-{referee.lower()}")
        assert "with the majority" in vote
    assert request.step == 3


def test_moves_name_their_transactions(site: TestClient, net: Devnet, ids: Journeys) -> None:
    dispute = page(site, f"/explorer/disputes/{ids.game}")
    table = dispute.by_testid("moves-table").text
    hashes = [e.text.strip() for e in dispute.elements if e.attrs.get("class") == "hash"]
    moves = [h for h in hashes if h in table and len(h) == 66]
    assert len(moves) >= 10  # started, 3 × (opened, narrowed), step isolated, op trace, …
    tx = net.node.w3.eth.get_transaction(moves[0])  # type: ignore[arg-type]
    assert tx["from"].lower() == address(net, "challenger")  # the game starts with challenge()


# ------------------------------------------------------------------------------ accounts


def test_account_page_shows_stakes_slashes_credits_jobs_and_games(
    site: TestClient, net: Devnet, ids: Journeys
) -> None:
    stakes = net.actor("deployer").protocol.stakes
    solver = address(net, "solver")
    account = page(site, f"/explorer/accounts/{solver}")
    assert account.text("account-address") == solver
    on_chain = stakes.stake_of(net.actor("solver").address, Role.SOLVER)
    assert account.by_testid("stake-solver") is not None
    assert eth(on_chain.amount) in account.text("stake-solver")
    assert account.text("account-credits") == eth(stakes.credit_of(net.actor("solver").address))
    assert account.text("stake-slashed-solver") == eth(
        net.actor("deployer").protocol.market.get_job(ids.disputed).params.solverStake
    )
    assert f"/explorer/jobs/{ids.paid}" in account.hrefs()
    assert f"/explorer/disputes/{ids.game}" in account.hrefs()
    kinds = {e.attrs["data-kind"] for e in account.elements if "data-kind" in e.attrs}
    assert {"locked", "unlocked", "slashed", "credited", "claimed"} <= kinds


def test_unknown_and_malformed_ids_get_an_html_404(site: TestClient) -> None:
    for path in (
        "/explorer/jobs/999",
        "/explorer/jobs/abc",
        "/explorer/jobs/99999999999999999999999",
        "/explorer/disputes/999",
        "/explorer/disputes/-1",
        "/explorer/accounts/0x0000000000000000000000000000000000000001",
        "/explorer/accounts/alice",
        "/explorer/no-such-page",
    ):
        missing = page(site, path, status=404)
        assert missing.has("not-found"), path


# ------------------------------------------------------------------------------ rankings


def test_leaderboard_ranks_the_paid_solver_and_verifiers(
    site: TestClient, net: Devnet, ids: Journeys
) -> None:
    board = page(site, "/explorer/leaderboard")
    solver = address(net, "solver")
    assert board.has(f"leader-solver-{solver}")
    assert f"/explorer/accounts/{solver}" in board.hrefs()
    for a in net.actor("deployer").protocol.market.assignments(ids.paid):
        assert board.has(f"leader-verifier-{a.verifier.lower()}")


def test_stats_page_counts_jobs_and_money(site: TestClient, net: Devnet, ids: Journeys) -> None:
    stats = page(site, "/explorer/stats")
    market = net.actor("deployer").protocol.market
    count = market.job_count()
    assert stats.text("stats-jobs") == str(count)
    statuses = [market.job_status(j).name.lower() for j in range(1, count + 1)]
    for status in JobStatus:
        if status is not JobStatus.NONE:
            name = status.name.lower()
            assert stats.text(f"stats-jobs-{name}") == str(statuses.count(name))
    assert stats.text("stats-disputes") == "2"  # the disputed job's game and the honeypot's
    escrow = market.get_job(ids.with_metrics).budget  # the only job still in escrow
    assert stats.text("stats-escrow") == eth(escrow)


def test_audit_page_matches_the_chain_audit(site: TestClient, net: Devnet, ids: Journeys) -> None:
    report = chain_audit(net.actor("deployer").protocol)
    assert [h.job_id for h in report.honeypots] == [ids.honeypot]
    audit = page(site, "/explorer/audit")
    for t in report.totals:
        v = t.verifier.lower()
        assert audit.has(f"audit-row-{v}")
        assert audit.text(f"audit-assigned-{v}") == str(t.assigned)
        assert audit.text(f"audit-caught-{v}") == str(t.caught)
        assert audit.text(f"audit-challenged-{v}") == str(t.challenged)
        assert audit.text(f"audit-missed-{v}") == str(t.missed)
        assert audit.text(f"audit-attested-{v}") == str(t.attested)
        assert audit.text(f"audit-slashed-{v}") == eth(t.slashed)
        assert audit.text(f"audit-jackpots-{v}") == eth(t.jackpot)
    caught = [t for t in report.totals if t.caught]
    attested = [t for t in report.totals if t.attested]
    assert len(caught) == len(attested) == 1 and caught[0].jackpot > 0 and attested[0].slashed > 0
    assert f"/explorer/jobs/{ids.honeypot}" in audit.hrefs()


# ------------------------------------------------------------------------------ the site


def test_every_link_on_every_page_resolves(site: TestClient, ids: Journeys) -> None:
    seen: set[str] = set()
    queue = ["/explorer/jobs", "/explorer/stats", "/explorer/leaderboard", "/explorer/audit"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = site.get(path)
        assert response.status_code == 200, f"{path} -> {response.status_code}"
        if not path.startswith("/explorer/") or path.startswith("/explorer/static/"):
            continue  # the API's own pages (/docs) and static files are not crawled
        for href in Page.of(response.text).hrefs():
            parts = urlsplit(href)
            assert not parts.netloc, f"{path} links off-site without a tx URL setting: {href}"
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                queue.append(target)
    assert f"/explorer/disputes/{ids.game}" in seen
    assert f"/explorer/jobs/{ids.honeypot}" in seen
    assert any(p.startswith("/explorer/accounts/") for p in seen)
    assert "/explorer/static/explorer.css" in seen


def test_pages_are_accessible_and_phone_width_ready(site: TestClient, ids: Journeys) -> None:
    css = site.get("/explorer/static/explorer.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "@media (max-width: 40rem)" in css.text  # 40rem = 640px: phones, 375px included
    assert ".scroll { overflow-x: auto;" in css.text  # wide tables scroll sideways
    for path in (
        "/explorer/jobs",
        f"/explorer/jobs/{ids.with_metrics}",
        f"/explorer/disputes/{ids.game}",
        "/explorer/audit",
    ):
        html = page(site, path)
        viewport = next(e for e in html.all("meta") if e.attrs.get("name") == "viewport")
        assert "width=device-width" in viewport.attrs["content"]
        assert html.all("nav") and html.all("main")
        for th in html.all("th"):
            assert th.attrs.get("scope") in ("col", "row"), (path, th.text)
        scrollers = [d for d in html.all("div") if d.attrs.get("class") == "scroll"]
        assert len(scrollers) == len(html.all("table")), path  # each table scrolls sideways
        for svg in html.all("svg"):
            assert svg.attrs.get("role") == "img" and svg.attrs.get("aria-labelledby")
        labelled = {e.attrs["for"] for e in html.all("label") if "for" in e.attrs}
        for field in html.all("input"):
            inside_label = field.attrs.get("type") == "checkbox"
            assert inside_label or field.attrs.get("id") in labelled, (path, field.attrs)


def test_explorer_pages_stay_out_of_the_openapi_schema(site: TestClient) -> None:
    paths = site.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/explorer") or p == "/"]


def test_transactions_link_to_the_configured_block_explorer(
    chain: tuple[Devnet, Journeys], tmp_path: Path
) -> None:
    net, ids = chain
    base = "https://sepolia.etherscan.io/tx/"
    with indexed_site(net, "sqlite", tmp_path, ids.store_dir, explorer_tx_url=base) as client:
        job = page(client, f"/explorer/jobs/{ids.paid}")
    links = [h for h in job.hrefs() if h.startswith(base)]
    assert links and all(len(h) == len(base) + 66 for h in links)
