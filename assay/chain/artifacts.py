"""Load contract ABIs and bytecode from the Foundry build output (contracts/out)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assay.chain.errors import ArtifactError

OUT_ENV = "ASSAY_CONTRACTS_OUT"

ABI = list[dict[str, Any]]


@dataclass(frozen=True)
class Artifact:
    """One compiled contract: its name, ABI and creation bytecode (empty for interfaces)."""

    name: str
    abi: ABI
    bytecode: bytes

    @property
    def deployable(self) -> bool:
        """True when the artifact has creation code (not an interface or abstract contract)."""
        return len(self.bytecode) > 0


def contracts_out_dir() -> Path:
    """The Foundry `out/` folder: $ASSAY_CONTRACTS_OUT, else contracts/out next to the package."""
    env = os.environ.get(OUT_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "contracts" / "out"


def _artifact_path(name: str, out_dir: Path) -> Path:
    direct = out_dir / f"{name}.sol" / f"{name}.json"
    if direct.is_file():
        return direct
    # A contract declared in a file of another name (e.g. several contracts in one .sol).
    matches = sorted(out_dir.glob(f"*.sol/{name}.json"))
    if matches:
        return matches[0]
    raise ArtifactError(
        f"no build artifact for contract {name!r} in {out_dir}; run `make build` "
        f"(or set {OUT_ENV} to the folder holding Foundry's out/)"
    )


@lru_cache(maxsize=128)
def _load(name: str, out_dir: Path, mtime_ns: int) -> Artifact:
    path = _artifact_path(name, out_dir)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"cannot read {path} ({exc}); run `make build` to rebuild it") from exc
    raw = data.get("bytecode", {})
    code_hex = raw.get("object", "") if isinstance(raw, dict) else str(raw)
    code_hex = code_hex[2:] if code_hex.startswith("0x") else code_hex
    if "__$" in code_hex:
        raise ArtifactError(f"{name} needs linked libraries, which assay.chain does not link")
    return Artifact(name=name, abi=list(data["abi"]), bytecode=bytes.fromhex(code_hex))


def load_artifact(name: str, out_dir: Path | None = None) -> Artifact:
    """The artifact of contract `name`; ArtifactError (telling the user to build) if missing."""
    base = out_dir or contracts_out_dir()
    path = _artifact_path(name, base)
    return _load(name, base, path.stat().st_mtime_ns)


def load_abi(name: str, out_dir: Path | None = None) -> ABI:
    """The ABI of contract `name`."""
    return load_artifact(name, out_dir).abi


def iter_abis(out_dir: Path | None = None) -> Iterator[tuple[str, ABI]]:
    """(contract name, ABI) of every artifact in out/ (build-info excluded).

    Protocol sources (contracts/src) come first and test-only contracts (fakes, harnesses) last,
    so a decoder that meets the same error in both names the protocol contract.
    """
    base = out_dir or contracts_out_dir()
    if not base.is_dir():
        raise ArtifactError(f"{base} does not exist; run `make build` to compile the contracts")
    found: list[tuple[bool, str, ABI]] = []
    for path in sorted(base.glob("*.sol/*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        abi = data.get("abi")
        if isinstance(abi, list):
            target = data.get("metadata", {}).get("settings", {}).get("compilationTarget", {})
            from_src = any(str(source).startswith("src/") for source in target)
            found.append((not from_src, path.stem, abi))
    for _, name, abi in sorted(found, key=lambda item: item[0]):
        yield name, abi
