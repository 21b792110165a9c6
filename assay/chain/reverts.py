"""Decode revert data into RevertError: the error's name, its arguments and a sentence."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import collapse_if_tuple
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.exceptions import ContractLogicError

from assay.chain.artifacts import ABI, contracts_out_dir, iter_abis
from assay.chain.errors import RevertError
from assay.protocol.types import SOLIDITY_ENUM_NAMES, GameStatus, JobStatus, Party, Role

__all__ = ["ErrorDecoder", "RevertError", "decode_revert", "default_decoder", "revert_from_web3"]

ERROR_STRING_SELECTOR = keccak(text="Error(string)")[:4]
PANIC_SELECTOR = keccak(text="Panic(uint256)")[:4]

PANIC_CODES: dict[int, str] = {
    0x01: "an assert failed",
    0x11: "an arithmetic operation overflowed or underflowed",
    0x12: "division or modulo by zero",
    0x21: "a value was converted to an invalid enum",
    0x22: "a storage byte array was incorrectly encoded",
    0x31: "pop() on an empty array",
    0x32: "an array index was out of bounds",
    0x41: "too much memory was allocated",
    0x51: "an uninitialized function pointer was called",
}

_ENUMS: dict[str, type[IntEnum]] = {
    "Role": Role,
    "JobStatus": JobStatus,
    "GameStatus": GameStatus,
    "Party": Party,
}


@dataclass(frozen=True)
class ErrorSpec:
    """One custom error of one contract, as declared in its ABI."""

    contract: str
    name: str
    inputs: tuple[dict[str, Any], ...]

    @property
    def types(self) -> list[str]:
        """Canonical ABI types of the arguments."""
        return [collapse_if_tuple(i) for i in self.inputs]

    @property
    def selector(self) -> bytes:
        """keccak256 of the signature, first 4 bytes."""
        return keccak(text=f"{self.name}({','.join(self.types)})")[:4]


def _display_contract(name: str) -> str:
    """`IJobMarket` -> `JobMarket`: interfaces and implementations share their errors."""
    if len(name) > 1 and name[0] == "I" and name[1].isupper():
        return name[1:]
    return name


def _enum_name(internal_type: str) -> str | None:
    if internal_type.startswith("enum "):
        return internal_type.removeprefix("enum ").split(".")[-1]
    return None


def _convert(value: Any, param: dict[str, Any]) -> Any:
    enum = _enum_name(str(param.get("internalType", "")))
    if enum in _ENUMS and isinstance(value, int):
        try:
            return _ENUMS[enum](value)
        except ValueError:
            return value
    if param.get("type") == "address" and isinstance(value, str):
        return to_checksum_address(value)
    return value


def _render(value: Any) -> str:
    if isinstance(value, IntEnum):
        names = SOLIDITY_ENUM_NAMES.get(type(value).__name__)
        return names[int(value)] if names and int(value) < len(names) else value.name
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return str(value)


Template = Callable[[dict[str, str]], str]

# Sentences for the errors users hit most; everything else gets `Name(arg=value, ...)`.
_TEMPLATES: dict[tuple[str, str], Template] = {
    ("JobMarket", "WrongStatus"): lambda a: (
        f"job {a['jobId']} is {a['actual']} but the call needs {a['expected']}"
    ),
    ("DisputeGame", "WrongStatus"): lambda a: (
        f"game {a['gameId']} is {a['actual']}, where this move is not allowed"
    ),
    ("DisputeGame", "NotYourTurn"): lambda a: (
        f"it is the {a['turn']}'s move in game {a['gameId']}, not {a['caller']}'s"
    ),
    ("StakeManager", "InsufficientFreeStake"): lambda a: (
        f"{a['account']} has {a['free']} wei of free {a['role']} stake but {a['needed']} is "
        "needed; deposit more with `assay stake add`"
    ),
    ("StakeManager", "StillUnbonding"): lambda a: (
        f"the {a['role']} withdrawal of {a['account']} unlocks at {a['withdrawableAt']} "
        f"(now {a['nowTs']}); wait and retry"
    ),
    ("JobMarket", "TooEarly"): lambda a: (
        f"job {a['jobId']}: too early (now {a['nowTs']}, opens at {a['opensAt']})"
    ),
    ("JobMarket", "TooLate"): lambda a: (
        f"job {a['jobId']}: too late (now {a['nowTs']}, closed at {a['closedAt']})"
    ),
    ("JobMarket", "UnknownJob"): lambda a: f"job {a['jobId']} does not exist",
    ("DisputeGame", "UnknownGame"): lambda a: f"game {a['gameId']} does not exist",
    ("DisputeGame", "WrongBond"): lambda a: (
        f"the challenge bond is {a['required']} wei but {a['sent']} was sent"
    ),
    ("JobMarket", "BudgetTooSmall"): lambda a: (
        f"a budget of {a['budget']} wei is below the minimum of {a['minimum']} wei"
    ),
}


def _sentence(contract: str, name: str, rendered: dict[str, str]) -> str:
    template = _TEMPLATES.get((contract, name))
    if template is not None:
        try:
            return f"{contract}.{name}: {template(rendered)}"
        except KeyError:
            pass
    inner = ", ".join(f"{k}={v}" for k, v in rendered.items())
    return f"{contract}.{name}({inner})"


class ErrorDecoder:
    """Selector table over the custom errors of many ABIs, plus Error(string) and Panic."""

    def __init__(self, abis: Iterable[tuple[str, ABI]]) -> None:
        table: dict[bytes, list[ErrorSpec]] = {}
        for contract, abi in abis:
            for entry in abi:
                if entry.get("type") != "error":
                    continue
                spec = ErrorSpec(
                    contract=_display_contract(contract),
                    name=str(entry["name"]),
                    inputs=tuple(entry.get("inputs", [])),
                )
                specs = table.setdefault(spec.selector, [])
                if all((s.contract, s.name) != (spec.contract, spec.name) for s in specs):
                    specs.append(spec)
        self._table = table

    @classmethod
    def from_out_dir(cls, out_dir: Path | None = None) -> ErrorDecoder:
        """A decoder over every ABI in contracts/out."""
        return cls(iter_abis(out_dir))

    def specs(self, selector: bytes) -> list[ErrorSpec]:
        """Every known error with this selector (several contracts may declare the same one)."""
        return list(self._table.get(selector, []))

    def decode(
        self, data: bytes, *, contract: str | None = None, tx_hash: str | None = None
    ) -> RevertError:
        """Decode raw revert bytes; `contract` wins when several contracts declare the error."""
        data = bytes(data)
        selector = data[:4]
        if not data:
            return RevertError(
                "the call reverted without a reason (a require without message, a failed "
                "transfer, or a call to an address without code)",
                name="",
                data=data,
                tx_hash=tx_hash,
            )
        if selector == ERROR_STRING_SELECTOR:
            try:
                (message,) = abi_decode(["string"], data[4:])
            except DecodingError:
                message = "<undecodable reason>"
            return RevertError(
                str(message), name="Error", args={"message": message}, data=data, tx_hash=tx_hash
            )
        if selector == PANIC_SELECTOR:
            try:
                (code,) = abi_decode(["uint256"], data[4:])
            except DecodingError:
                code = -1
            why = PANIC_CODES.get(code, "unknown panic code")
            return RevertError(
                f"Panic(0x{code:02x}): {why}; this is a contract bug, please report it",
                name="Panic",
                args={"code": code},
                data=data,
                tx_hash=tx_hash,
            )
        specs = self._table.get(selector, [])
        if contract is not None:
            wanted = _display_contract(contract)
            specs = sorted(specs, key=lambda s: s.contract != wanted)
        for spec in specs:
            try:
                values = abi_decode(spec.types, data[4:])
            except (DecodingError, ValueError, OverflowError):
                continue
            args = {
                str(p.get("name") or f"arg{i}"): _convert(v, p)
                for i, (v, p) in enumerate(zip(values, spec.inputs, strict=True))
            }
            rendered = {k: _render(v) for k, v in args.items()}
            return RevertError(
                _sentence(spec.contract, spec.name, rendered),
                name=spec.name,
                contract=spec.contract,
                args=args,
                data=data,
                tx_hash=tx_hash,
            )
        return RevertError(
            f"the call reverted with unknown error 0x{selector.hex()} (data 0x{data.hex()}); "
            "rebuild the contracts (`make build`) so their ABIs are in contracts/out",
            name="",
            data=data,
            tx_hash=tx_hash,
        )


@lru_cache(maxsize=4)
def _decoder_for(out_dir: Path) -> ErrorDecoder:
    return ErrorDecoder.from_out_dir(out_dir)


def default_decoder() -> ErrorDecoder:
    """The decoder over contracts/out (cached per folder)."""
    return _decoder_for(contracts_out_dir())


def decode_revert(data: bytes | str, *, contract: str | None = None) -> RevertError:
    """Decode revert data (bytes or 0x-hex) with the default decoder."""
    raw = _to_bytes(data) if isinstance(data, str) else bytes(data)
    return default_decoder().decode(raw, contract=contract)


def _to_bytes(text: str) -> bytes:
    body = text[2:] if text.startswith("0x") else text
    try:
        return bytes.fromhex(body)
    except ValueError:
        return b""


def revert_data_of(exc: BaseException) -> bytes | None:
    """The raw revert bytes carried by a web3 exception, or None if it has none."""
    if isinstance(exc, ContractLogicError):
        data = exc.data
        if isinstance(data, str) and data.startswith("0x"):
            return _to_bytes(data)
        if isinstance(data, dict):
            inner = data.get("data")
            if isinstance(inner, str) and inner.startswith("0x"):
                return _to_bytes(inner)
        return b""
    return None


def revert_from_web3(
    exc: BaseException,
    *,
    contract: str | None = None,
    decoder: ErrorDecoder | None = None,
    tx_hash: str | None = None,
) -> RevertError | None:
    """A decoded RevertError for a web3 revert exception, or None when `exc` is not a revert."""
    data = revert_data_of(exc)
    if data is None:
        return None
    if not data and isinstance(exc, ContractLogicError) and exc.message:
        reason = exc.message.removeprefix("execution reverted").lstrip(": ").strip()
        if reason:
            return RevertError(reason, name="Error", args={"message": reason}, tx_hash=tx_hash)
    return (decoder or default_decoder()).decode(data, contract=contract, tx_hash=tx_hash)
