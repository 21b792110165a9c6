"""Keystores by path or by name, as Foundry and ape keep them; private keys never from argv.

`--keystore PATH` is a Web3 Secret Storage JSON file; `--account NAME` (the same option, Foundry's
spelling) is looked up as ~/.foundry/keystores/NAME (what `cast wallet import NAME` writes), then
~/.ape/accounts/NAME.json (what `ape accounts import NAME` writes). A raw private key given there,
or with `--private-key` (Foundry's flag, which Assay does not take), is refused with a pointer to
$ASSAY_PRIVATE_KEY: argv is visible to every user of the machine and kept in shell history.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from assay.errors import ConfigError

KEY_ENV = "ASSAY_PRIVATE_KEY"
PRIVATE_KEY_FLAG = "--private-key"
_HEX_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


class KeyOnCommandLineError(ConfigError):
    """A private key was given on the command line."""

    hint = (
        f"export {KEY_ENV}=0x… in the environment (or from a secret store), or sign with a "
        "keystore: --keystore PATH, or --account NAME for a Foundry (`cast wallet import NAME`) "
        "or ape account; its password in $ASSAY_KEYSTORE_PASSWORD or typed at the prompt"
    )


class UnknownAccountError(ConfigError):
    """--account NAME names no keystore."""


def foundry_keystores() -> Path:
    """Where Foundry keeps named keystores."""
    return Path.home() / ".foundry" / "keystores"


def ape_accounts() -> Path:
    """Where ape keeps named accounts."""
    return Path.home() / ".ape" / "accounts"


def refuse_key_in_argv(args: Sequence[str]) -> None:
    """Raise KeyOnCommandLineError if `args` (before any `--`) use --private-key."""
    for arg in args:
        if arg == "--":
            return
        if arg == PRIVATE_KEY_FLAG or arg.startswith(PRIVATE_KEY_FLAG + "="):
            raise KeyOnCommandLineError(
                "--private-key is not accepted: a key on the command line is visible to every "
                "user of this machine (ps) and stays in your shell history"
            )


def resolve_keystore(text: str) -> Path:
    """The keystore file `--keystore/--account` names: a path, else a Foundry or ape account.

    Raises:
        KeyOnCommandLineError: `text` is a raw private key.
        UnknownAccountError: neither a file nor a known account name.
    """
    if _HEX_KEY.match(text.strip()):
        raise KeyOnCommandLineError(
            "--keystore/--account got what looks like a private key; keys are never taken from "
            "the command line (visible in ps and shell history)"
        )
    path = Path(text).expanduser()
    if path.is_file():
        return path
    if _NAME.match(text):
        for candidate in (foundry_keystores() / text, ape_accounts() / f"{text}.json"):
            if candidate.is_file():
                return candidate
    known = sorted(
        {p.name for p in _listing(foundry_keystores())}
        | {p.stem for p in _listing(ape_accounts()) if p.suffix == ".json"}
    )
    error = UnknownAccountError(
        f"no keystore file {path} and no account named {text!r} in {foundry_keystores()} or "
        f"{ape_accounts()}"
    )
    error.hint = (
        f"known accounts: {', '.join(known)}"
        if known
        else "import one with `cast wallet import NAME --interactive`, or give a keystore path"
    )
    raise error


def _listing(directory: Path) -> list[Path]:
    try:
        return [p for p in directory.iterdir() if p.is_file()]
    except OSError:
        return []
