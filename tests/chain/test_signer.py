"""Signers: env key, keystore, ape account; keys never appear in repr or errors."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

from assay.chain.anvil import Anvil, dev_accounts
from assay.chain.errors import SignerError
from assay.chain.sender import TxSender
from assay.chain.signer import LocalKeySigner, Signer

KEY = dev_accounts(1)[0].private_key
ADDRESS = dev_accounts(1)[0].address
TX = {
    "chainId": 31337,
    "nonce": 0,
    "gas": 21_000,
    "maxFeePerGas": 10**9,
    "maxPriorityFeePerGas": 1,
    "to": "0x" + "22" * 20,
    "value": 5,
    "data": b"",
    "type": 2,
}


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_PRIVATE_KEY", KEY)
    signer = LocalKeySigner.from_env()
    assert signer.address == ADDRESS
    assert isinstance(signer, Signer)
    assert Account.recover_transaction(signer.sign_transaction(TX)) == ADDRESS


def test_from_env_missing_or_bad(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSAY_PRIVATE_KEY", raising=False)
    with pytest.raises(SignerError, match="ASSAY_PRIVATE_KEY is not set"):
        LocalKeySigner.from_env()
    bad = "0x" + "zz" * 32
    monkeypatch.setenv("ASSAY_PRIVATE_KEY", bad)
    with pytest.raises(SignerError) as info:
        LocalKeySigner.from_env()
    assert bad not in str(info.value)


def test_key_is_redacted() -> None:
    signer = LocalKeySigner.from_key(KEY)
    for text in (repr(signer), str(signer), f"{signer}"):
        assert KEY.removeprefix("0x") not in text
    assert "redacted" in repr(signer)
    with pytest.raises(TypeError):
        pickle.dumps(signer)


def test_from_keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(Account.encrypt(KEY, "hunter2", iterations=2)))
    monkeypatch.setenv("ASSAY_KEYSTORE_PASSWORD", "hunter2")
    assert LocalKeySigner.from_keystore(path).address == ADDRESS
    monkeypatch.setenv("ASSAY_KEYSTORE_PASSWORD", "wrong")
    with pytest.raises(SignerError, match="wrong password"):
        LocalKeySigner.from_keystore(path)
    monkeypatch.delenv("ASSAY_KEYSTORE_PASSWORD")
    with pytest.raises(SignerError, match="ASSAY_KEYSTORE_PASSWORD is not set"):
        LocalKeySigner.from_keystore(path)


@pytest.mark.anvil
def test_signed_transaction_is_accepted_by_anvil(chain: Anvil) -> None:
    sender = TxSender(chain.w3, LocalKeySigner.from_key(chain.accounts[3].private_key))
    receipt = sender.send_tx(to=chain.accounts[4].address, value=1)
    assert receipt["status"] == 1


# ape is slow to import and keeps global state, so its test runs in a subprocess.
APE_SCRIPT = """
import os, sys
from eth_account import Account
from ape_accounts.accounts import import_account_from_private_key
from assay.chain.signer import ApeAccountSigner
from assay.chain.errors import SignerError
key, tx = sys.argv[1], eval(sys.argv[2])
import_account_from_private_key("assaytest", "pw-1234", key)
signer = ApeAccountSigner("assaytest")
raw = signer.sign_transaction(tx)
assert Account.recover_transaction(raw) == signer.address, "ape signature does not recover"
assert "pw-1234" not in repr(signer)
try:
    ApeAccountSigner("nobody").address
except SignerError as exc:
    assert "nobody" in str(exc)
else:
    raise AssertionError("missing ape account must fail")
print(signer.address)
"""


def test_ape_account_signer(tmp_path: Path) -> None:
    pytest.importorskip("ape")
    env = {
        "APE_DATA_FOLDER": str(tmp_path / "ape"),
        "APE_ACCOUNTS_assaytest_PASSPHRASE": "pw-1234",
        "APE_ACCOUNTS_nobody_PASSPHRASE": "x",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    # The key travels through argv of a test subprocess only; it is anvil's public dev key.
    result = subprocess.run(
        [sys.executable, "-c", APE_SCRIPT, KEY, repr(TX)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert ADDRESS in result.stdout
