"""Where the CLI prints: the consoles, and `fail` (an error, what to do, exit 1)."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def fail(message: str, hint: str | None = None) -> NoReturn:
    """Print an error (and what to do) to stderr and exit 1."""
    err_console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    if hint:
        err_console.print(Text.assemble(("what to do: ", "yellow"), hint), soft_wrap=True)
    raise typer.Exit(1)
