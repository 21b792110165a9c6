"""`assay devnet status|down|warp`: the devnet `assay devnet up` records in its state dir.

The record itself lives in assay/cli/devnet_record.py; `status` reads it (and the deployment) and
asks the node, `down` sends SIGTERM to that pid and waits (bounded) for it to exit, `warp` moves
the devnet's clock forward.
"""

from __future__ import annotations

import json
import os
import re
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
from assay.cli.context import (
    DEFAULT_RPC_URL,
    DEVNET_CHAIN_ID,
    RpcUrl,
    WatchOnlySigner,
    console,
    fail,
    rpc_source,
)
from assay.cli.devnet_record import (
    DEFAULT_DEVNET_DIR,
    DEVNET_DIR_ENV,
    PID_FILE,
    alive,
    clear,
    read,
    record,
)
from assay.cli.units import format_duration, format_wei
from assay.errors import AssayError
from assay.protocol.types import Role

__all__ = ["DEFAULT_DEVNET_DIR", "PID_FILE", "alive", "clear", "read", "record", "register"]

StateDirOpt = Annotated[
    Path,
    typer.Option("--state-dir", envvar=DEVNET_DIR_ENV, help="the directory `assay devnet up` uses"),
]


def status(
    state_dir: StateDirOpt = DEFAULT_DEVNET_DIR,
    as_json: Annotated[
        bool, typer.Option("--json", help="print one JSON object (fields in docs/cli.md)")
    ] = False,
) -> None:
    """Is a devnet running? Its URL, pid, block, deployment and the staked dev actors.

    Exits 1 when no devnet runs (with --json, after printing `"running": false`).

    Example: assay devnet status --json | jq -r .rpc_url
    """
    report = _status_report(state_dir)
    if as_json:
        print(json.dumps(report, indent=2))
        if not report["running"]:
            raise typer.Exit(1)
        return
    if report["pid"] is None:
        fail(f"no devnet recorded in {state_dir}", "start one with `assay devnet up`")
    pid, url = report["pid"], report["rpc_url"]
    if not report["running"]:
        fail(
            f"the devnet recorded in {state_dir} (pid {pid}, {url}) is not running",
            "start it again with `assay devnet up` (its chain state was saved)",
        )
    clock = f"a block every {report['block_time']}s" if report["block_time"] else "on transactions"
    console.print(
        f"devnet running: pid {pid}, {url}, chain {report['chain_id']}, "
        f"block {report['block_number']} (clock: {clock})",
        markup=False,
    )
    if report["deployment"] is None:
        console.print(f"no deployment: {report['deployment_error']}", markup=False)
        return
    table = Table("contract", "address", title=f"deployment (chain {report['chain_id']})")
    for name, address in report["deployment"].items():
        table.add_row(name, address)
    console.print(table)
    staked = Table("actor", "address", "role", "stake", "free", title="staked actors")
    for row in report["staked"]:
        staked.add_row(
            row["actor"], row["address"], row["role"],
            format_wei(int(row["stake_wei"])), format_wei(int(row["free_wei"])),
        )  # fmt: skip
    console.print(staked)


def _status_report(state_dir: Path) -> dict[str, Any]:
    """What `devnet status` shows, under the field names `--json` promises (docs/cli.md)."""
    info = read(state_dir)
    report: dict[str, Any] = {
        "running": False,
        "state_dir": str(state_dir),
        "pid": None,
        "rpc_url": None,
        "chain_id": None,
        "block_number": None,
        "block_timestamp": None,
        "block_time": None,
        "deployment_file": str(state_dir / "deployment.json"),
        "deployment": None,
        "deployment_error": None,
        "staked": [],
    }
    if info is None:
        return report
    pid, url = int(info["pid"]), str(info.get("rpc_url", ""))
    block_time = info.get("block_time")
    report.update(pid=pid, rpc_url=url, block_time=block_time if block_time else None)
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 5}))
    if not alive(pid) or not w3.is_connected():
        return report
    latest = w3.eth.get_block("latest")
    report.update(
        running=True,
        chain_id=int(w3.eth.chain_id),
        block_number=int(latest["number"]),
        block_timestamp=int(latest["timestamp"]),
    )
    try:
        deployment = Deployment.load(state_dir / "deployment.json")
    except AssayError as exc:
        report["deployment_error"] = str(exc)
        return report
    report["deployment"] = {
        name: str(address)
        for name, address in deployment.model_dump().items()
        if name not in ("chain_id", "deployer", "block_number")
    }
    protocol = deployment.connect(TxSender(w3, WatchOnlySigner(deployment.deployer)))
    accounts = dev_accounts(len(ACTORS))
    for name, index in ACTORS.items():
        address = accounts[index].address
        for role in (Role.SOLVER, Role.VERIFIER, Role.REFEREE, Role.WHISTLEBLOWER):
            s = protocol.stakes.stake_of(address, role)
            if s.amount:
                report["staked"].append(
                    {
                        "actor": name,
                        "address": str(address),
                        "role": role.name.lower(),
                        "stake_wei": str(s.amount),
                        "free_wei": str(s.free),
                    }
                )
    return report


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


_DURATION = re.compile(r"^(\d+)\s*([smhdw]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int:
    """Typer parser for a duration: `3600`, `90s`, `30m`, `2h`, `1d`, `1w` -> seconds."""
    match = _DURATION.match(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise typer.BadParameter(
            f"{text!r} is not a duration; give seconds above zero (3600) or 90s, 30m, 2h, 1d, 1w"
        )
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def warp(
    seconds: Annotated[
        int,
        typer.Argument(
            metavar="DURATION", parser=parse_duration, help="how far: 3600, 90s, 30m, 2h, 1d"
        ),
    ],
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
) -> None:
    """DEVNET ONLY: move the chain clock forward (evm_increaseTime, then mine one block).

    Refused on any chain whose id is not the devnet's (31337). Handy to close a challenge or
    reveal window at once instead of waiting for it.

    Example: assay devnet warp 1h
    """
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
    if not w3.is_connected():
        fail(
            f"cannot reach a node at {rpc_url} ({rpc_source(rpc_url)})",
            "start the devnet with `assay devnet up`, or point --rpc-url at it",
        )
    chain_id = int(w3.eth.chain_id)
    if chain_id != DEVNET_CHAIN_ID:
        fail(
            f"{rpc_url} is chain {chain_id}, not the devnet ({DEVNET_CHAIN_ID}); "
            "time travel exists only on a local devnet",
            "point --rpc-url at `assay devnet up`'s node; on a real chain, wait",
        )
    before = int(w3.eth.get_block("latest")["timestamp"])
    for method, params in (("evm_increaseTime", [seconds]), ("evm_mine", [])):
        response = w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            fail(
                f"the node at {rpc_url} refused {method}: {response['error']}",
                "warp needs an anvil (or hardhat) devnet node",
            )
    latest = w3.eth.get_block("latest")
    after = int(latest["timestamp"])
    console.print(
        f"chain clock moved {format_duration(after - before)} forward: block {latest['number']} "
        f"at {after} (was {before})",
        markup=False,
    )


def register(devnet_app: typer.Typer) -> None:
    """Mount `status`, `down` and `warp` on the `assay devnet` group."""
    devnet_app.command("status")(status)
    devnet_app.command("down")(down)
    devnet_app.command("warp")(warp)
