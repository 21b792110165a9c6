"""The devnet-only `--lazy` of `assay verifier run`: attest every assigned job, checking nothing.

The job is the e2e tests' synthetic one: its specURI (`file://job.toml`) resolves nowhere, so a
verifier that tried to replay it could not, and the lazy one must attest it anyway.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.chain.devnet import Devnet
from assay.cli.main import app
from tests.e2e.test_protocol_journeys import make_traces, submitted_job

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--lazy is a devnet demo option: it needs --dev-account"),
        (["--dev-account", "verifier1", "--replay", "sampled"], "--lazy replays nothing"),
    ],
)
def test_lazy_is_refused_off_the_devnet_and_with_sampling(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["verifier", "run", "--lazy", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_lazy_is_hidden_from_help() -> None:
    result = runner.invoke(app, ["verifier", "run", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "--lazy" not in result.output


@pytest.mark.anvil
def test_lazy_verifier_attests_a_job_it_cannot_even_fetch(
    contracts_built: Path, tmp_path: Path
) -> None:
    with Devnet(deployment_file=tmp_path / "deployment.json") as net:
        net.stake_defaults()
        p = net.actor("deployer").protocol
        job_id = submitted_job(net, make_traces(fault=(5, 3)))  # wrong, and unresolvable
        env = {
            "ASSAY_RPC_URL": net.node.url,
            "ASSAY_DEPLOYMENT": str(net.deployment_file),
            "ASSAY_PRIVATE_KEY": None,
            "ASSAY_STORE": None,
            "COLUMNS": "200",
        }
        for name in ("verifier1", "verifier2"):
            result = runner.invoke(
                app,
                [
                    "verifier", "run", "--lazy", "--dev-account", name,
                    "--state-dir", str(tmp_path / name), "--store", str(tmp_path / "store"),
                    "--inline", "--until-idle", "2", "--interval", "0",
                ],
                env=env,
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            assert f"Attest job={job_id} -> sent" in result.output, result.output
            assert "StartReplay" not in result.output and "Challenge" not in result.output
            assert "verifier agent stopped (idle)" in result.output
        assigned = p.market.assignments(job_id)
        assert assigned and all(a.attested and not a.challenged for a in assigned)
        assert p.game.game_count() == 0
