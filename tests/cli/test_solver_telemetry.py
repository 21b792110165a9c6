"""A real `assay solver run` process publishes its training progress and its metrics.

`assay job watch --telemetry` (a real process, piped) prints one line per progress event of the
solver training the job; the solver's manifest names a metrics.json whose losses are the ones
watched, and the explorer's reader (services/api/service/metrics.py) draws the curve from it.
No fixed sleeps: every wait polls a condition with a deadline.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.chain.devnet import Devnet
from assay.cli.main import app
from assay.net.blobs import BlobServer
from assay.net.uri import parse_uri
from assay.protocol.spec import load_spec
from assay.protocol.types import JobId, JobStatus
from assay.store import ContentHash, LocalStore
from services.api.service.metrics import TrainingMetrics, job_metrics
from tests.cli.agent_procs import AgentProcs

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"
STEPS = 30
PROGRESS = re.compile(r"job (\d+): step (\d+)/(\d+) \(\d+%\) loss (\d+\.\d{4})$")


def small_job(tmp: Path) -> Path:
    text = re.sub(r"(?m)^steps = 500", f"steps = {STEPS}", EXAMPLE.read_text())
    text = re.sub(r"(?m)^interval = 50", "interval = 10", text)
    path = tmp / "job.toml"
    path.write_text(text)
    assert load_spec(path).training.steps == STEPS
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_watch(procs: AgentProcs, job_id: JobId, endpoint: str) -> None:
    """`assay job watch ID --telemetry ENDPOINT` as one more child of `procs` (logs/watch.log)."""
    log = procs.work / "logs" / "watch.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "assay.cli.main", "job", "watch", str(job_id),
                "--interval", "0.1", "--telemetry", endpoint,
            ],
            cwd=procs.work, env=procs.env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    procs.procs["watch"] = (proc, log)


def test_watch_follows_a_real_solvers_training_and_its_manifest_names_the_metrics(
    devnet: Devnet, tmp_path: Path
) -> None:
    procs = AgentProcs(devnet, tmp_path)
    market = devnet.actor("deployer").protocol.market
    submitter_store = LocalStore(tmp_path / "submitter-store")
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    with BlobServer(submitter_store) as spec_peer:
        result = CliRunner().invoke(
            app,
            [
                "job", "submit", str(small_job(tmp_path)), "--budget", "0.5ether",
                "--peer", spec_peer.endpoint, "--store", str(submitter_store.root),
                "--dev-account", "submitter",
            ],
            env={**procs.env, "ASSAY_PRIVATE_KEY": None, "ASSAY_STORE": None},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        match = re.search(r"job (\d+) posted", result.output)
        assert match, result.output
        job_id = JobId(int(match.group(1)))
        try:
            # The watcher first: it connects to the endpoint before the solver binds it (zmq
            # reconnects), so its subscription is in place before the solver trains.
            start_watch(procs, job_id, endpoint)
            procs.wait(lambda: f"job {job_id} is Open" in procs.log("watch"), "the watch")
            procs.start("solver", "solver", "solver", "--telemetry-bind", endpoint)
            last = f"job {job_id}: step {STEPS}/{STEPS} (100%)"
            procs.wait(lambda: last in procs.log("watch"), "the last training step watched")
            procs.wait(lambda: market.job_status(job_id) == JobStatus.SUBMITTED, "Submitted")
            artifact_uri = market.get_job(job_id).artifact_uri
        finally:
            procs.terminate()

    solver_log, watch_log = procs.log("solver"), procs.log("watch")
    assert f"solver: training progress published on {endpoint}" in solver_log, solver_log
    assert f"assay job watch ID --telemetry {endpoint}" in solver_log
    watched = {
        int(m.group(2)): float(m.group(4))
        for line in watch_log.splitlines()
        if (m := PROGRESS.search(line)) and int(m.group(1)) == job_id
    }
    assert STEPS in watched and len(watched) >= 2, watch_log  # one plain line per update
    assert "▁" not in watch_log  # piped: no sparkline

    store = LocalStore(tmp_path / "stores" / "solver")
    manifest = json.loads(store.get_bytes(parse_uri(artifact_uri).content_hash))
    metrics = json.loads(store.get_bytes(ContentHash(manifest["metrics"])))
    assert len(metrics["loss"]) == STEPS and metrics["metric"] == "accuracy"
    assert metrics["final_state_hash"] == manifest["final_state"]
    for step, loss in watched.items():  # the watched losses are the published ones
        assert f"{metrics['loss'][step - 1]:.4f}" == f"{loss:.4f}"

    shown = job_metrics(store, artifact_uri)  # what the explorer's job page draws
    assert isinstance(shown, TrainingMetrics), shown
    assert shown.losses == metrics["loss"] and shown.metric_name == "accuracy"
    assert shown.metric_value is not None and 0.0 <= shown.metric_value <= 1.0


def test_a_telemetry_bind_that_is_not_an_endpoint_or_a_port_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        app, ["solver", "run", "--telemetry-bind", "localhost:7412"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2, result.output
    assert "must be tcp://HOST:PORT, tcp://HOST:* or a port number" in result.output
