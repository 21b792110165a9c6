"""A job on a user data file (`artifact:0x<sha256>`), end to end on a devnet.

The submitter posts it with `assay job submit --artifacts DIR --peer` (its store served by a
BlobServer); a solver agent with its own, empty store (another machine) resolves the spec,
fetches the data file from the spec's peer, trains and submits; a third party fetches the
trained model with `assay job fetch` and gets the metric on the user's test split; a verifier
with `--replay sampled` and its own empty store checks it, fetching the data file from the
solver's peer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from assay.agents.base import AgentConfig
from assay.agents.datafiles import data_hash
from assay.agents.manifest import ManifestPublisher
from assay.agents.runner import InlineRunner
from assay.agents.specsource import StoreSpecSource
from assay.agents.work import MappingSpecSource, train_trace
from assay.chain.devnet import Devnet
from assay.cli.main import app
from assay.net.blobs import BlobServer
from assay.protocol.canonical import spec_hash
from assay.protocol.spec import load_spec
from assay.protocol.types import JobId, JobStatus
from assay.store import LocalStore
from solver.agent import SolverAgent
from tests.cli.test_job_cli import artifact_job
from verifier.agent import VerifierAgent
from verifier.sampling import ReplayPolicy

pytestmark = pytest.mark.anvil

runner = CliRunner()


def assay(net: Devnet, *args: str) -> Result:
    env = {
        "ASSAY_RPC_URL": net.node.url,
        "ASSAY_DEPLOYMENT": str(net.deployment_file),
        "ASSAY_PRIVATE_KEY": None,
    }
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    return result


def test_submit_needs_the_data_file(net: Devnet, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    job = artifact_job(data)
    result = assay(
        net, "job", "submit", str(job), "--budget", "0.5ether", "--store", str(tmp_path / "s"),
        "--dev-account", "submitter",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "is a user file" in result.output and "--artifacts DIR" in result.output
    assert net.actor("deployer").protocol.market.job_count() == 0


def test_a_solver_elsewhere_fetches_the_data_file_trains_and_the_model_comes_home(
    net: Devnet, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    job_file = artifact_job(data)
    spec = load_spec(job_file)
    h = data_hash(spec)
    assert h is not None
    names = ("submitter", "solver", "fetcher", "verifier")
    stores = {name: LocalStore(tmp_path / name) for name in names}
    with BlobServer(stores["submitter"]) as spec_peer, BlobServer(stores["solver"]) as solver_peer:
        result = assay(
            net, "job", "submit", str(job_file), "--budget", "0.5ether",
            "--artifacts", str(data), "--peer", spec_peer.endpoint,
            "--store", str(stores["submitter"].root), "--dev-account", "submitter",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert re.search(rf"^data file:\s+{h} ", result.output, re.MULTILINE), result.output
        assert stores["submitter"].has(h)
        match = re.search(r"job (\d+) posted", result.output)
        assert match, result.output
        job_id = JobId(int(match.group(1)))

        assert net.deployment is not None
        solver = SolverAgent(
            net.actor("solver").protocol, StoreSpecSource(stores["solver"]),
            AgentConfig(cursor_path=tmp_path / "agent" / "cursor.json",
                        workdir=tmp_path / "agent" / "work",
                        start_block=net.deployment.block_number, min_credit=0),
            runner=InlineRunner(),
            publish=ManifestPublisher(stores["solver"], [solver_peer.endpoint]),
        )  # fmt: skip
        market = net.actor("deployer").protocol.market
        for _ in range(10):
            if market.job_status(job_id) == JobStatus.SUBMITTED:
                break
            solver.tick()
        assert market.job_status(job_id) == JobStatus.SUBMITTED
        assert stores["solver"].has(h)  # fetched from the spec's peer, not copied by the test

        expected = train_trace(spec, tmp_path / "local", artifact_dir=data)
        assert market.get_job(job_id).final_state == expected[-1]

        # The verifier's spec source fetches only the spec: its store starts without the data
        # file, which the sampled check then fetches from the solver's peer (artifactURI).
        verifier = VerifierAgent(
            net.actor("verifier1").protocol, MappingSpecSource({spec_hash(spec): spec}),
            AgentConfig(cursor_path=tmp_path / "verifier-agent" / "cursor.json",
                        workdir=tmp_path / "verifier-agent" / "work",
                        start_block=net.deployment.block_number, min_credit=0),
            runner=InlineRunner(), verify_all=True, store=stores["verifier"],
            policy=ReplayPolicy.sampled(segments=2, seed=7),
        )  # fmt: skip
        for _ in range(5):
            if int(job_id) in verifier.sampled:
                break
            verifier.tick()
        sampled = verifier.sampled[int(job_id)]
        assert sampled.ok, sampled.reason
        assert sampled.segments == ((0, 2), (2, 4)) and stores["verifier"].has(h)

        out = tmp_path / "model"
        result = assay(
            net, "job", "fetch", str(job_id), "--out", str(out), "--json",
            "--store", str(stores["fetcher"].root),
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["metric"] == "accuracy" and 0.0 <= doc["value"] <= 1.0
    assert (out / "model.safetensors").is_file() and stores["fetcher"].has(h)
