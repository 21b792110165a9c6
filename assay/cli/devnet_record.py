"""The record `assay devnet up` leaves in its state dir, so other commands find the devnet.

`devnet up` writes `<state-dir>/devnet.json` = {"pid", "rpc_url", "chain_id", "block_time"} once
the devnet is ready and removes it when it stops. The state dir is `--state-dir`, else
$ASSAY_DEVNET_DIR, else `.assay/devnet` under the current directory. Kept free of web3 so the
connection options can consult it cheaply.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PID_FILE = "devnet.json"
DEVNET_DIR_ENV = "ASSAY_DEVNET_DIR"
DEFAULT_DEVNET_DIR = Path(".assay/devnet")


@dataclass(frozen=True)
class RecordedDevnet:
    """A devnet `assay devnet up` recorded, as read back from its state dir."""

    state_dir: Path
    pid: int
    rpc_url: str
    chain_id: int | None
    block_time: int | None

    @property
    def running(self) -> bool:
        """Whether its process is still alive."""
        return alive(self.pid)

    @property
    def deployment(self) -> Path:
        """The deployment JSON it keeps next to its record."""
        return self.state_dir / "deployment.json"


def devnet_dir() -> Path:
    """Where commands look for the recorded devnet: $ASSAY_DEVNET_DIR, else `.assay/devnet`."""
    env = os.environ.get(DEVNET_DIR_ENV, "").strip()
    return Path(env) if env else DEFAULT_DEVNET_DIR


def record(
    state_dir: Path, rpc_url: str, *, chain_id: int | None = None, block_time: int | None = None
) -> Path:
    """Record this process as the running devnet (called by `devnet up` once ready)."""
    path = state_dir / PID_FILE
    tmp = path.with_suffix(".tmp")
    entry = {"pid": os.getpid(), "rpc_url": rpc_url, "chain_id": chain_id, "block_time": block_time}
    tmp.write_text(json.dumps(entry) + "\n")
    os.replace(tmp, path)
    return path


def clear(state_dir: Path) -> None:
    """Forget the record if it is ours (called by `devnet up` on the way out)."""
    info = read(state_dir)
    if info is not None and info.get("pid") == os.getpid():
        (state_dir / PID_FILE).unlink(missing_ok=True)


def read(state_dir: Path) -> dict[str, Any] | None:
    """The raw record, or None."""
    try:
        raw = json.loads((state_dir / PID_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return raw if isinstance(raw, dict) and isinstance(raw.get("pid"), int) else None


def recorded(state_dir: Path | None = None) -> RecordedDevnet | None:
    """The devnet recorded in `state_dir` (default: `devnet_dir()`), running or not, or None."""
    directory = devnet_dir() if state_dir is None else state_dir
    info = read(directory)
    if info is None or not isinstance(info.get("rpc_url"), str):
        return None

    def opt_int(key: str) -> int | None:
        value = info.get(key)
        return value if isinstance(value, int) else None

    return RecordedDevnet(
        directory, info["pid"], info["rpc_url"], opt_int("chain_id"), opt_int("block_time")
    )


def running_url(state_dir: Path | None = None) -> str | None:
    """The URL of the recorded devnet if its process is alive, else None."""
    devnet = recorded(state_dir)
    return devnet.rpc_url if devnet is not None and devnet.running else None


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
