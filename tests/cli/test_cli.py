"""The `assay` command: version, deploy (key from env only) and a real `devnet up` process."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner
from web3 import HTTPProvider, Web3

from assay.chain.anvil import Anvil
from assay.cli.main import app

runner = CliRunner()
ASSAY = [sys.executable, "-m", "assay.cli.main"]


def test_version_prints_package_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert re.search(r"assay \d+\.\d+\.\d+", result.stdout)


@pytest.mark.anvil
def test_deploy_without_key_env_fails_with_instruction(tmp_path: Path, anvil: Anvil) -> None:
    env_var = "ASSAY_TEST_MISSING_KEY"
    os.environ.pop(env_var, None)
    result = runner.invoke(
        app,
        ["deploy", "--rpc-url", anvil.url, "--out", str(tmp_path / "d.json"), "--key-env", env_var],
    )
    assert result.exit_code == 1
    assert not (tmp_path / "d.json").exists()


@pytest.mark.anvil
def test_deploy_writes_deployment_with_code_on_chain(
    tmp_path: Path, anvil: Anvil, contracts_built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_TEST_DEPLOY_KEY", anvil.accounts[0].private_key)
    out = tmp_path / "deployment.json"
    result = runner.invoke(
        app,
        ["deploy", "--rpc-url", anvil.url, "--out", str(out), "--key-env", "ASSAY_TEST_DEPLOY_KEY"],
    )
    assert result.exit_code == 0, result.output
    deployment = json.loads(out.read_text())
    assert anvil.w3.eth.get_code(deployment["job_market"]) != b""
    # The key never reaches the output.
    assert anvil.accounts[0].private_key[2:] not in result.output


def _read_until(proc: subprocess.Popen[str], pattern: str, timeout: float) -> str:
    """Read stdout lines until one matches; fail with everything read if it never does.

    A reader thread feeds a queue: select() on a buffered text pipe can miss lines already
    pulled into Python's buffer, so the deadline is enforced on the queue instead.
    """
    assert proc.stdout is not None
    stream = proc.stdout
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if re.search(pattern, line):
            return "".join(seen)
    proc.kill()
    raise AssertionError(f"never saw {pattern!r}; output:\n{''.join(seen)}")


def _devnet(state_dir: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.Popen(
        [*ASSAY, "devnet", "up", "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


@pytest.mark.anvil
def test_devnet_up_deploys_persists_and_resumes(tmp_path: Path, contracts_built: Path) -> None:
    proc = _devnet(tmp_path)
    out = _read_until(proc, "devnet ready", 120)
    url = re.search(r"(http://127\.0\.0\.1:\d+)", out)
    assert url, out
    deployment = json.loads((tmp_path / "deployment.json").read_text())
    w3 = Web3(HTTPProvider(url.group(1)))
    assert w3.eth.get_code(deployment["job_market"]) != b""
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert (tmp_path / "state.json").stat().st_size > 0

    # A second start reloads the chain: same addresses, code still there, nothing redeployed.
    proc = _devnet(tmp_path)
    out = _read_until(proc, "devnet ready", 120)
    url = re.search(r"(http://127\.0\.0\.1:\d+)", out)
    assert url, out
    assert json.loads((tmp_path / "deployment.json").read_text()) == deployment
    w3 = Web3(HTTPProvider(url.group(1)))
    assert w3.eth.get_code(deployment["job_market"]) != b""
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
