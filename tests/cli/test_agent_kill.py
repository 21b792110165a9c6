"""A verifier agent SIGKILLed in the middle of a dispute restarts from its state dir and wins.

Every agent is a real `assay … run` child process on a devnet: a cheating solver
(`--cheat-from 4:37`), two referees and verifier1. Once verifier1's game has played a round,
the verifier is killed with SIGKILL (no cleanup, no final cursor write), and a new process is
started with the same --state-dir and --store. It must pick the game up from its cursor and play
it to ChallengerWon without opening a second game. No fixed sleeps: every wait polls the chain
with a deadline.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.chain.devnet import Devnet
from assay.cli.main import app
from assay.net.blobs import BlobServer
from assay.protocol.spec import load_spec
from assay.protocol.types import GameId, GameStatus, JobId, JobStatus
from assay.store import LocalStore
from tests.cli.agent_procs import AgentProcs

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"


@pytest.fixture
def devnet(contracts_built: Path, tmp_path: Path) -> Iterator[Devnet]:
    with Devnet(deployment_file=tmp_path / "deployment.json") as net:
        net.stake_defaults()
        yield net


def small_job(tmp: Path) -> Path:
    text = EXAMPLE.read_text()
    text = re.sub(r"(?m)^steps = \d+", "steps = 6", text)
    text = re.sub(r"(?m)^interval = \d+", "interval = 1", text)
    path = tmp / "job.toml"
    path.write_text(text)
    assert load_spec(path).training.steps == 6
    return path


def test_verifier_killed_mid_dispute_resumes_and_wins(devnet: Devnet, tmp_path: Path) -> None:
    p = devnet.actor("deployer").protocol
    v1 = devnet.actor("verifier1").address
    agents = AgentProcs(devnet, tmp_path)
    cursor = tmp_path / "agents" / "verifier1" / "cursor.json"
    submitter_store = LocalStore(tmp_path / "stores" / "submitter")
    env = {
        "ASSAY_RPC_URL": devnet.node.url,
        "ASSAY_DEPLOYMENT": str(devnet.deployment_file),
        "ASSAY_PRIVATE_KEY": None,
        "ASSAY_STORE": None,
        "COLUMNS": "200",
    }
    try:
        # Imports overlap: every agent starts before the job exists.
        agents.start("solver", "solver", "solver", "--cheat-from", "4:37")
        agents.start("referee", "referee", "referee")
        agents.start("referee2", "referee", "referee2")
        first = agents.start("verifier1", "verifier", "verifier1")
        with BlobServer(submitter_store) as spec_peer:
            result = CliRunner().invoke(
                app,
                [
                    "job", "submit", str(small_job(tmp_path)), "--budget", "0.5ether",
                    "--peer", spec_peer.endpoint, "--store", str(submitter_store.root),
                    "--dev-account", "submitter",
                ],
                env=env,
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            match = re.search(r"job (\d+) posted", result.output)
            assert match, result.output
            job_id = JobId(int(match.group(1)))

            agents.wait(lambda: int(p.game.game_of(job_id, v1)) != 0, "verifier1's challenge")
            game_id = GameId(p.game.game_of(job_id, v1))

            def played_a_round() -> bool:
                g = p.game.get_game(game_id)
                return g.rounds >= 1 or g.status != GameStatus.STEP_BISECTION

            agents.wait(played_a_round, "the first round of the game")
            first.send_signal(signal.SIGKILL)
            assert first.wait(timeout=30) == -signal.SIGKILL
            agents.killed.add("verifier1")
            killed_at = p.game.get_game(game_id)
            assert not killed_at.status.is_resolved, "the game ended before the kill"
            assert cursor.is_file(), "verifier1 kept no cursor before it was killed"
            # The cursor on disk already tracks the game the new process must resume.
            assert int(game_id) in json.loads(cursor.read_text())["games"]

            agents.start("verifier1-restarted", "verifier", "verifier1")
            agents.wait(
                lambda: p.game.get_game(game_id).status.is_resolved, "the game's resolution"
            )
        g = p.game.get_game(game_id)
        assert g.status == GameStatus.CHALLENGER_WON, (g, agents.logs())
        assert g.rounds > killed_at.rounds or g.status != killed_at.status
        assert p.market.job_status(job_id) == JobStatus.FAILED
        # The restarted verifier resumed the game it had opened: no second challenge.
        assert p.game.game_count() == 1
        assert p.game.game_of(job_id, v1) == game_id
        assert cursor.is_file()
        restarted = agents.procs["verifier1-restarted"][1].read_text(errors="replace")
        assert "Challenge job=" not in restarted, restarted
        assert f"Choose game={int(game_id)}" in restarted, restarted  # it played on
        assert "Challenge job=" in agents.procs["verifier1"][1].read_text(errors="replace")
    finally:
        agents.terminate()
