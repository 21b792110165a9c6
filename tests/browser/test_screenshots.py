"""`make screenshots` (tools/screenshots.py) on small pages of a local static server: a
full-page PNG as wide as the viewport, refusing pages that fail; without a Chromium it says how
to install one. (The explorer's own shots are checked in test_explorer_browser.py, which builds
the devnet scenario once for both.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.chromium import DESKTOP, PHONE, png_size
from tools.screenshots import ScreenshotError, capture, main

ICON = '<link rel="icon" href="data:,">'  # no /favicon.ico request
PAGES_HTML = {
    "fine.html": f"<!doctype html><title>fine</title>{ICON}<main><h1>fine</h1></main>",
    "noisy.html": f"<!doctype html><title>noisy</title>{ICON}<script>console.error('x')</script>",
}


class QuietHandler(SimpleHTTPRequestHandler):
    """Files from a directory, without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def static_site(tmp_path: Path) -> Iterator[str]:
    """PAGES_HTML served from a real localhost socket (stdlib server in a thread)."""
    root = tmp_path / "www"
    root.mkdir()
    for name, html in PAGES_HTML.items():
        (root / name).write_text(html)
    handler = partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_capture_writes_a_full_page_png_as_wide_as_the_viewport(
    browser: Browser, static_site: str, tmp_path: Path
) -> None:
    desktop = capture(browser, f"{static_site}/fine.html", tmp_path / "d" / "fine.png", DESKTOP)
    phone = capture(browser, f"{static_site}/fine.html", tmp_path / "fine-phone.png", PHONE)
    assert png_size(desktop)[0] == DESKTOP["width"]
    assert png_size(phone)[0] == PHONE["width"]


def test_capture_refuses_a_missing_page_and_one_with_console_errors(
    browser: Browser, static_site: str, tmp_path: Path
) -> None:
    with pytest.raises(ScreenshotError, match="answered 404"):
        capture(browser, f"{static_site}/missing.html", tmp_path / "missing.png", DESKTOP)
    with pytest.raises(ScreenshotError, match="console error: x"):
        capture(browser, f"{static_site}/noisy.html", tmp_path / "noisy.png", DESKTOP)
    assert list(tmp_path.glob("*.png")) == []


def test_without_a_chromium_the_tool_says_how_to_install_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium here
    assert main(["--out", str(tmp_path / "shots")]) == 2
    err = capsys.readouterr().err
    assert "no Chromium on PATH" in err and "apt-get install -y chromium" in err
    assert not (tmp_path / "shots").exists()
