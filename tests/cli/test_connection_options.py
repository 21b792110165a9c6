"""Foundry's conventions on every chain command: `--account NAME` loads a Foundry or ape keystore,
`--private-key` and keys given as --keystore are refused with a pointer, `--rpc-url` must be a
URL, and a devnet that is recorded but stopped is named in the error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner

from assay.chain.devnet import Devnet
from assay.cli import devnet_record, rpc
from assay.cli.main import app

pytestmark = pytest.mark.anvil

PASSWORD = "correct horse"


def _env(devnet: Devnet, home: Path, **extra: str | None) -> dict[str, str | None]:
    return {
        "HOME": str(home),
        "ASSAY_RPC_URL": devnet.node.url,
        "ASSAY_DEPLOYMENT": str(devnet.deployment_file),
        "ASSAY_PRIVATE_KEY": None,
        "ASSAY_DEV_ACCOUNT": None,
        "ASSAY_KEYSTORE_PASSWORD": PASSWORD,
        **extra,
    }


def _keystore(path: Path, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # pbkdf2 with few rounds: a test keystore, quick to decrypt.
    path.write_text(json.dumps(Account.encrypt(key, PASSWORD, kdf="pbkdf2", iterations=1000)))


@pytest.mark.parametrize(
    "where",
    [".foundry/keystores/alice", ".ape/accounts/alice.json"],
    ids=["foundry", "ape"],
)
def test_account_name_loads_a_foundry_or_ape_keystore(
    devnet: Devnet, tmp_path: Path, where: str
) -> None:
    solver = devnet.actor("solver").account
    _keystore(tmp_path / where, solver.private_key)
    result = CliRunner().invoke(
        app, ["stake", "status", "--account", "alice"], env=_env(devnet, tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert f"stake of {solver.address}" in result.output


def test_an_unknown_account_names_the_known_ones(devnet: Devnet, tmp_path: Path) -> None:
    _keystore(tmp_path / ".foundry/keystores/bob", devnet.actor("solver").account.private_key)
    result = CliRunner().invoke(
        app, ["stake", "status", "--account", "alice"], env=_env(devnet, tmp_path)
    )
    assert result.exit_code == 1
    assert "no account named 'alice'" in result.output
    assert "known accounts: bob" in result.output


def test_a_wrong_keystore_password_is_an_error_not_a_traceback(
    devnet: Devnet, tmp_path: Path
) -> None:
    _keystore(tmp_path / ".foundry/keystores/alice", devnet.actor("solver").account.private_key)
    env = _env(devnet, tmp_path, ASSAY_KEYSTORE_PASSWORD="wrong")
    result = CliRunner().invoke(app, ["stake", "status", "--account", "alice"], env=env)
    assert result.exit_code == 1
    assert "cannot decrypt keystore" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("form", ["separate", "joined"])
def test_private_key_flag_is_refused_without_echoing_the_key(
    devnet: Devnet, tmp_path: Path, form: str
) -> None:
    key = devnet.actor("solver").account.private_key
    args = ["--private-key", key] if form == "separate" else [f"--private-key={key}"]
    result = CliRunner().invoke(app, ["stake", "status", *args], env=_env(devnet, tmp_path))
    assert result.exit_code == 1
    assert "--private-key is not accepted" in result.output
    assert "ASSAY_PRIVATE_KEY" in result.output
    assert key[2:] not in result.output


def test_a_key_given_as_keystore_is_refused_without_echoing_it(
    devnet: Devnet, tmp_path: Path
) -> None:
    key = devnet.actor("solver").account.private_key
    result = CliRunner().invoke(
        app, ["stake", "status", "--keystore", key], env=_env(devnet, tmp_path)
    )
    assert result.exit_code == 1
    assert "looks like a private key" in result.output
    assert key[2:] not in result.output


@pytest.mark.parametrize("bad", ["localhost:8545", "8545", "ws://127.0.0.1:8545", "http://"])
def test_a_rpc_url_that_is_not_an_http_url_is_a_clear_error(
    devnet: Devnet, tmp_path: Path, bad: str
) -> None:
    result = CliRunner().invoke(
        app, ["stake", "status", "--rpc-url", bad], env=_env(devnet, tmp_path)
    )
    assert result.exit_code == 1
    assert f"--rpc-url {bad!r} is not an HTTP URL" in result.output
    assert "http://127.0.0.1:8545" in result.output


def test_a_recorded_devnet_that_stopped_is_named_in_the_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A record left by a devnet whose process is gone (pid 2**22 + 1 is above Linux's pid_max).
    dead = 2**22 + 1
    (tmp_path / devnet_record.PID_FILE).write_text(
        json.dumps({"pid": dead, "rpc_url": "http://127.0.0.1:1"})
    )
    monkeypatch.setenv("ASSAY_DEVNET_DIR", str(tmp_path))
    assert devnet_record.running_url() is None  # so the default URL is used, and fails
    monkeypatch.setitem(rpc._RPC_SOURCES, rpc.DEFAULT_RPC_URL, "the default")
    hint = rpc.unreachable_hint(rpc.DEFAULT_RPC_URL)
    assert f"the devnet recorded in {tmp_path} (pid {dead}) is not running" in hint
    (tmp_path / devnet_record.PID_FILE).unlink()
    assert f"no devnet is recorded in {tmp_path}" in rpc.unreachable_hint(rpc.DEFAULT_RPC_URL)
