"""`assay job init` and `assay job validate` through the real Typer app."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from assay.cli.job import STARTER_JOB
from assay.cli.main import app
from assay.protocol.canonical import spec_hash
from assay.protocol.spec import load_spec

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_init_writes_the_starter_job(tmp_path: Path) -> None:
    path = tmp_path / "job.toml"
    result = runner.invoke(app, ["job", "init", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text() == STARTER_JOB
    assert "# " in STARTER_JOB  # commented for the submitter
    load_spec(path)


def test_starter_job_is_the_digits_mlp_example() -> None:
    assert (EXAMPLES / "digits-mlp.toml").read_text() == STARTER_JOB


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "job.toml"
    path.write_text("keep me")
    result = runner.invoke(app, ["job", "init", str(path)])
    assert result.exit_code == 1
    assert "--force" in result.output and path.read_text() == "keep me"
    result = runner.invoke(app, ["job", "init", str(path), "--force"])
    assert result.exit_code == 0 and path.read_text() == STARTER_JOB


def test_validate_prints_hash_and_costs() -> None:
    path = EXAMPLES / "digits-mlp.toml"
    result = runner.invoke(app, ["job", "validate", str(path)])
    assert result.exit_code == 0, result.output
    match = re.search(r"spec hash:\s+(0x[0-9a-f]{64})", result.output)
    assert match and match.group(1) == "0x" + spec_hash(load_spec(path)).hex()
    assert "parameters:   9,610" in result.output
    assert "FLOPs/step" in result.output and "memory" in result.output
    assert "graph hash" in result.output


def test_validate_bad_file_exits_1_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "job.toml"
    path.write_text(STARTER_JOB.replace("batch_size = 64", "batch_size = 0"))
    result = runner.invoke(app, ["job", "validate", str(path)])
    assert result.exit_code == 1
    assert "training.batch_size = 0" in result.output and "raise it" in result.output


def test_validate_reports_toml_syntax_errors_with_a_line(tmp_path: Path) -> None:
    path = tmp_path / "job.toml"
    path.write_text('[model]\narch = "mlp\n')
    result = runner.invoke(app, ["job", "validate", str(path)])
    assert result.exit_code == 1 and "line 2" in result.output
