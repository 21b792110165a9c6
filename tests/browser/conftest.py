"""Fixtures of the browser tests: the explorer scenario served on a localhost socket, and a
headless system Chromium (the one skip allowed: no Chromium can be found or launched)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.browser.chromium import BrowserUnavailable, launch
from tests.browser.scenario import Site, explorer_site


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver for the session (one per process: it cannot nest)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """A headless Chromium from PATH for the session."""
    try:
        chromium = launch(playwright)
    except BrowserUnavailable as exc:
        pytest.skip(f"browser tests need Chromium: {exc}; {exc.hint}")
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="session")
def site(contracts_built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The scenario (paid job, dispute won in court, honeypot caught) indexed and served."""
    with explorer_site(tmp_path_factory.mktemp("explorer")) as served:
        yield served
