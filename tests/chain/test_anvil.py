"""Anvil manager: start/stop, snapshots, time travel, state persistence, dev accounts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assay.chain.anvil import DEV_MNEMONIC, Anvil, dev_accounts
from assay.chain.errors import NodeError
from assay.chain.sender import TxSender

pytestmark = pytest.mark.anvil


def test_dev_accounts_are_anvils_well_known_accounts() -> None:
    accounts = dev_accounts(3)
    assert accounts[0].address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert accounts[2].address == "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    assert accounts[0].private_key not in repr(accounts[0])
    assert "test junk" in DEV_MNEMONIC


def test_start_and_stop() -> None:
    node = Anvil(chain_id=4242)
    with node:
        assert node.running
        assert node.w3.eth.chain_id == 4242
        assert node.w3.eth.get_balance(node.accounts[1].address) > 0
    assert not node.running
    node.stop()  # idempotent


def test_snapshot_and_revert(chain: Anvil) -> None:
    start = chain.w3.eth.block_number
    snap = chain.snapshot()
    chain.mine(4)
    assert chain.w3.eth.block_number == start + 4
    chain.revert(snap)
    assert chain.w3.eth.block_number == start


def test_increase_time_moves_the_next_block(chain: Anvil) -> None:
    before = chain.w3.eth.get_block("latest")["timestamp"]
    chain.increase_time(3600)
    chain.mine()
    assert chain.w3.eth.get_block("latest")["timestamp"] - before >= 3600


def test_state_file_persists_across_restart(tmp_path: Path) -> None:
    state = tmp_path / "devnet.json"
    with Anvil(state_file=state) as node:
        sender = TxSender(node.w3, node.accounts[0].signer())
        sender.send_tx(to=node.accounts[7].address, value=10**18)
        block = node.w3.eth.block_number
        balance = node.w3.eth.get_balance(node.accounts[7].address)
    assert state.stat().st_size > 0
    with Anvil(state_file=state) as node:
        assert node.w3.eth.block_number == block
        assert node.w3.eth.get_balance(node.accounts[7].address) == balance


def test_dead_anvil_reports_its_stderr() -> None:
    node = Anvil(extra_args=["--no-such-flag"], startup_timeout=5)
    with pytest.raises(NodeError, match="exited") as info:
        node.start()
    assert "no-such-flag" in str(info.value)
    assert not node.running


def test_missing_binary_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSAY_ANVIL_BIN", str(tmp_path / "nope"))
    with pytest.raises(NodeError, match="make setup"):
        Anvil().start()


@pytest.mark.anvil
@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is a Linux feature")
def test_anvil_dies_when_its_owner_is_killed() -> None:
    script = (
        "import sys\n"
        "from assay.chain.anvil import Anvil\n"
        "node = Anvil().start()\n"
        "print('PID=%d' % node._proc.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        line = owner.stdout.readline()
        while line and not line.startswith("PID="):  # skip the owner's log lines
            line = owner.stdout.readline()
        anvil_pid = int(line.removeprefix("PID="))
        os.kill(anvil_pid, 0)  # alive
        owner.kill()  # SIGKILL: no cleanup code runs in the owner
        owner.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(anvil_pid):
            time.sleep(0.05)  # poll interval; the loop is bounded by the deadline
        if not _alive(anvil_pid):
            return
        pytest.fail(f"anvil {anvil_pid} outlived its killed owner")
    finally:
        if owner.poll() is None:
            owner.kill()


def _alive(pid: int) -> bool:
    """Running, not gone and not a zombie waiting for a reaper that may never come."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
