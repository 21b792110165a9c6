"""`assay job init` and `assay job validate` through the real Typer app."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np
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


def test_init_creates_missing_directories_and_refuses_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "jobs" / "new" / "job.toml"
    result = runner.invoke(app, ["job", "init", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text() == STARTER_JOB
    result = runner.invoke(app, ["job", "init", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{tmp_path} is a directory" in result.output


def test_validate_as_json(tmp_path: Path) -> None:
    path = EXAMPLES / "digits-mlp.toml"
    result = runner.invoke(app, ["job", "validate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["valid"] is True and doc["spec_hash"] == "0x" + spec_hash(load_spec(path)).hex()
    assert doc["graph_hash"].startswith("0x") and doc["data_source"] == "sklearn:digits"
    assert doc["parameters"] > 0 and doc["total_flops"] == 500 * doc["flops_per_step"]
    bad = tmp_path / "job.toml"
    bad.write_text(STARTER_JOB.replace("batch_size = 64", "batch_size = 0"))
    result = runner.invoke(app, ["job", "validate", str(bad), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["valid"] is False and "batch_size" in doc["error"]


def artifact_job(directory: Path) -> Path:
    """A 4-step MLP spec on a user data file `<sha256>.npz` written into `directory`."""
    rs = np.random.RandomState(0)
    x = rs.standard_normal((120, 4))
    buffer = io.BytesIO()
    np.savez(buffer, x=x, y=(x[:, 0] > 0).astype(np.int64))
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    (directory / f"{digest}.npz").write_bytes(buffer.getvalue())
    path = directory / "job.toml"
    source = f'source = "artifact:0x{digest}"\nn_features = 4\nn_classes = 2'
    text = STARTER_JOB.replace('source = "sklearn:digits"', source)
    text = text.replace("steps = 500", "steps = 4").replace("interval = 50 ", "interval = 2  ")
    path.write_text(text)
    return path


def test_validate_a_user_artifact_spec(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = artifact_job(data)
    result = runner.invoke(app, ["job", "validate", str(path)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "graph hash:   (needs the data file: pass --artifacts DIR)" in result.output
    result = runner.invoke(app, ["job", "validate", str(path), "--artifacts", str(data)])
    assert result.exit_code == 0, result.output
    assert re.search(r"graph hash:\s+0x[0-9a-f]{64}", result.output)
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    result = runner.invoke(app, ["job", "validate", str(path), "--artifacts", str(elsewhere)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "its data cannot be loaded" in result.output and "no file named" in result.output
