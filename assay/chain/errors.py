"""Exceptions of assay.chain: one root (ChainError) under AssayError."""

from __future__ import annotations

from typing import Any

from assay.errors import AssayError


class ChainError(AssayError):
    """Talking to the chain failed (node, artifacts, transactions)."""


class ArtifactError(ChainError):
    """A contract build artifact is missing or unreadable; `make build` fixes it."""


class SignerError(ChainError):
    """A signing key could not be loaded or used."""


class NodeError(ChainError):
    """The node is unreachable, not ready, or misbehaved."""


class TransactionError(ChainError):
    """A transaction could not be sent or confirmed."""


class RevertError(ChainError):
    """A call or transaction reverted; `.name` and `.args` are the decoded custom error."""

    def __init__(
        self,
        message: str,
        *,
        name: str = "",
        contract: str = "",
        args: dict[str, Any] | None = None,
        data: bytes = b"",
        tx_hash: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.contract = contract
        self._decoded_args: dict[str, Any] = dict(args or {})
        self.data = data
        self.tx_hash = tx_hash

    # BaseException.args is a tuple; callers want the decoded error arguments by name.
    @property  # type: ignore[override]
    def args(self) -> dict[str, Any]:
        """The decoded error arguments by parameter name."""
        return self._decoded_args

    @args.setter
    def args(self, value: Any) -> None:
        # BaseException assigns args during construction and unpickling; keep the decoded ones.
        pass

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {
            "name": self.name,
            "contract": self.contract,
            "args": self._decoded_args,
            "data": self.data,
            "tx_hash": self.tx_hash,
        }
        return (_rebuild_revert, (self.message, kwargs))

    @property
    def selector(self) -> bytes:
        """The 4-byte selector of the revert data (empty if there was no data)."""
        return self.data[:4]


def _rebuild_revert(message: str, kwargs: dict[str, Any]) -> RevertError:
    return RevertError(message, **kwargs)
