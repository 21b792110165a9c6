"""A job's user data file (`artifact:0x<sha256>`): from peers into a store, onto a training run.

The data source names the file by its sha256, which is also its content hash in the artifact
store, so the spec hash binds the data: whoever holds the spec can fetch the file from any peer
(`BlobClient` checks every byte) and nobody can swap it. `assay.repro.data` reads the file from
a directory holding `<sha256>.npz|.npy|.csv`; `data_dir` lays the stored copy out that way
beside a job's checkpoints, the extension told by the file's first bytes.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assay.errors import AssayError
from assay.net.blobs import BlobClient
from assay.protocol.datasets import parse_source
from assay.store import LocalStore
from assay.store.hashing import ContentHash

DATA_SUBDIR = "data"


class DataFileError(AssayError):
    """A job's user data file is not in the store and could not be fetched."""


def data_hash(spec: Any) -> ContentHash | None:
    """The content hash of the spec's user data file, or None for a built-in data set."""
    source = parse_source(str(spec.data.source))
    return ContentHash("0x" + source.name) if source.family == "artifact" else None


def file_kind(head: bytes) -> str:
    """The data file's extension from its first bytes: npz (zip), npy (NUMPY magic), else csv."""
    if head.startswith(b"PK\x03\x04"):
        return "npz"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    return "csv"


def fetch_data(spec: Any, store: LocalStore, peers: Sequence[str], timeout: float) -> None:
    """Make sure the store holds the spec's data file (fetched from `peers` if missing)."""
    h = data_hash(spec)
    if h is None or store.has(h):
        return
    if not peers:
        raise DataFileError(
            f"the job's data file {h} is not in {store.root} and its specURI names no peer"
        )
    BlobClient(peers, store, timeout=timeout).fetch(h)


def copy_data(spec: Any, source: LocalStore, target: LocalStore) -> None:
    """Copy the spec's data file between stores (e.g. the agent's into its task store)."""
    h = data_hash(spec)
    if h is not None and not target.has(h) and source.has(h):
        target.put_file(source.path_of(h))


def data_dir(spec: Any, store: LocalStore, workdir: Path) -> Path | None:
    """A directory holding the spec's data file as `<sha256>.<ext>` (None: built-in data)."""
    h = data_hash(spec)
    if h is None:
        return None
    if not store.has(h):
        raise DataFileError(
            f"the job's data file {h} is not in the artifact store at {store.root}; "
            "the agent fetches it with the spec from the specURI's peers"
        )
    stored = store.path_of(h)
    with stored.open("rb") as fh:
        kind = file_kind(fh.read(8))
    directory = workdir / DATA_SUBDIR
    target = directory / f"{h.digits}.{kind}"
    if not target.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{target.name}.tmp"
        shutil.copyfile(stored, tmp)
        tmp.replace(target)
    return directory


def load_job_data(spec: Any, store: LocalStore | None, workdir: Path | None) -> Any:
    """The spec's Dataset; a user data file is read from `store` (via `data_dir`), laid out
    under `workdir` (None: a temporary directory, gone once the data is in memory)."""
    # deferred: loads torch (~2 s); keeps this path light
    from assay.repro.data import load_dataset

    if workdir is None and store is not None and data_hash(spec) is not None:
        with tempfile.TemporaryDirectory(prefix="assay-data-") as scratch:
            return load_job_data(spec, store, Path(scratch))
    directory = data_dir(spec, store, workdir) if store is not None and workdir else None
    return load_dataset(spec.data, int(spec.training.seed), artifact_dir=directory)
