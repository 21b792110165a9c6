"""Where the CLI prints: the consoles (never cut at 80 columns when piped), `fail` (an error, what
to do, exit 1), and what the read commands share for `--json`.

`--json` documents are stable: snake_case keys, every amount twice — `"budget": "<wei>"` (a
decimal string, exact at any size) and `"budget_eth": "0.49"` — and timestamps as integer
seconds (the chain's clock). docs/cli.md lists the fields of each command.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from rich.text import Text

from assay.cli.units import eth_text

PIPE_WIDTH = 1000
"""Columns rich lays out for when stdout is not a terminal: piped output is never cut at 80."""

JsonFlag = Annotated[
    bool, typer.Option("--json", help="print one JSON document (fields in docs/cli.md)")
]


class PipeConsole(Console):
    """A rich Console as wide as the terminal, or PIPE_WIDTH columns when writing to a pipe."""

    def _size(self) -> ConsoleDimensions:
        if self._width is None and not self.is_terminal:
            return ConsoleDimensions(PIPE_WIDTH, 25)
        return Console.size.fget(self)  # type: ignore[attr-defined,no-any-return]

    size = property(_size, Console.size.fset)  # type: ignore[attr-defined]


console = PipeConsole(highlight=False)
err_console = PipeConsole(stderr=True, highlight=False)


def fail(message: str, hint: str | None = None) -> NoReturn:
    """Print an error (and what to do) to stderr and exit 1."""
    err_console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    if hint:
        err_console.print(Text.assemble(("what to do: ", "yellow"), hint), soft_wrap=True)
    raise typer.Exit(1)


def amount(name: str, wei: int) -> dict[str, str]:
    """`{name: "<wei>", name_eth: "<eth>"}`: one amount as a JSON document carries it."""
    return {name: str(wei), f"{name}_eth": eth_text(wei)}


def emit_json(document: Any) -> None:
    """Print a JSON document on stdout, unwrapped (no rich markup, no highlighting)."""
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
    sys.stdout.flush()
