"""`assay devnet status|down`: the devnet `assay devnet up` records in its state dir.

`devnet up` writes `<state-dir>/devnet.json` = {"pid": …, "rpc_url": …} once the devnet is
ready and removes it when it stops; `status` reads it (and the deployment) and asks the node,
`down` sends SIGTERM to that pid and waits (bounded) for it to exit.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from web3 import Web3
from web3.providers import HTTPProvider

from assay.chain.anvil import dev_accounts
from assay.chain.deploy import Deployment
from assay.chain.devnet import ACTORS
from assay.chain.sender import TxSender
from assay.cli.context import WatchOnlySigner, console, fail
from assay.errors import AssayError
from assay.protocol.types import Role

PID_FILE = "devnet.json"
DEFAULT_DEVNET_DIR = Path(".assay/devnet")

StateDirOpt = Annotated[
    Path, typer.Option("--state-dir", help="the directory `assay devnet up` used")
]


def record(state_dir: Path, rpc_url: str) -> Path:
    """Record this process as the running devnet (called by `devnet up` once ready)."""
    path = state_dir / PID_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "rpc_url": rpc_url}) + "\n")
    os.replace(tmp, path)
    return path


def clear(state_dir: Path) -> None:
    """Forget the record if it is ours (called by `devnet up` on the way out)."""
    info = read(state_dir)
    if info is not None and info.get("pid") == os.getpid():
        (state_dir / PID_FILE).unlink(missing_ok=True)


def read(state_dir: Path) -> dict[str, Any] | None:
    """The recorded devnet, or None."""
    try:
        raw = json.loads((state_dir / PID_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return raw if isinstance(raw, dict) and isinstance(raw.get("pid"), int) else None


def alive(pid: int) -> bool:
    """Whether a process with this pid exists (and is not a zombie we could see)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def status(state_dir: StateDirOpt = DEFAULT_DEVNET_DIR) -> None:
    """Is a devnet running? Its URL, pid, block, deployment and the staked dev actors.

    Example: assay devnet status
    """

    info = read(state_dir)
    if info is None:
        fail(f"no devnet recorded in {state_dir}", "start one with `assay devnet up`")
    pid, url = int(info["pid"]), str(info.get("rpc_url", ""))
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 5}))
    if not alive(pid) or not w3.is_connected():
        fail(
            f"the devnet recorded in {state_dir} (pid {pid}, {url}) is not running",
            "start it again with `assay devnet up` (its chain state was saved)",
        )
    console.print(f"devnet running: pid {pid}, {url}, block {w3.eth.block_number}", markup=False)
    try:
        deployment = Deployment.load(state_dir / "deployment.json")
    except AssayError as exc:
        console.print(f"no deployment: {exc}", markup=False)
        return
    table = Table("contract", "address", title=f"deployment (chain {deployment.chain_id})")
    for name, address in deployment.model_dump().items():
        if name not in ("chain_id", "deployer", "block_number"):
            table.add_row(name, str(address))
    console.print(table)

    protocol = deployment.connect(TxSender(w3, WatchOnlySigner(deployment.deployer)))
    accounts = dev_accounts(len(ACTORS))
    staked = Table("actor", "address", "role", "stake (wei)", "free (wei)", title="staked actors")
    for name, index in ACTORS.items():
        address = accounts[index].address
        for role in (Role.SOLVER, Role.VERIFIER, Role.REFEREE, Role.WHISTLEBLOWER):
            s = protocol.stakes.stake_of(address, role)
            if s.amount:
                staked.add_row(name, address, role.name.lower(), str(s.amount), str(s.free))
    console.print(staked)


def down(
    state_dir: StateDirOpt = DEFAULT_DEVNET_DIR,
    timeout: Annotated[float, typer.Option(help="seconds to wait for it to exit")] = 30.0,
) -> None:
    """Stop the devnet `assay devnet up` started (SIGTERM; its chain state is saved).

    Example: assay devnet down
    """
    info = read(state_dir)
    if info is None:
        fail(f"no devnet recorded in {state_dir}", "nothing to stop")
    pid = int(info["pid"])
    if not alive(pid):
        (state_dir / PID_FILE).unlink(missing_ok=True)
        console.print(f"the devnet (pid {pid}) was not running; record removed")
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            fail(f"the devnet (pid {pid}) did not stop within {timeout}s", f"kill {pid}")
        time.sleep(0.05)
    (state_dir / PID_FILE).unlink(missing_ok=True)
    console.print(f"devnet (pid {pid}) stopped; state saved in {state_dir}")


def register(devnet_app: typer.Typer) -> None:
    """Mount `status` and `down` on the `assay devnet` group."""
    devnet_app.command("status")(status)
    devnet_app.command("down")(down)
