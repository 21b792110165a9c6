"""The explorer in a real headless Chromium over a real indexed devnet: every page loads with no
console error and no failed request, fits a 375px phone, and its links resolve; the key
numbers are the indexed ones; a visitor can click job -> dispute -> account; `make screenshots`
shoots the pages (checked here, where the scenario is built once, not in test_screenshots.py).
The first tests prove the harness itself (server, browser, watches) on the API's own routes."""

from __future__ import annotations

import json
import re
import socket
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.chromium import (
    DESKTOP,
    PHONE,
    horizontal_overflow,
    icon_problem,
    png_size,
    watched_page,
)
from tests.browser.scenario import PAGES, Site, page_path
from tools.screenshots import capture, shots

pytestmark = pytest.mark.anvil


def api_json(page: Page, site: Site, path: str) -> Any:
    """GET a JSON route of the API through the browser context (the numbers pages must show)."""
    response = page.request.get(site.url(path))
    assert response.status == 200, f"{path}: {response.status} {response.text()[:200]}"
    return response.json()


def visit(page: Page, site: Site, path: str) -> None:
    """Open `path` (its stylesheets, scripts and images loaded); it must answer 200."""
    response = page.goto(site.url(path), wait_until="load")
    assert response is not None, path
    assert response.status == 200, f"{path} answered {response.status}"


def ether(text: str) -> list[Decimal]:
    """The decimal numbers written in `text` (thousands separators dropped)."""
    return [Decimal(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


# ------------------------------------------------------------------ the harness proves itself


def test_a_real_browser_reads_the_served_api(browser: Browser, site: Site) -> None:
    with watched_page(browser) as (page, watch):
        visit(page, site, "/healthz")
        assert json.loads(page.inner_text("body")) == {"status": "ok"}
        visit(page, site, f"/v1/jobs/{site.scenario.paid_job}")
        job = json.loads(page.inner_text("body"))
        assert (job["job_id"], job["status"]) == (site.scenario.paid_job, "finalized")
        game = api_json(page, site, f"/v1/disputes/{site.scenario.dispute_game}")
        assert game["job_id"] == site.scenario.disputed_job
        assert game["winner"] == site.scenario.challenger
        assert watch.problems() == []
        # The JSON API has no icon: Chromium's own /favicon.ico fetch fails there.
        assert "answers 404" in (icon_problem(page) or "")


def test_the_watch_reports_console_errors_exceptions_and_failed_requests(
    browser: Browser, site: Site
) -> None:
    closed_port = unused_port()
    with watched_page(browser) as (page, watch):
        visit(page, site, "/healthz")
        assert watch.problems() == []
        with page.expect_console_message(lambda m: m.type == "error"):
            page.evaluate("() => console.error('broken on purpose')")
        with page.expect_event("pageerror"):
            page.evaluate("() => { setTimeout(() => { throw new Error('uncaught on purpose') }) }")
        with page.expect_response("**/no-such-route"):
            page.evaluate("() => fetch('/no-such-route').then(r => r.status)")
        with page.expect_event("requestfailed"):
            page.evaluate(f"() => fetch('http://127.0.0.1:{closed_port}/').catch(() => null)")
    assert any("broken on purpose" in m for m in watch.console_errors), watch.problems()
    assert any("uncaught on purpose" in m for m in watch.page_errors), watch.problems()
    assert any(m.endswith("/no-such-route: 404") for m in watch.error_responses), watch.problems()
    assert any(f"127.0.0.1:{closed_port}" in m for m in watch.failed_requests), watch.problems()


def unused_port() -> int:
    """A localhost port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_overflow_check_tells_a_wide_page_from_one_that_fits(
    browser: Browser, site: Site
) -> None:
    with watched_page(browser, PHONE) as (page, _):
        visit(page, site, "/healthz")
        assert horizontal_overflow(page) == 0
        page.set_content('<div style="width: 600px">wide</div>')
        assert horizontal_overflow(page) >= 600 - PHONE["width"]
        page.set_content('<div style="overflow-x: auto"><div style="width: 600px">x</div></div>')
        assert horizontal_overflow(page) == 0  # a scrolling table wrapper does not count


# ------------------------------------------------------------------------ the explorer pages


@pytest.fixture(scope="module")
def links_resolved() -> set[str]:
    """Site URLs already seen to answer 200 (every page links the navigation: fetch it once)."""
    return set()


def test_the_root_redirects_to_the_jobs_page(browser: Browser, site: Site) -> None:
    with watched_page(browser) as (page, watch):
        visit(page, site, "/")
        assert urlsplit(page.url).path == "/explorer/jobs"
        assert watch.problems() == []


@pytest.mark.parametrize("name", PAGES)
def test_every_page_loads_clean_fits_a_phone_and_its_links_resolve(
    browser: Browser, site: Site, name: str, links_resolved: set[str]
) -> None:
    path = page_path(name, site.scenario)
    with watched_page(browser) as (page, watch):
        visit(page, site, path)
        assert page.locator("main").count() == 1, f"{path} has no <main>"
        assert page.locator("nav a").count() >= 1, f"{path} has no navigation links"
        assert page.title().strip(), f"{path} has no <title>"
        page.set_viewport_size(PHONE)  # the same page, re-laid out at phone width
        overflow = horizontal_overflow(page)
        assert overflow == 0, f"{path} is {overflow}px wider than a 375px phone"
        assert watch.problems() == [], f"{path}: {watch.problems()}"
        assert icon_problem(page) is None, f"{path}: {icon_problem(page)}"
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        base = site.url("/")
        own = sorted({h.split("#")[0] for h in hrefs if urljoin(base, h).startswith(base)})
        assert own, f"{path} links nowhere on the site"
        unchecked = [h for h in own if h not in links_resolved]
        broken = [(h, r.status) for h in unchecked if (r := page.request.get(h)).status != 200]
        assert broken == [], f"{path} links to pages that fail: {broken}"
        links_resolved.update(unchecked)


def test_a_visitor_clicks_from_the_job_to_its_dispute_to_the_solver(
    browser: Browser, site: Site
) -> None:
    s = site.scenario
    with watched_page(browser) as (page, watch):
        visit(page, site, "/explorer/jobs")
        page.locator(f'a[href$="/explorer/jobs/{s.disputed_job}"]').first.click()
        page.wait_for_url(f"**/explorer/jobs/{s.disputed_job}")
        page.locator(f'a[href$="/explorer/disputes/{s.dispute_game}"]').first.click()
        page.wait_for_url(f"**/explorer/disputes/{s.dispute_game}")
        page.locator(f'a[href*="/explorer/accounts/{s.solver}" i]').first.click()
        page.wait_for_url(re.compile(f"/explorer/accounts/{s.solver}$", re.IGNORECASE))
        page.wait_for_load_state("load")
        assert page.locator("main").count() == 1
        assert s.solver in page.inner_text("main").lower()
        assert watch.problems() == []


def test_the_job_pages_show_the_indexed_status_and_budget(browser: Browser, site: Site) -> None:
    s = site.scenario
    with watched_page(browser) as (page, watch):
        for job_id in (s.paid_job, s.disputed_job):
            job = api_json(page, site, f"/v1/jobs/{job_id}")
            visit(page, site, f"/explorer/jobs/{job_id}")
            status = page.get_by_test_id("job-status").inner_text()
            assert job["status"] in status.lower(), (job_id, status)
            budget = page.get_by_test_id("job-budget").inner_text()
            assert "ETH" in budget, budget
            assert Decimal(job["budget"]) / 10**18 in ether(budget), (job["budget"], budget)
        assert watch.problems() == []


def test_the_dispute_page_shows_each_round_and_the_adjudicated_operator(
    browser: Browser, site: Site
) -> None:
    s = site.scenario
    with watched_page(browser) as (page, watch):
        game = api_json(page, site, f"/v1/disputes/{s.dispute_game}")
        rounds = game["bisection"]["rounds"]
        assert rounds >= 2  # both phases were played
        visit(page, site, f"/explorer/disputes/{s.dispute_game}")
        for n in range(1, rounds + 1):
            assert page.get_by_test_id(f"round-{n}").count() >= 1, f"no round-{n}"
        (adjudication,) = game["adjudications"]
        op = page.get_by_test_id("adjudicated-op").inner_text()
        assert str(adjudication["op_index"]) in op, (adjudication["op_index"], op)
        assert watch.problems() == []


def test_the_audit_page_lists_the_honeypot_verifiers(browser: Browser, site: Site) -> None:
    s = site.scenario
    with watched_page(browser) as (page, watch):
        visit(page, site, "/explorer/audit")
        for verifier in (s.honeypot_attester, s.honeypot_winner):
            row = page.locator(f'[data-testid="audit-row-{verifier}" i]')
            assert row.count() == 1, f"no audit row of {verifier}"
            assert row.is_visible()
            account_link = row.locator(f'a[href*="/explorer/accounts/{verifier}" i]')
            assert account_link.count() >= 1, f"the audit row of {verifier} links not to it"
        assert watch.problems() == []


def test_an_unknown_job_is_a_404_page_not_a_traceback(browser: Browser, site: Site) -> None:
    with watched_page(browser) as (page, _):
        response = page.goto(site.url("/explorer/jobs/999999"))
        assert response is not None and response.status == 404
        assert "text/html" in response.headers["content-type"]
        assert page.locator("main").count() == 1
        assert "Traceback" not in page.content()


# ------------------------------------------------------------- make screenshots of the explorer


def test_every_explorer_page_is_listed_desktop_and_the_dispute_at_phone_width(site: Site) -> None:
    wanted = {name: (urlsplit(url).path, viewport) for name, url, viewport in shots(site)}
    expected = {f"{n}.png": (page_path(n, site.scenario), DESKTOP) for n in PAGES}
    dispute = page_path("dispute", site.scenario)
    assert wanted == {**expected, "dispute-phone.png": (dispute, PHONE)}


def test_the_dispute_page_is_shot_desktop_and_phone(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    url = site.url(page_path("dispute", site.scenario))
    desktop = capture(browser, url, tmp_path / "dispute.png", DESKTOP)
    phone = capture(browser, url, tmp_path / "dispute-phone.png", PHONE)
    assert png_size(desktop)[0] == DESKTOP["width"]
    assert png_size(phone)[0] == PHONE["width"]
    assert png_size(phone)[1] > png_size(desktop)[1]  # the narrow layout runs longer
