"""A local anvil node for tests and the devnet: free port, readiness, snapshots, time travel."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import structlog
from eth_account import Account
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.providers import HTTPProvider

from assay.chain.errors import NodeError
from assay.chain.signer import LocalKeySigner

log = structlog.get_logger(__name__)

ANVIL_BIN_ENV = "ASSAY_ANVIL_BIN"
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEFAULT_CHAIN_ID = 31337
DEFAULT_ACCOUNTS = 10


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM anvil when its parent dies.

    A killed owner (kill -9 of an agent or of `assay devnet up`) would otherwise leave an orphan
    node holding its port. Elsewhere this is a no-op and `stop()`/`__del__` are the only cleanup.
    Linux ties this to the *thread* that started the node: start an Anvil from a thread that
    outlives it (the main thread, as every caller here does).
    """
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


_PR_SET_PDEATHSIG = 1


def anvil_binary() -> Path:
    """$ASSAY_ANVIL_BIN, else node_modules/.bin/anvil of the repository."""
    env = os.environ.get(ANVIL_BIN_ENV)
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "node_modules/.bin/anvil"
    if not path.exists():
        raise NodeError(
            f"anvil not found at {path}; run `make setup` (npm ci) or set {ANVIL_BIN_ENV}"
        )
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class DevAccount:
    """One of anvil's pre-funded accounts derived from the dev mnemonic."""

    index: int
    address: ChecksumAddress
    private_key: str

    def signer(self) -> LocalKeySigner:
        """A signer for this account."""
        return LocalKeySigner.from_key(self.private_key)

    def __repr__(self) -> str:
        return f"DevAccount(index={self.index}, address={self.address}, private_key=<redacted>)"


def dev_accounts(count: int = DEFAULT_ACCOUNTS, mnemonic: str = DEV_MNEMONIC) -> list[DevAccount]:
    """The first `count` accounts of `mnemonic` on m/44'/60'/0'/0/i (anvil's funded accounts)."""
    Account.enable_unaudited_hdwallet_features()
    accounts = []
    for i in range(count):
        acct = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{i}")
        accounts.append(DevAccount(i, acct.address, acct.key.to_0x_hex()))
    return accounts


class Anvil:
    """An anvil process owned by this object; use as a context manager."""

    def __init__(
        self,
        *,
        chain_id: int = DEFAULT_CHAIN_ID,
        port: int | None = None,
        state_file: str | Path | None = None,
        accounts: int = DEFAULT_ACCOUNTS,
        block_time: int | None = None,
        extra_args: list[str] | None = None,
        startup_timeout: float = 15.0,
        poll_latency: float = 0.005,
    ) -> None:
        self.chain_id = chain_id
        self.port = port or free_port()
        self.state_file = Path(state_file) if state_file is not None else None
        self.n_accounts = accounts
        self.block_time = block_time
        self.extra_args = list(extra_args or [])
        self.startup_timeout = startup_timeout
        self.poll_latency = poll_latency
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._w3: Web3 | None = None
        self._accounts: list[DevAccount] | None = None

    @property
    def url(self) -> str:
        """The HTTP JSON-RPC endpoint."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def w3(self) -> Web3:
        """A Web3 connected to this node."""
        if self._w3 is None:
            self._w3 = Web3(HTTPProvider(self.url, request_kwargs={"timeout": 30}))
        return self._w3

    @property
    def accounts(self) -> list[DevAccount]:
        """The pre-funded dev accounts (derived from the dev mnemonic, not hardcoded)."""
        if self._accounts is None:
            self._accounts = dev_accounts(self.n_accounts)
        return self._accounts

    def command(self) -> list[str]:
        """The argv anvil is started with."""
        cmd = [
            str(anvil_binary()),
            "--silent",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--accounts",
            str(self.n_accounts),
            "--mnemonic",
            DEV_MNEMONIC,
        ]
        if self.state_file is not None:
            cmd += ["--state", str(self.state_file)]
        if self.block_time is not None:
            cmd += ["--block-time", str(self.block_time)]
        return cmd + self.extra_args

    def start(self) -> Self:
        """Start anvil and wait until it answers eth_chainId."""
        if self.running:
            return self
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        log.debug("anvil.start", port=self.port, chain_id=self.chain_id, state=str(self.state_file))
        self._proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self._wait_ready()
        return self

    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        text: str = self._stderr.read().decode(errors="replace")
        return text.strip()[-2000:]

    def _wait_ready(self) -> None:
        probe = Web3(HTTPProvider(self.url, request_kwargs={"timeout": 1}))
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            code = self._proc.poll()
            if code is not None:
                err = self._stderr_text()
                self._proc = None
                raise NodeError(
                    f"anvil exited with code {code} before it was ready "
                    f"(port {self.port}); its stderr: {err or '<empty>'}"
                )
            try:
                if probe.eth.chain_id == self.chain_id:
                    log.debug("anvil.ready", url=self.url)
                    return
            except Exception:
                pass  # not listening yet
            time.sleep(self.poll_latency)
        err = self._stderr_text()
        self.stop()
        raise NodeError(
            f"anvil did not answer on {self.url} within {self.startup_timeout}s; "
            f"stderr: {err or '<empty>'}"
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate anvil (SIGTERM, which dumps --state), then kill it after `timeout`."""
        proc, self._proc = self._proc, None
        self._w3 = None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("anvil.kill", port=self.port, reason="no exit after SIGTERM")
                proc.kill()
                proc.wait(timeout=timeout)
        if self._stderr is not None:
            with contextlib.suppress(Exception):
                self._stderr.close()
            self._stderr = None
        log.debug("anvil.stopped", port=self.port)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _rpc(self, method: str, params: list[Any]) -> Any:
        response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise NodeError(f"anvil {method} failed: {response['error']}")
        return response.get("result")

    def snapshot(self) -> str:
        """Snapshot the chain state; returns the id for `revert`."""
        return str(self._rpc("evm_snapshot", []))

    def revert(self, snapshot_id: str) -> None:
        """Revert to a snapshot (which is consumed, as on every EVM dev node)."""
        if not self._rpc("evm_revert", [snapshot_id]):
            raise NodeError(f"anvil could not revert to snapshot {snapshot_id}; it may be used up")

    def increase_time(self, seconds: int) -> None:
        """Move the next block's timestamp forward by `seconds` (mine to apply it)."""
        self._rpc("evm_increaseTime", [int(seconds)])

    def set_next_timestamp(self, timestamp: int) -> None:
        """Set the exact timestamp of the next block."""
        self._rpc("evm_setNextBlockTimestamp", [int(timestamp)])

    def mine(self, blocks: int = 1) -> None:
        """Mine `blocks` empty blocks."""
        self._rpc("anvil_mine", [hex(blocks)])

    def set_balance(self, address: str, wei: int) -> None:
        """Set an account's ETH balance."""
        self._rpc("anvil_setBalance", [address, hex(wei)])

    def __del__(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(Exception):
                proc.kill()

    def __repr__(self) -> str:
        return f"Anvil(url={self.url}, chain_id={self.chain_id}, running={self.running})"
