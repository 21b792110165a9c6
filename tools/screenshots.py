"""`make screenshots`: build the browser tests' devnet scenario (a paid job, a dispute won in
court, a honeypot caught), index and serve it, and write a PNG of every explorer page: 1280px
wide, plus the dispute page at 375px (phone). Run from the repository root with it on
PYTHONPATH (the Makefile does)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, ViewportSize, sync_playwright

from assay.errors import AssayError
from assay.logs import configure
from tests.browser.chromium import (
    DESKTOP,
    PHONE,
    BrowserUnavailable,
    find_chromium,
    launch,
    watched_page,
)
from tests.browser.scenario import PAGES, Site, explorer_site, page_path

DEFAULT_OUT = Path("docs/screenshots")
PHONE_PAGES = ("dispute",)  # also shot at phone width, as <name>-phone.png


class ScreenshotError(AssayError):
    """A page could not be shot as it is."""

    hint = "run the browser tests (pytest tests/browser) to see what the page does wrong"


def capture(browser: Browser, url: str, out: Path, viewport: ViewportSize) -> Path:
    """A full-page PNG of `url` at `viewport` width, written to `out`; the page must answer
    200 with no console error and no failed request (a broken page is not documentation)."""
    with watched_page(browser, viewport) as (page, watch):
        response = page.goto(url, wait_until="load")
        status = response.status if response is not None else None
        if status != 200:
            raise ScreenshotError(f"{url} answered {status}, not 200")
        if watch.problems():
            raise ScreenshotError(f"{url} loaded with problems: {'; '.join(watch.problems())}")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
    return out


def shots(site: Site) -> list[tuple[str, str, ViewportSize]]:
    """(file name, URL, viewport) of every screenshot of the explorer."""
    wanted = [(f"{name}.png", site.url(page_path(name, site.scenario)), DESKTOP) for name in PAGES]
    wanted += [
        (f"{name}-phone.png", site.url(page_path(name, site.scenario)), PHONE)
        for name in PHONE_PAGES
    ]
    return wanted


def capture_all(browser: Browser, site: Site, out_dir: Path) -> tuple[list[Path], list[str]]:
    """Every screenshot into `out_dir`: (files written, errors of those that failed)."""
    written: list[Path] = []
    errors: list[str] = []
    for file_name, url, viewport in shots(site):
        try:
            written.append(capture(browser, url, out_dir / file_name, viewport))
        except ScreenshotError as exc:
            errors.append(f"{file_name}: {exc}")
    return written, errors


def main(argv: list[str] | None = None) -> int:
    """Build, serve and shoot; 0 when every page was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNGs go")
    args = parser.parse_args(argv)
    configure("WARNING")
    try:
        chromium = find_chromium()  # before Playwright starts: a missing browser fails fast
        with sync_playwright() as playwright:
            browser = launch(playwright, chromium)
            try:
                with tempfile.TemporaryDirectory() as tmp, explorer_site(Path(tmp)) as site:
                    written, errors = capture_all(browser, site, args.out)
            finally:
                browser.close()
    except BrowserUnavailable as exc:
        print(f"error: {exc}\nhint: {exc.hint}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        print(f"hint: {ScreenshotError.hint}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
