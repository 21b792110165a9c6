"""Transaction signers: a local key (env or keystore) or an eth-ape account."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import structlog
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address

from assay.chain.errors import SignerError

log = structlog.get_logger(__name__)

TxDict = dict[str, Any]


@runtime_checkable
class Signer(Protocol):
    """Something that holds an address and signs transaction dicts into raw bytes."""

    @property
    def address(self) -> ChecksumAddress:
        """The checksummed account address."""
        ...

    def sign_transaction(self, tx: TxDict) -> bytes:
        """Sign a complete transaction dict (nonce, gas, fees, chainId set) into raw bytes."""
        ...


class LocalKeySigner:
    """Signs with a private key held in memory; its repr and errors never show the key."""

    __slots__ = ("_account",)

    def __init__(self, account: LocalAccount) -> None:
        self._account = account

    @classmethod
    def from_key(cls, private_key: str | bytes) -> LocalKeySigner:
        """From a raw key (0x-hex or 32 bytes); prefer from_env / from_keystore in applications."""
        try:
            return cls(Account.from_key(private_key))
        except Exception:
            # The original exception may echo the key; drop it.
            raise SignerError(
                "the private key is not a valid secp256k1 key; expected 32 bytes as 0x-prefixed hex"
            ) from None

    @classmethod
    def from_env(cls, var: str = "ASSAY_PRIVATE_KEY") -> LocalKeySigner:
        """From the hex key in environment variable `var`."""
        value = os.environ.get(var, "").strip()
        if not value:
            raise SignerError(
                f"environment variable {var} is not set; export the deployer/agent private key "
                "there (0x-prefixed hex) or use a keystore"
            )
        try:
            signer = cls.from_key(value)
        except SignerError:
            raise SignerError(
                f"{var} does not hold a valid private key; expected 0x followed by 64 hex digits"
            ) from None
        log.debug("signer.loaded", source="env", var=var, address=signer.address)
        return signer

    @classmethod
    def from_keystore(
        cls, path: str | Path, password_env: str = "ASSAY_KEYSTORE_PASSWORD"
    ) -> LocalKeySigner:
        """From an eth-account (Web3 Secret Storage) keystore JSON, password from `password_env`."""
        keyfile = Path(path).expanduser()
        password = os.environ.get(password_env)
        if password is None:
            raise SignerError(
                f"environment variable {password_env} is not set; export the password of "
                f"keystore {keyfile} there"
            )
        try:
            data = json.loads(keyfile.read_text())
        except OSError as exc:
            raise SignerError(f"cannot read keystore {keyfile}: {exc.strerror}") from None
        except json.JSONDecodeError:
            raise SignerError(f"keystore {keyfile} is not JSON; give a keystore file") from None
        try:
            key = Account.decrypt(data, password)
        except ValueError:
            raise SignerError(
                f"cannot decrypt keystore {keyfile}: wrong password in {password_env}, "
                "or not a keystore file"
            ) from None
        signer = cls(Account.from_key(key))
        log.debug("signer.loaded", source="keystore", path=str(keyfile), address=signer.address)
        return signer

    @property
    def address(self) -> ChecksumAddress:
        """The checksummed account address."""
        return to_checksum_address(self._account.address)

    def sign_transaction(self, tx: TxDict) -> bytes:
        """Sign `tx` into raw bytes."""
        try:
            signed = self._account.sign_transaction(tx)
        except Exception as exc:
            raise SignerError(
                f"cannot sign the transaction for {self.address}: {type(exc).__name__}; check "
                "that nonce, gas, fees and chainId are set"
            ) from None
        return bytes(signed.raw_transaction)

    def __repr__(self) -> str:
        return f"LocalKeySigner(address={self.address}, key=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("LocalKeySigner holds a private key and cannot be pickled")


class ApeAccountSigner:
    """Signs through an eth-ape keystore account (`ape accounts generate|import <alias>`)."""

    def __init__(self, alias: str, passphrase_env: str | None = None) -> None:
        self._alias = alias
        self._passphrase_env = passphrase_env or f"APE_ACCOUNTS_{alias}_PASSPHRASE"
        self._account: Any = None
        self._ecosystem: Any = None

    @property
    def alias(self) -> str:
        """The ape account alias."""
        return self._alias

    def _load(self) -> Any:
        if self._account is not None:
            return self._account
        try:
            import ape  # Lazy: ape is an optional extra and slow to import.
        except ImportError:
            raise SignerError(
                "eth-ape is not installed; install the `ape` extra (pip install -e '.[ape]') "
                "or use ASSAY_PRIVATE_KEY / a keystore"
            ) from None
        names = [self._passphrase_env, self._passphrase_env.upper()]
        passphrase = next((os.environ[n] for n in names if os.environ.get(n)), None)
        if passphrase is None:
            raise SignerError(
                f"environment variable {self._passphrase_env} is not set; export the passphrase "
                f"of ape account {self._alias!r} there"
            )
        try:
            account = ape.accounts.load(self._alias)
        except Exception as exc:
            raise SignerError(
                f"ape has no account {self._alias!r} ({type(exc).__name__}); create it with "
                f"`ape accounts import {self._alias}` or check APE_DATA_FOLDER"
            ) from None
        try:
            account.set_autosign(True, passphrase=passphrase)
        except Exception:
            raise SignerError(
                f"cannot unlock ape account {self._alias!r}: wrong passphrase in "
                f"{self._passphrase_env}"
            ) from None
        self._account = account
        self._ecosystem = ape.networks.ethereum
        log.debug("signer.loaded", source="ape", alias=self._alias, address=account.address)
        return account

    @property
    def address(self) -> ChecksumAddress:
        """The checksummed account address."""
        return to_checksum_address(str(self._load().address))

    def sign_transaction(self, tx: TxDict) -> bytes:
        """Sign `tx` with the ape account into raw bytes."""
        account = self._load()
        fields = {k: v for k, v in tx.items() if k != "from"}
        if "to" in fields:
            fields["receiver"] = fields.pop("to")
        try:
            ape_tx = self._ecosystem.create_transaction(**fields)
            signed = account.sign_transaction(ape_tx)
        except Exception as exc:
            raise SignerError(
                f"ape account {self._alias!r} could not sign: {type(exc).__name__}"
            ) from None
        if signed is None or signed.signature is None:
            raise SignerError(f"ape account {self._alias!r} declined to sign")
        return bytes(signed.serialize_transaction())

    def __repr__(self) -> str:
        return f"ApeAccountSigner(alias={self._alias!r})"
