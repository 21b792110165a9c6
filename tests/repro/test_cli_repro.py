"""`assay repro run` and `assay repro trace` write the documented artifacts."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assay.cli.main import app
from assay.repro.state import load_checkpoint

JOB = """
version = 1
[model]
arch = "mlp"
hidden = [16]
[data]
source = "sklearn:iris"
[training]
steps = 4
batch_size = 16
seed = 2
[training.optimizer]
name = "sgd"
lr = 0.1
momentum = 0.9
[checkpoint]
interval = 2
"""


def test_run_writes_hashes_checkpoint_and_metrics(tmp_path: Path) -> None:
    spec = tmp_path / "job.toml"
    spec.write_text(JOB)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["repro", "run", str(spec), "--out", str(out)])
    assert result.exit_code == 0, result.output
    hashes = (out / "hashes.txt").read_text().split()
    assert len(hashes) == 5 and all(h.startswith("0x") and len(h) == 66 for h in hashes)
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["loss"]) == 4 and 0.0 <= metrics["accuracy"] <= 1.0
    assert load_checkpoint(out / "final.safetensors").step == 4
    assert (out / "checkpoints" / "step_2.safetensors").exists()

    again = tmp_path / "again"
    CliRunner().invoke(app, ["repro", "run", str(spec), "--out", str(again)])
    assert (again / "hashes.txt").read_text() == (out / "hashes.txt").read_text()

    traced = tmp_path / "trace"
    result = CliRunner().invoke(
        app, ["repro", "trace", str(spec), "--step", "3", "--out", str(traced)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (traced / "ops.jsonl").read_text().splitlines()]
    assert records[0]["index"] == 1 and records[-1]["index"] == len(records)
    assert (traced / "op_root.txt").read_text().startswith("0x")


def test_run_reports_a_bad_spec(tmp_path: Path) -> None:
    spec = tmp_path / "job.toml"
    spec.write_text(JOB.replace('arch = "mlp"', 'arch = "resnet"'))
    result = CliRunner().invoke(app, ["repro", "run", str(spec), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
