"""CLI tests read rendered tables row by row: pin every console's width.

rich sizes a console from the terminal it finds, and a pytest-xdist worker has none, so tables
would be cut to 80 columns on some workers and not others.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay.cli import context, job, main, repro

WIDTH = 200


@pytest.fixture(autouse=True)
def _wide_consoles() -> Iterator[None]:
    consoles = [context.console, context.err_console, job.console, main.console, repro.console]
    saved = [c._width for c in consoles]
    for c in consoles:
        c.width = WIDTH
    yield
    for c, width in zip(consoles, saved, strict=True):
        c._width = width
