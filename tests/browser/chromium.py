"""The system Chromium driven by Playwright (no browser download: `make setup` installs the
distribution's chromium), and what a test watches on a page: console errors, uncaught
exceptions, failed requests and error responses, the page's icon, horizontal overflow; and the
size of a screenshot."""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Request,
    Response,
    ViewportSize,
)

from assay.errors import AssayError

CHROMIUM_NAMES = ("chromium", "chromium-browser")
INSTALL_HINT = (
    "install a Chromium on PATH: `make setup` does it as root with apt-get "
    "(`apt-get install -y chromium`); otherwise use your system's package manager"
)
FAVICON = "/favicon.ico"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 812}


class BrowserUnavailable(AssayError):
    """No Chromium could be found on PATH or launched."""

    hint = INSTALL_HINT


def find_chromium() -> str:
    """The path of the Chromium on PATH."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path is not None:
            return path
    raise BrowserUnavailable(f"no Chromium on PATH (looked for {', '.join(CHROMIUM_NAMES)})")


def launch(playwright: Playwright, path: str | None = None) -> Browser:
    """A headless Chromium: `path`, or the one on PATH."""
    path = path if path is not None else find_chromium()
    try:
        return playwright.chromium.launch(executable_path=path, headless=True)
    except Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise BrowserUnavailable(f"{path} did not start: {first}") from exc


@dataclass
class PageWatch:
    """Everything that went wrong on a page since it was attached (messages, in order)."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_responses: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> PageWatch:
        """Start recording `page`'s problems."""
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)
        return self

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '?')})")

    def _on_request_failed(self, request: Request) -> None:
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            request = response.request
            self.error_responses.append(f"{request.method} {response.url}: {response.status}")

    def problems(self) -> list[str]:
        """Every recorded problem, one line each, except the browser's own /favicon.ico fetch:
        Chromium makes it whenever it likes, so whether a watch sees it is a race
        (`icon_problem` checks the icon deterministically instead)."""
        lines = [
            *(f"console error: {m}" for m in self.console_errors),
            *(f"uncaught exception: {m}" for m in self.page_errors),
            *(f"request failed: {m}" for m in self.failed_requests),
            *(f"error response: {m}" for m in self.error_responses),
        ]
        return [line for line in lines if FAVICON not in line]


@contextmanager
def watched_page(
    browser: Browser, viewport: ViewportSize = DESKTOP
) -> Iterator[tuple[Page, PageWatch]]:
    """A page in a fresh context of `viewport` size, with a watch attached."""
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        yield page, PageWatch().attach(page)
    finally:
        context.close()


OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const body = document.body;
  return {
    viewport: root.clientWidth,
    content: Math.max(root.scrollWidth, body ? body.scrollWidth : 0),
  };
}"""


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page's content is wider than the viewport (0: it fits)."""
    sizes = page.evaluate(OVERFLOW_JS)
    return max(0, int(sizes["content"]) - int(sizes["viewport"]))


ICON_JS = """() => {
  const link = document.querySelector('link[rel~="icon"]');
  return link ? link.href : new URL('/favicon.ico', document.baseURI).href;
}"""


def icon_problem(page: Page) -> str | None:
    """Why the browser's icon request for `page` fails (the declared <link rel="icon"> or else
    /favicon.ico), or None when it loads."""
    url = str(page.evaluate(ICON_JS))
    if url.startswith("data:"):
        return None
    status = page.request.get(url).status
    if status == 200:
        return None
    return (
        f"the page's icon {url} answers {status}: the browser logs a console error on every "
        'visit (declare one, e.g. <link rel="icon" href="data:,">)'
    )


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is no PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
