"""Every command's --help: an example to copy, and argument types as a person reads them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from assay.cli.main import app

runner = CliRunner()


def commands(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every leaf command under `group` (a typer group: it has `.commands`)."""
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        if hasattr(command, "commands"):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


ALL = [" ".join(path) for path in commands(typer.main.get_command(app))]


def help_of(path: str) -> str:
    result = runner.invoke(app, [*path.split(), "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", ALL)
def test_every_command_help_has_an_example(path: str) -> None:
    """Walks every command of the typer app (new commands are checked without listing them)."""
    text = help_of(path)
    assert "Example" in text, f"`assay {path} --help` shows no example"
    assert f"assay {path}" in text  # the example runs this very command


def test_the_walk_finds_the_commands_of_every_group() -> None:
    for path in ("job submit", "job fetch", "job list", "stake add", "credits claim",
                 "dispute show", "challenge", "solver run", "verifier run", "referee run",
                 "whistleblower run", "repro run", "indexer run", "api", "worker"):  # fmt: skip
        assert path in ALL


@pytest.mark.parametrize(
    ("path", "metavars"),
    [
        ("job submit", ["AMOUNT", "JOB_FILE", "tcp://HOST:PORT", "DIR"]),
        ("job status", ["JOB_ID"]),
        ("stake add", ["AMOUNT"]),
        ("stake status", ["ADDRESS"]),
        ("dispute show", ["GAME_ID"]),
        ("dispute list", ["JOB_ID"]),
    ],
)
def test_arguments_are_typed_as_people_read_them(path: str, metavars: list[str]) -> None:
    text = help_of(path)
    for metavar in metavars:
        assert metavar in text, f"`assay {path} --help` lacks {metavar}"


def test_version_option_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("assay ") and any(c.isdigit() for c in result.output)
