"""An agent whose devnet goes away prints one line per retry, and follows the devnet when it
comes back on another port (it found the node through the devnet record, not a URL it was
given).

The agent is a real `assay verifier run` child process; the devnet is a real anvil with the
protocol, stopped (its state saved) and started again on a new port, recorded as `assay devnet
up` records it. Every wait polls the agent's log with a deadline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assay.chain.devnet import Devnet
from assay.cli import devnet_record

pytestmark = pytest.mark.anvil

DEADLINE = 60.0
RETRY_LINE = re.compile(
    r"^verifier tick \d+: node unreachable at (\S+); retrying in [\d.]+s \(attempt (\d+)\)$"
)


def _wait(proc: subprocess.Popen[bytes], log: Path, cond: Callable[[str], bool], what: str) -> str:
    deadline = time.monotonic() + DEADLINE
    while True:
        text = log.read_text(errors="replace")
        if cond(text):
            return text
        if proc.poll() is not None:
            pytest.fail(f"the agent exited ({proc.returncode}) waiting for {what}:\n{text[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{text[-3000:]}")
        time.sleep(0.1)


def _retries(text: str) -> list[tuple[str, int]]:
    return [(m.group(1), int(m.group(2))) for m in map(RETRY_LINE.match, text.splitlines()) if m]


def test_agent_retries_in_one_line_and_follows_a_devnet_restarted_on_a_new_port(
    contracts_built: Path, tmp_path: Path
) -> None:
    state_dir = tmp_path / "devnet"
    state_dir.mkdir()
    net = Devnet(state_file=state_dir / "state.json", deployment_file=state_dir / "deployment.json")
    net.start()
    net.stake_defaults()
    first_url = net.node.url
    # What `assay devnet up` records (this test process stands in for it: its pid is alive).
    devnet_record.record(state_dir, first_url, chain_id=31337)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSAY_", "ETH_RPC"))}
    env.update(ASSAY_DEVNET_DIR=str(state_dir), PYTHONUNBUFFERED="1", COLUMNS="200")
    log = tmp_path / "verifier.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "assay.cli.main", "verifier", "run",
                "--dev-account", "verifier1", "--state-dir", str(tmp_path / "agent"),
                "--store", str(tmp_path / "store"), "--interval", "0.2",
            ],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    second: Devnet | None = None
    try:
        _wait(proc, log, lambda t: "verifier agent for" in t, "the agent to start")
        net.stop()  # SIGTERM: anvil saves its state, as `assay devnet down` would
        (state_dir / devnet_record.PID_FILE).unlink()
        text = _wait(proc, log, lambda t: len(_retries(t)) >= 4, "four retry lines")

        retries = _retries(text)
        assert [url for url, _ in retries] == [first_url] * len(retries)
        assert [n for _, n in retries] == list(range(1, len(retries) + 1))
        assert "Traceback" not in text
        # One line per retry and nothing else since the node went away.
        after_start = text.split("verifier agent for", 1)[1].splitlines()[1:]
        assert all(RETRY_LINE.match(line) for line in after_start if line.strip()), after_start

        second = Devnet(
            state_file=state_dir / "state.json", deployment_file=state_dir / "deployment.json"
        ).start()
        assert second.node.url != first_url
        assert not second.deployment_was_created  # same chain state, same contracts
        devnet_record.record(state_dir, second.node.url, chain_id=31337)
        text = _wait(
            proc,
            log,
            lambda t: "answers again" in t,
            "the agent to reach the restarted devnet",
        )
        assert f"the devnet moved; reconnecting to {second.node.url}" in text
        assert f"node at {second.node.url} answers again" in text
        assert "Traceback" not in text
        # Bounded: a handful of short lines, not a traceback per tick.
        assert len(text) < 200 * (len(_retries(text)) + 10)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        net.stop()
        if second is not None:
            second.stop()
