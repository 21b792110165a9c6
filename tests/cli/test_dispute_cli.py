"""`assay dispute show|list` on a game played with the bindings on a real devnet."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner, Result

from assay.chain.devnet import Devnet
from assay.cli import context as cli_context
from assay.cli.main import app
from assay.protocol.types import GameId, GameStatus, JobId
from tests.e2e.test_protocol_journeys import (
    HONEST,
    STEPS,
    adjudicate,
    challenge,
    honest_chooser,
    make_traces,
    play,
    submitted_job,
)

pytestmark = pytest.mark.anvil

runner = CliRunner()
CHEAT = make_traces(fault=(5, 3))


def assay(net: Devnet, *args: str) -> Result:
    env = {
        "ASSAY_RPC_URL": net.node.url,
        "ASSAY_DEPLOYMENT": str(net.deployment_file),
        "ASSAY_PRIVATE_KEY": None,
        "COLUMNS": "200",
    }
    # Tables are checked row by row: pin the width instead of trusting the worker's terminal.
    cli_context.console.width = 200
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    return result


def field(output: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}:?\s+(.+)$", output, re.MULTILINE)
    assert match, f"no {label!r} in:\n{output}"
    return match.group(1).strip()


def disputed_game(net: Devnet) -> tuple[JobId, GameId]:
    job_id = submitted_job(net, CHEAT)
    return job_id, challenge(net, job_id)


def test_show_a_fresh_game_is_the_whole_step_interval(net: Devnet) -> None:
    job_id, game_id = disputed_game(net)
    result = assay(net, "dispute", "show", str(game_id))
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith(f"game {game_id} on job {job_id}: step bisection")
    assert field(out, "challenger") == net.actor("challenger").address
    assert field(out, "solver") == net.actor("solver").address
    assert field(out, "bond") == "0.1 ETH"
    assert field(out, "interval") == f"(0, {STEPS}) over training steps"
    assert field(out, "agreed") == f"h_0 = {HONEST.steps[0].to_hex()}"
    assert field(out, "disputed") == f"h_{STEPS} = {CHEAT.steps[-1].to_hex()}"
    assert field(out, "move").endswith(": open positions 4")
    assert field(out, "clocks").startswith("solver ")
    assert "(solver's is running)" in out
    n_ops = (
        net.actor("deployer").protocol.market.get_job(job_id).ops_per_step
    )  # N, bound at posting
    bound = net.actor("deployer").protocol.game.max_rounds(STEPS, n_ops, 2)
    assert field(out, "rounds").startswith(f"0 played of at most {bound} (maxRounds")

    listing = assay(net, "dispute", "list", "--job", str(job_id))
    assert listing.exit_code == 0, listing.output
    row = next(
        line for line in listing.output.splitlines() if net.actor("challenger").address in line
    )
    assert "step_bisection" in row and f"(0, {STEPS})" in row

    status = assay(net, "job", "status", str(job_id)).output
    assert field(status, "open games") == "1"
    assert f"step_bisection by {net.actor('challenger').address}" in status


def test_show_and_list_as_json(net: Devnet) -> None:
    job_id, game_id = disputed_game(net)
    doc = json.loads(assay(net, "dispute", "show", str(game_id), "--json").output)
    assert doc["game_id"] == game_id and doc["job_id"] == job_id
    assert doc["phase"] == "step_bisection" and doc["turn"] == "solver"
    assert doc["bond"] == str(10**17) and doc["bond_eth"] == "0.1"
    assert (doc["lo"], doc["hi"]) == (0, STEPS)
    assert doc["hi_hash"] == CHEAT.steps[-1].to_hex()
    assert doc["solver_clock_s"] > 0 and doc["outcome"] is None and doc["adjudication"] is None
    listing = json.loads(assay(net, "dispute", "list", "--job", str(job_id), "--json").output)
    assert listing["job_id"] == job_id
    assert [(g["game_id"], g["phase"]) for g in listing["games"]] == [(game_id, "step_bisection")]
    status = json.loads(assay(net, "job", "status", str(job_id), "--json").output)
    assert status["open_games"] == 1
    assert status["games"] == [
        {"game_id": game_id, "status": "step_bisection",
         "challenger": net.actor("challenger").address}
    ]  # fmt: skip


def test_show_follows_the_game_to_adjudication_and_outcome(net: Devnet) -> None:
    _, game_id = disputed_game(net)
    g = play(net, game_id, CHEAT, honest_chooser(HONEST))
    assert g.status == GameStatus.ADJUDICATING
    out = assay(net, "dispute", "show", str(game_id)).output
    assert "adjudicating" in out.splitlines()[0]
    assert field(out, "interval") == "(2, 3) over the operators of step 5"
    assert field(out, "agreed").startswith("r_2 = ")
    assert "operator 3 of step 5, committee round 1" in field(out, "adjudication")
    assert field(out, "committee").startswith("awaiting its draw")
    net.actor("deployer").protocol.court.draw_committee(g.request_id)
    out = assay(net, "dispute", "show", str(game_id)).output
    assert field(out, "referee").endswith(": not voted")
    assert field(out, "move") == "the referees' (committee vote)"
    assert field(out, "rounds").startswith(f"{g.rounds} played of at most ")

    adjudicate(net, game_id)
    out = assay(net, "dispute", "show", str(game_id)).output
    assert "resolved: the challenger won" in out.splitlines()[0]
    assert field(out, "outcome").startswith("challenger_won")
    assert field(out, "decision").startswith("0x")


def test_unknown_game_and_job_are_clear_errors(net: Devnet) -> None:
    result = assay(net, "dispute", "show", "99")
    assert result.exit_code == 1 and "no dispute game 99 on this deployment" in result.output
    result = assay(net, "dispute", "list", "--job", "99")
    assert result.exit_code == 1 and "no job 99 on this deployment" in result.output


def test_list_a_job_without_games(net: Devnet) -> None:
    job_id = submitted_job(net, HONEST)
    result = assay(net, "dispute", "list", "--job", str(job_id))
    assert result.exit_code == 0 and f"job {job_id} has no dispute games" in result.output
