"""`make demo` runs `python -m assay.cli.demo`: three journeys with the agents as child processes.

The demo must end each journey as expected (it exits 1 otherwise) and say so in
demo-report.json: the honest job finalized, the cheater lost both phases and was slashed, the
honeypot was caught by the diligent verifier while the lazy attester was slashed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.anvil
def test_demo_runs_the_three_journeys(contracts_built: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo-report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assay.cli.demo",
            "--out",
            str(out),
            "--workdir",
            str(tmp_path / "w"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ, COLUMNS="160"),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout
    for line in ("finalized", "CHALLENGER WON", "revealed the honeypot", "ended as expected"):
        assert line in text, f"demo output lacks {line!r}:\n{text}"
    report = json.loads(out.read_text())
    assert report["problems"] == []

    honest = report["honest"]
    assert honest["outcome"] == "finalized"
    assert Path(honest["model_path"]).exists() and 0.0 < honest["accuracy"] <= 1.0
    assert honest["gas_used"]["solver"] > 0

    cheat = report["cheating"]
    assert (cheat["outcome"], cheat["job_status"]) == ("challenger_won", "failed")
    assert (cheat["disputed_step"], cheat["disputed_operator"]) == (17, 37)
    assert cheat["rounds_per_phase"]["phase1_step_bisection"] > 0
    assert cheat["rounds_per_phase"]["phase2_op_bisection"] > 0
    solver2 = cheat["balances"]["solver2"]
    assert solver2["after"]["stake"] < solver2["before"]["stake"]  # slashed at settlement
    v1 = cheat["balances"]["verifier1"]
    assert v1["after"]["credit"] > v1["before"]["credit"]  # bond back + reward

    honeypot = report["honeypot"]
    assert honeypot["outcome"] == "caught" and honeypot["jackpot"] > 0
    verifiers = honeypot["verifier_outcomes"]
    assert verifiers["verifier1"]["outcome"] == "caught" and verifiers["verifier1"]["jackpot"] > 0
    assert verifiers["verifier2"]["outcome"] == "attested" and verifiers["verifier2"]["slashed"] > 0
    assert honeypot["honeypot_solver_slashed"] == 0
    # The forced error is the end state of its step: the referees ruled on operator N.
    assert honeypot["disputed_operator"] == honeypot["n_ops"] > 1
    # Posted and solved from fresh accounts, not the whistleblower's; the reveal paid the tax back
    # and the whistleblower emptied the honeypot's accounts into its own.
    assert not honeypot["posted_by_whistleblower"]
    assert honeypot["reimbursed"] == honeypot["honeypot_tax"] == honeypot["honeypot_cost"] > 0
    assert honeypot["accounts_swept"]
