"""Agents as real `python -m assay.cli.main <role> run` child processes, for the CLI tests.

Each process gets its own state dir, store and log file under `work`, acts as a named dev
account, and talks to the given devnet through the environment (ASSAY_RPC_URL,
ASSAY_DEPLOYMENT). `wait` polls a condition with a deadline and fails early, with every log, if
an agent that was not killed on purpose exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assay.chain.devnet import Devnet

DEADLINE = 120.0


class AgentProcs:
    """Named agent processes on one devnet (see the module docstring)."""

    def __init__(self, net: Devnet, work: Path) -> None:
        self.work = work
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
        self.env.update(
            ASSAY_RPC_URL=net.node.url,
            ASSAY_DEPLOYMENT=str(net.deployment_file),
            ASSAY_LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            COLUMNS="200",
        )
        self.procs: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
        self.killed: set[str] = set()

    def start(self, label: str, role: str, account: str, *extra: str) -> subprocess.Popen[bytes]:
        """Start `assay <role> run` as `account`, logging to logs/<label>.log."""
        log = self.work / "logs" / f"{label}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable, "-m", "assay.cli.main", role, "run",
                    "--dev-account", account,
                    "--state-dir", str(self.work / "agents" / account),
                    "--store", str(self.work / "stores" / account),
                    "--interval", "0.2", "--min-credit", "0", *extra,
                ],
                cwd=self.work, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.procs[label] = (proc, log)
        return proc

    def log(self, label: str) -> str:
        return self.procs[label][1].read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(
            f"--- {label} (exit {p.poll()})\n{self.log(label)[-3000:]}"
            for label, (p, _) in self.procs.items()
        )

    def wait(self, cond: Callable[[], bool], what: str) -> None:
        """Poll `cond` (bounded); fail early, with every log, if a live agent died."""
        deadline = time.monotonic() + DEADLINE
        while not cond():
            dead = [
                k
                for k, (p, _) in self.procs.items()
                if k not in self.killed and p.poll() is not None
            ]
            if dead:
                pytest.fail(f"agent {dead[0]} exited while waiting for {what}:\n{self.logs()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}:\n{self.logs()}")
            time.sleep(0.1)

    def terminate(self) -> dict[str, int]:
        """SIGTERM every agent still running; every exit code (killed ones: -9)."""
        for proc, _ in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes: dict[str, int] = {}
        for label, (proc, _) in self.procs.items():
            try:
                codes[label] = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[label] = proc.wait(timeout=30)
        return codes
