"""`assay api`: settings from options and environment, --migrate, a not-ready warning, clear
errors; uvicorn itself is replaced by a recorder (the routes are tested in tests/services)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from assay.cli.api import api
from assay.cli.main import app as main_app
from services.db.migrate import current_revision, head_revision

runner = CliRunner()


def _app() -> typer.Typer:
    only = typer.Typer()
    only.command()(api)
    return only


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What uvicorn.run was called with (it returns at once instead of serving)."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


def test_help_shows_examples_and_the_environment_variables() -> None:
    result = runner.invoke(main_app, ["api", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for text in ("Examples:", "assay api --migrate", "ASSAY_DATABASE_URL", "--host", "--port"):
        assert text in result.output


def test_migrate_then_serve_with_the_options(
    tmp_path: Path, served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    monkeypatch.setenv("ASSAY_DATABASE_URL", url)
    result = runner.invoke(
        _app(),
        ["--migrate", "--port", "9123", "--artifact-dir", str(tmp_path / "s")],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    assert current_revision(url) == head_revision()
    (call,) = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 9123)
    settings = call["app"].state.context.settings
    assert settings.database_url == url and settings.artifact_dir == tmp_path / "s"
    assert "warning" not in result.output and "http://127.0.0.1:9123" in result.output


def test_an_unmigrated_database_is_served_with_a_warning(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = runner.invoke(
        _app(), ["--database-url", url, "--max-upload-bytes", "10"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "not ready yet" in result.output and "alembic upgrade head" in result.output
    assert served[0]["app"].state.context.store.max_artifact_bytes == 10


def test_a_malformed_database_url_fails_with_what_to_set(served: list[dict[str, Any]]) -> None:
    result = runner.invoke(_app(), ["--database-url", "mysql://x/y"], terminal_width=200)
    assert result.exit_code == 1 and served == []
    assert "ASSAY_DATABASE_URL" in result.output
