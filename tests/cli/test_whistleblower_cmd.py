"""`assay whistleblower audit` and `assay whistleblower run` on a devnet.

The audit reads the chain only, so its honeypots are played straight through the bindings (no
training): the registered whistleblower seals a tag into two wrong results; on the first,
verifier1 challenges and wins on the solver's clock while verifier2 stays silent; on the second,
verifier2 attests and verifier1 stays silent; both are revealed. The report must then say, per
honeypot and per verifier: caught, missed (silent), attested (and slashed).

`run` is a real child process (`python -m assay.cli.main whistleblower run`) that must plant a
honeypot whose spec other processes resolve from its specURI, get it solved, and stop cleanly on
SIGINT. No fixed sleeps: every wait polls with a deadline.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from assay.agents.specsource import StoreSpecSource
from assay.cli.main import app
from assay.devnet import Devnet
from assay.protocol.spec import load_spec
from assay.protocol.types import GameStatus, JobId, JobStatus, Role
from assay.store import LocalStore
from tests.e2e.test_protocol_journeys import make_traces, post_job, submit

pytestmark = pytest.mark.anvil

ETH = 10**18
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"
WRONG = make_traces(fault=(5, 3))
DEADLINE = 120.0
runner = CliRunner()


def env_of(net: Devnet) -> dict[str, str | None]:
    return {
        "ASSAY_RPC_URL": net.node.url,
        "ASSAY_DEPLOYMENT": str(net.deployment_file),
        "ASSAY_PRIVATE_KEY": None,
        "ASSAY_STORE": None,
        "COLUMNS": "200",
    }


def assay(net: Devnet, *args: str) -> Result:
    result = runner.invoke(app, list(args), env=env_of(net))
    assert "Traceback" not in result.output, result.output
    return result


# ---------------------------------------------------------------------------- audit


def honeypot(net: Devnet, salt: bytes) -> JobId:
    """A job solved wrong with the whistleblower's sealed tag (what a honeypot looks like)."""
    job_id = post_job(net)
    net.actor("solver").protocol.market.claim_job(job_id)
    registry = net.actor("deployer").protocol.registry
    tag = registry.sealed_tag_for(job_id, salt, net.actor("whistleblower").address)
    submit(net, job_id, WRONG, sealed_tag=bytes(tag))
    return job_id


def per_honeypot(table: str) -> dict[int, dict[str, tuple[str, int, int]]]:
    """{job: {verifier: (outcome, slashed, jackpot)}} from the audit's per-honeypot blocks."""
    out: dict[int, dict[str, tuple[str, int, int]]] = {}
    current: dict[str, tuple[str, int, int]] = {}
    for line in table.splitlines():
        head = re.match(r"honeypot job (\d+): ", line)
        if head:
            current = out.setdefault(int(head.group(1)), {})
            continue
        row = re.match(r"^\s+(0x[0-9a-fA-F]{40})\s+(\w+)\s+slashed (\d+)\s+jackpot (\d+)$", line)
        if row:
            current[row.group(1)] = (row.group(2), int(row.group(3)), int(row.group(4)))
    return out


def totals(table: str) -> dict[str, list[int]]:
    """{verifier: [assigned, caught, challenged, missed, attested, slashed, jackpot]}."""
    rows: dict[str, list[int]] = {}
    for line in table.splitlines():
        cells = line.split()
        if len(cells) == 8 and re.fullmatch(r"0x[0-9a-fA-F]{40}", cells[0]):
            rows[cells[0]] = [int(c) for c in cells[1:]]
    return rows


def test_audit_reports_caught_missed_and_attested_per_verifier(net: Devnet, tmp_path: Path) -> None:
    p = net.actor("deployer").protocol
    wb = net.actor("whistleblower")
    v1, v2 = net.actor("verifier1"), net.actor("verifier2")
    caught_salt, attested_salt = b"\x01" * 32, b"\x02" * 32
    caught, attested = honeypot(net, caught_salt), honeypot(net, attested_salt)
    for job_id in (caught, attested):
        assigned = {a.verifier for a in p.market.assignments(job_id)}
        assert assigned == {v1.address, v2.address}
    params = p.market.get_job(caught).params
    v2_stake = p.stakes.stake_of(v2.address, Role.VERIFIER).amount

    # Honeypot 1: verifier1 challenges and wins when the solver's clock runs out.
    game_id = v1.protocol.game.challenge(caught, WRONG.steps[-1], params.challengeBond)
    # Honeypot 2: verifier2 vouches for the forced error.
    v2.protocol.market.attest(attested)
    net.node.increase_time(max(params.clockBudget, params.challengeWindow) + 1)
    net.node.mine()
    v1.protocol.game.timeout(game_id)
    assert p.game.get_game(game_id).status == GameStatus.CHALLENGER_WON
    assert p.market.job_status(caught) == JobStatus.FAILED
    p.market.finalize(attested)
    jackpot = p.registry.jackpot_amount()  # what the reveal of the caught honeypot pays
    assert jackpot > 0
    wb.protocol.registry.reveal(caught, caught_salt)
    wb.protocol.registry.reveal(attested, attested_salt)
    slashed = v2_stake - p.stakes.stake_of(v2.address, Role.VERIFIER).amount
    assert slashed == params.verifierStake  # the chain slashed the attester at the reveal

    out = tmp_path / "audit.json"
    result = assay(net, "whistleblower", "audit", "--whistleblower", wb.address, "--json", str(out))

    assert result.exit_code == 0, result.output
    assert f"audit written to {out}" in result.output
    blocks = per_honeypot(result.output)
    assert set(blocks) == {caught, attested}, result.output
    assert f"honeypot job {caught}: winner {v1.address}, jackpot {jackpot} wei" in result.output
    assert f"honeypot job {attested}: winner -, jackpot 0 wei" in result.output
    assert blocks[caught] == {v1.address: ("caught", 0, jackpot), v2.address: ("silent", 0, 0)}
    assert blocks[attested] == {
        v1.address: ("silent", 0, 0),
        v2.address: ("attested", slashed, 0),
    }
    # assigned, caught, challenged, missed, attested, slashed, jackpot
    assert totals(result.output) == {
        v1.address: [2, 1, 0, 1, 0, 0, jackpot],
        v2.address: [2, 0, 0, 1, 1, slashed, 0],
    }, result.output

    report = json.loads(out.read_text())
    outcomes = {
        (h["job_id"], o["verifier"]): (o["outcome"], o["slashed"], o["jackpot"])
        for h in report["honeypots"]
        for o in h["verifiers"]
    }
    assert outcomes == {
        (caught, v1.address): ("caught", 0, jackpot),
        (caught, v2.address): ("silent", 0, 0),
        (attested, v1.address): ("silent", 0, 0),
        (attested, v2.address): ("attested", slashed, 0),
    }
    by_verifier = {t["verifier"]: t for t in report["totals"]}
    assert (by_verifier[v1.address]["caught"], by_verifier[v1.address]["missed"]) == (1, 1)
    v2_total = by_verifier[v2.address]
    assert (v2_total["attested"], v2_total["slashed"]) == (1, slashed)

    other = assay(net, "whistleblower", "audit", "--whistleblower", v1.address)
    assert other.exit_code == 0 and "no honeypot has been revealed yet" in other.output


def test_audit_before_any_reveal_says_so(net: Devnet) -> None:
    honeypot(net, b"\x03" * 32)  # planted, never revealed: still secret
    result = assay(net, "whistleblower", "audit")
    assert result.exit_code == 0, result.output
    assert "no honeypot has been revealed yet" in result.output


# ---------------------------------------------------------------------------- run


def small_job(tmp: Path) -> Path:
    text = EXAMPLE.read_text()
    text = re.sub(r"(?m)^steps = \d+", "steps = 6", text)
    text = re.sub(r"(?m)^interval = \d+", "interval = 2", text)
    path = tmp / "job.toml"
    path.write_text(text)
    assert load_spec(path).training.steps == 6
    return path


def wait_for(cond: Callable[[], bool], what: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll `cond` (bounded); fail early, with the process's output, if it died."""
    deadline = time.monotonic() + DEADLINE
    while not cond():
        if proc.poll() is not None:
            pytest.fail(f"the whistleblower exited ({proc.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{log.read_text()}")
        time.sleep(0.1)


def test_run_plants_a_honeypot_others_can_resolve_and_stops_on_sigint(
    net: Devnet, tmp_path: Path
) -> None:
    p = net.actor("deployer").protocol
    net.actor("whistleblower").protocol.stakes.deposit(Role.SOLVER, 3 * ETH)  # honeypot solving
    state_dir, log = tmp_path / "wb", tmp_path / "whistleblower.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env.update(
        ASSAY_RPC_URL=net.node.url,
        ASSAY_DEPLOYMENT=str(net.deployment_file),
        ASSAY_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "assay.cli.main", "whistleblower", "run",
                "--dev-account", "whistleblower", "--template", str(small_job(tmp_path)),
                "--rate", "1", "--max-honeypots", "1", "--state-dir", str(state_dir),
                "--store", str(tmp_path / "wb-store"), "--interval", "0.2", "--min-credit", "0",
            ],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        planted: list[JobId] = []

        def solved() -> bool:
            if not planted:
                match = re.search(r"planted honeypot job=(\d+)", log.read_text(errors="replace"))
                if match is None:
                    return False
                planted.append(JobId(int(match.group(1))))
            return p.market.job_status(planted[0]) == JobStatus.SUBMITTED

        wait_for(solved, "a planted honeypot's result", proc, log)
        job = p.market.get_job(planted[0])
        # To everyone else an ordinary job: its spec comes from the specURI's peer.
        spec = StoreSpecSource(LocalStore(tmp_path / "other")).resolve(job.spec_hash, job.spec_uri)
        assert spec.training.steps == 6
        assert any(b != 0 for b in bytes(job.sealed_tag))
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert "whistleblower stopped (signal)" in output, output
    assert "Traceback" not in output, output
    assert p.market.job_count() == 1  # --max-honeypots 1
    secret = json.loads((state_dir / "state.json").read_text())["key"]
    assert secret and secret not in output  # the key never reaches the log
