"""`assay whistleblower audit` and `assay whistleblower run` on a devnet.

The audit reads the chain only, so its honeypots are played straight through the bindings (no
training): the registered whistleblower seals a tag into two results wrong at the end state of
step 5; on the first, verifier1 (drawn) challenges and wins in court there while verifier2 stays
silent; on the second, verifier2 attests, verifier1 stays silent and an undrawn challenger (what
the whistleblower's self-challenge looks like) wins; both are revealed. The report must then say,
per honeypot and per verifier: caught (jackpot), missed (silent), attested (and slashed), and that
the second was caught by no drawn verifier (no jackpot).

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
from assay.chain.devnet import Devnet
from assay.cli.main import app
from assay.protocol.spec import load_spec
from assay.protocol.types import JobId, JobStatus, Role
from assay.store import LocalStore
from tests.cli.test_job_cli import artifact_job
from tests.e2e.test_protocol_journeys import (
    N_OPS,
    Honeypot,
    beat_honeypot,
    make_traces,
    past_challenge_window,
    post_job,
    submit,
)

pytestmark = pytest.mark.anvil

ETH = 10**18
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"
STEP = 5
WRONG = make_traces(fault=(STEP, N_OPS))  # a honeypot's error: the end state h_5
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


def honeypot(net: Devnet, salt: bytes) -> Honeypot:
    """A job solved wrong with the whistleblower's sealed tag (what a honeypot looks like)."""
    job_id = post_job(net)
    net.actor("solver").protocol.market.claim_job(job_id)
    registry = net.actor("deployer").protocol.registry
    tag = registry.sealed_tag_for(job_id, salt, net.actor("whistleblower").address, STEP, N_OPS)
    submit(net, job_id, WRONG, sealed_tag=bytes(tag))
    return Honeypot(job_id, salt, WRONG, STEP, N_OPS)


Row = tuple[str, int, int, bool]


def per_honeypot(table: str) -> dict[int, dict[str, Row]]:
    """{job: {verifier: (outcome, slashed, jackpot, drawn)}} from the per-honeypot blocks."""
    out: dict[int, dict[str, Row]] = {}
    current: dict[str, Row] = {}
    pattern = r"^\s+(0x[0-9a-fA-F]{40})\s+(\w+)\s+slashed (\d+)\s+jackpot (\d+)( +\(not drawn\))?$"
    for line in table.splitlines():
        head = re.match(r"honeypot job (\d+): ", line)
        if head:
            current = out.setdefault(int(head.group(1)), {})
            continue
        row = re.match(pattern, line)
        if row:
            g = row.groups()
            current[g[0]] = (g[1], int(g[2]), int(g[3]), g[4] is None)
    return out


def totals(table: str) -> dict[str, list[int]]:
    """{verifier: [assigned, caught, challenged, missed, attested, slashed, jackpot]}."""
    rows: dict[str, list[int]] = {}
    for line in table.splitlines():
        cells = line.split()
        numbers = all(c.isdigit() for c in cells[1:])
        if len(cells) == 8 and re.fullmatch(r"0x[0-9a-fA-F]{40}", cells[0]) and numbers:
            rows[cells[0]] = [int(c) for c in cells[1:]]
    return rows


def test_audit_reports_caught_missed_and_attested_per_verifier(net: Devnet, tmp_path: Path) -> None:
    p = net.actor("deployer").protocol
    wb = net.actor("whistleblower")
    v1, v2, undrawn = net.actor("verifier1"), net.actor("verifier2"), net.actor("challenger")
    caught, attested = honeypot(net, b"\x01" * 32), honeypot(net, b"\x02" * 32)
    for pot in (caught, attested):
        assigned = {a.verifier for a in p.market.assignments(pot.job_id)}
        assert assigned == {v1.address, v2.address}
    params = p.market.get_job(caught.job_id).params
    v2_stake = p.stakes.stake_of(v2.address, Role.VERIFIER).amount

    # Honeypot 1: verifier1 (drawn) challenges and wins in court at the forced end state.
    beat_honeypot(net, caught, v1)
    # Honeypot 2: verifier2 vouches for the forced error; only an undrawn challenger beats it.
    v2.protocol.market.attest(attested.job_id)
    beat_honeypot(net, attested, undrawn)
    for pot in (caught, attested):
        assert p.market.job_status(pot.job_id) == JobStatus.FAILED
        past_challenge_window(net, pot.job_id)
    jackpot = p.registry.jackpot_amount()  # what the reveal of the caught honeypot pays
    assert jackpot > 0
    paid = wb.protocol.registry.reveal(caught.job_id, caught.salt, STEP, N_OPS)
    assert paid.jackpot == jackpot and paid.jackpot_to == (v1.address,)
    assert wb.protocol.registry.reveal(attested.job_id, attested.salt, STEP, N_OPS).jackpot == 0
    slashed = v2_stake - p.stakes.stake_of(v2.address, Role.VERIFIER).amount
    assert slashed == params.verifierStake  # the chain slashed the attester at the reveal

    out = tmp_path / "audit.json"
    result = assay(net, "whistleblower", "audit", "--whistleblower", wb.address, "--json", str(out))

    assert result.exit_code == 0, result.output
    assert f"audit written to {out}" in result.output
    blocks = per_honeypot(result.output)
    c, a = caught.job_id, attested.job_id
    assert set(blocks) == {c, a}, result.output
    assert f"honeypot job {c}: winner {v1.address}, jackpot {jackpot} wei" in result.output
    assert f"honeypot job {a}: winner {undrawn.address}, jackpot 0 wei" in result.output
    assert f"forced error at step {STEP}, operator {N_OPS} (end state)" in result.output
    assert "caught by 1 drawn verifier(s)" in result.output
    assert "caught by no drawn verifier (self-challenged" in result.output
    assert blocks[c] == {
        v1.address: ("caught", 0, jackpot, True),
        v2.address: ("silent", 0, 0, True),
    }
    assert blocks[a] == {
        v1.address: ("silent", 0, 0, True),
        v2.address: ("attested", slashed, 0, True),
        undrawn.address: ("caught", 0, 0, False),
    }
    # Per drawn verifier (the undrawn winner is none): assigned, caught, challenged, missed,
    # attested, slashed, jackpot.
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
        (c, v1.address): ("caught", 0, jackpot),
        (c, v2.address): ("silent", 0, 0),
        (a, v1.address): ("silent", 0, 0),
        (a, v2.address): ("attested", slashed, 0),
        (a, undrawn.address): ("caught", 0, 0),
    }
    located = {
        h["job_id"]: (h["step"], h["op_index"], h["drawn_winners"]) for h in report["honeypots"]
    }
    assert located == {c: (STEP, N_OPS, 1), a: (STEP, N_OPS, 0)}
    by_verifier = {t["verifier"]: t for t in report["totals"]}
    assert set(by_verifier) == {v1.address, v2.address}
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


def test_run_refuses_a_template_on_a_user_data_file(tmp_path: Path) -> None:
    """Refused before any chain is reached, with what to use instead."""
    template = artifact_job(tmp_path)
    result = runner.invoke(app, ["whistleblower", "run", "--template", str(template)])
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert "trains on a user data file" in result.output and "built-in data set" in result.output
