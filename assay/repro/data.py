"""Datasets of a job: loaded, generated, split and scaled identically by every party.

This is preprocessing, done once before training, in numpy float64 and then rounded once to
float32. Every step is reproducible bit for bit on any machine:

- random draws use numpy's legacy `RandomState` (MT19937), whose streams numpy guarantees never
  to change, seeded per purpose with keccak256("assay.data.<purpose>" ‖ seed as 8 bytes
  big-endian), first 4 bytes; only integer draws and `random_sample` (an exact integer → double
  conversion) are used;
- synthetic generators use only + − × ÷ and sqrt, each correctly rounded in IEEE-754 binary64,
  in a fixed order (Gaussian noise is the Irwin–Hall sum of 12 uniforms minus 6; cos/sin are a
  Taylor series at θ/64 followed by six angle doublings), so no libm or SIMD variant is involved;
- the split is `RandomState.permutation` of the row indices: the first floor(rows ×
  test_fraction) (at least 1) are the test rows, the rest the training rows in permuted order;
- normalization statistics come from the training rows only: mean = fsum(column) / n and
  var = fsum((column − mean)²) / n with `math.fsum`, which is exactly rounded and therefore
  independent of summation order; std = sqrt(var), or 1 where var is 0; rows become
  (x − mean) / std in float64, then float32 (round to nearest even).

`Dataset.content_hash` lets the parties compare what they loaded before training starts.
"""

from __future__ import annotations

import hashlib
import math
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from eth_hash.auto import keccak
from numpy.typing import NDArray

from assay.errors import AssayError
from assay.protocol import limits
from assay.protocol.datasets import CHAR_ALPHABET, DatasetInfo, Source, parse_source
from assay.protocol.spec import DataSpec

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
ARTIFACT_EXTENSIONS = (".npz", ".npy", ".csv")


class DatasetError(AssayError):
    """A dataset cannot be loaded: missing or corrupt artifact, wrong shape, unsafe content."""


@dataclass(frozen=True)
class Dataset:
    """Train and test tensors: x float32 (N, F) or (N, C, H, W), tokens int64 (N, T); y int64."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    info: DatasetInfo

    def content_hash(self) -> bytes:
        """sha256 over each tensor's name, dtype, shape and bytes, in field order."""
        h = hashlib.sha256()
        for name in ("x_train", "y_train", "x_test", "y_test"):
            t: torch.Tensor = getattr(self, name)
            h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
            h.update(t.contiguous().numpy().tobytes())
        return h.digest()


def derive_seed(seed: int, purpose: str) -> int:
    """A 32-bit RandomState seed for one preprocessing purpose."""
    digest = keccak(f"assay.data.{purpose}".encode() + seed.to_bytes(8, "big"))
    return int.from_bytes(digest[:4], "big")


def load_dataset(data: DataSpec, seed: int, artifact_dir: Path | None = None) -> Dataset:
    """Load or generate the rows, split them, scale them and lay them out for the model."""
    source = parse_source(data.source)
    info = data.info
    x, y = _rows(source, data, seed, artifact_dir)
    if info.n_rows is None:
        info = replace(info, n_rows=len(y))
    n_test = max(1, int(len(y) * data.test_fraction))
    if len(y) - n_test < 1:
        raise DatasetError(f"{source.text} has {len(y)} rows: too few to split — add rows")
    order = np.random.RandomState(derive_seed(seed, "split")).permutation(len(y))
    test, train = order[:n_test], order[n_test:]
    if source.is_sequence:
        x_tr = torch.from_numpy(x[train].astype(np.int64))
        x_te = torch.from_numpy(x[test].astype(np.int64))
    else:
        if data.normalize:
            x = _normalize(x, train)
        x32 = x.astype(np.float32)
        if data.layout == "image":
            if info.image_shape is None:
                raise DatasetError(f"{source.text} has no image layout — use an mlp")
            x32 = x32.reshape((len(y), *info.image_shape))
        x_tr, x_te = torch.from_numpy(x32[train].copy()), torch.from_numpy(x32[test].copy())
    return Dataset(
        x_train=x_tr.contiguous(),
        y_train=torch.from_numpy(y[train].astype(np.int64)),
        x_test=x_te.contiguous(),
        y_test=torch.from_numpy(y[test].astype(np.int64)),
        info=info,
    )


def _normalize(x: F64, train: I64) -> F64:
    """Per-feature standardisation with exactly rounded training-split statistics."""
    rows = x[train]
    n = float(len(rows))
    mean = np.array([math.fsum(rows[:, j]) / n for j in range(x.shape[1])])
    centred = rows - mean
    var = np.array([math.fsum(centred[:, j] * centred[:, j]) / n for j in range(x.shape[1])])
    std = np.sqrt(var)
    std[var == 0.0] = 1.0
    out: F64 = (x - mean) / std
    return out


def _rows(source: Source, data: DataSpec, seed: int, artifact_dir: Path | None) -> tuple[F64, I64]:
    if source.family == "sklearn":
        return _sklearn(source.name)
    if source.family == "artifact":
        if artifact_dir is None:
            raise DatasetError(f"{source.text} is a user file — pass the artifact directory")
        assert data.n_features is not None and data.n_classes is not None
        return load_artifact(source, Path(artifact_dir), data.n_features, data.n_classes)
    rs = np.random.RandomState(derive_seed(seed, "generate"))
    n = data.n_samples or 0
    if source.name == "char_sequence":
        return _char_windows(rs, n, data.seq_len or 1)
    noise = data.noise or 0.0
    if source.name == "blobs":
        return _blobs(rs, n, data.n_features or 2, data.n_classes or 2, noise)
    if source.name == "moons":
        return _moons(rs, n, noise)
    return _spirals(rs, n, data.n_classes or 2, noise)


# --- scikit-learn ------------------------------------------------------------------------------


def _sklearn(name: str) -> tuple[F64, I64]:
    from sklearn import datasets as skd  # late: scikit-learn is slow to import

    loaders = {
        "digits": skd.load_digits,
        "iris": skd.load_iris,
        "wine": skd.load_wine,
        "breast_cancer": skd.load_breast_cancer,
    }
    bunch = loaders[name]()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)


# --- synthetic ---------------------------------------------------------------------------------


def _gauss(rs: np.random.RandomState, shape: tuple[int, ...]) -> F64:
    """Irwin–Hall: the sum of 12 uniforms minus 6, added left to right (mean 0, variance 1)."""
    u = rs.random_sample((*shape, 12))
    acc = u[..., 0]
    for k in range(1, 12):
        acc = acc + u[..., k]
    out: F64 = acc - 6.0
    return out


def _cos_sin(theta: F64) -> tuple[F64, F64]:
    """cos and sin from + − × only: Taylor terms at θ/64, then six double-angle steps."""
    a = theta / 64.0
    a2 = a * a
    c, s = np.ones_like(a), np.ones_like(a)
    term_c, term_s = np.ones_like(a), np.ones_like(a)
    for k in range(1, 9):
        term_c = term_c * (-a2) / float((2 * k - 1) * (2 * k))
        term_s = term_s * (-a2) / float((2 * k) * (2 * k + 1))
        c, s = c + term_c, s + term_s
    s = s * a
    for _ in range(6):
        c, s = c * c - s * s, 2.0 * s * c
    return c, s


def _blobs(rs: np.random.RandomState, n: int, d: int, k: int, noise: float) -> tuple[F64, I64]:
    centers = rs.random_sample((k, d)) * 20.0 - 10.0
    y = np.arange(n, dtype=np.int64) % k
    return centers[y] + noise * _gauss(rs, (n, d)), y


def _moons(rs: np.random.RandomState, n: int, noise: float) -> tuple[F64, I64]:
    y = np.arange(n, dtype=np.int64) % 2
    c, s = _cos_sin(rs.random_sample(n) * math.pi)
    x = np.where(y[:, None] == 0, np.stack([c, s], 1), np.stack([1.0 - c, 0.5 - s], 1))
    return x + noise * _gauss(rs, (n, 2)), y


def _spirals(rs: np.random.RandomState, n: int, k: int, noise: float) -> tuple[F64, I64]:
    y = np.arange(n, dtype=np.int64) % k
    r = rs.random_sample(n)
    c, s = _cos_sin(y * (2.0 * math.pi / k) + r * (3.0 * math.pi))
    return np.stack([r * c, r * s], 1) + noise * _gauss(rs, (n, 2)), y


_DET = ("the", "a", "one", "every", "this", "that")
_ADJ = ("small", "red", "quiet", "bright", "old", "quick", "green", "tiny", "brave")
_NOUN = ("cat", "dog", "bird", "tree", "river", "house", "stone", "child", "star", "boat")
_VERB = ("sees", "likes", "finds", "follows", "hears", "keeps", "moves", "holds", "calls")
_END = (".", ".", ".", "!", "?")


def _char_stream(rs: np.random.RandomState, length: int) -> str:
    """Sentences of a tiny grammar (det [adj] noun verb det [adj] noun, optional `, and`)."""

    def pick(words: tuple[str, ...]) -> str:
        return words[int(rs.randint(len(words)))]

    def phrase() -> str:
        adj = f"{pick(_ADJ)} " if rs.randint(2) else ""
        return f"{pick(_DET)} {adj}{pick(_NOUN)}"

    parts: list[str] = []
    size = 0
    while size < length:
        clause = f"{phrase()} {pick(_VERB)} {phrase()}"
        if rs.randint(3) == 0:
            clause += f", and {phrase()} {pick(_VERB)} {phrase()}"
        sentence = clause + pick(_END) + ("\n" if rs.randint(4) == 0 else " ")
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts)[:length]


def _char_windows(rs: np.random.RandomState, n: int, seq_len: int) -> tuple[F64, I64]:
    """n windows of seq_len + 1 tokens, stride seq_len: x = first seq_len, y = the next ones."""
    text = _char_stream(rs, n * seq_len + 1)
    lookup = {ch: i for i, ch in enumerate(CHAR_ALPHABET)}
    tokens = np.array([lookup[ch] for ch in text], dtype=np.int64)
    idx = np.arange(n)[:, None] * seq_len + np.arange(seq_len)[None, :]
    x: F64 = tokens[idx].astype(np.float64)  # exact: ids < 2**53; converted back to int64
    return x, tokens[idx + 1]


# --- artifacts ---------------------------------------------------------------------------------


def find_artifact(source: Source, artifact_dir: Path) -> Path:
    """The file named `<sha256 hex>.<ext>` (optionally 0x-prefixed) in artifact_dir."""
    stems = {source.name, "0x" + source.name}
    try:
        found = sorted(p for p in artifact_dir.iterdir() if p.name.lower().split(".")[0] in stems)
    except OSError as exc:
        raise DatasetError(f"cannot list artifact directory {artifact_dir}: {exc}") from None
    if not found:
        raise DatasetError(
            f"{source.text}: no file named {source.name}.npz|.npy|.csv in {artifact_dir}"
            " — fetch the artifact first"
        )
    if len(found) > 1:
        raise DatasetError(f"{source.text}: several files match ({found}) — keep one")
    path = found[0]
    if path.suffix.lower() not in ARTIFACT_EXTENSIONS or path.name.count(".") != 1:
        raise DatasetError(
            f"{path.name}: unsupported file type — use one of {', '.join(ARTIFACT_EXTENSIONS)}"
        )
    return path


def load_artifact(
    source: Source, artifact_dir: Path, n_features: int, n_classes: int
) -> tuple[F64, I64]:
    """Check size and sha256 of the user file, then parse it without unpickling anything."""
    path = find_artifact(source, artifact_dir)
    size = path.stat().st_size
    if size > limits.MAX_ARTIFACT_BYTES:
        raise DatasetError(
            f"{path.name} is {size:,} bytes, the limit is {limits.MAX_ARTIFACT_BYTES:,}"
            " — shrink the dataset"
        )
    digest = hashlib.sha256(path.read_bytes()).digest()
    if digest != source.sha256:
        raise DatasetError(
            f"{path.name}: sha256 is 0x{digest.hex()}, the spec says 0x{source.name}"
            " — the file is corrupt or the spec names another file"
        )
    try:
        table = _parse(path)
    except DatasetError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, KeyError) as exc:
        raise DatasetError(f"{path.name} cannot be parsed: {exc}") from None
    return _check_table(path.name, *table, n_features, n_classes)


def _parse(path: Path) -> tuple[NDArray[np.generic], NDArray[np.generic]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".npz":
            with zipfile.ZipFile(path) as zf:
                unpacked = sum(i.file_size for i in zf.infolist())
            if unpacked > limits.MAX_ARTIFACT_BYTES:
                raise DatasetError(f"{path.name} unpacks to {unpacked:,} bytes — over the limit")
            with np.load(path, allow_pickle=False) as npz:
                if set(npz.files) != {"x", "y"}:
                    raise DatasetError(f"{path.name} must hold arrays 'x' and 'y', has {npz.files}")
                return npz["x"], npz["y"]
        if suffix == ".npy":
            table = np.load(path, allow_pickle=False)
        else:
            table = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2, comments="#")
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DatasetError(
                f"{path.name} contains Python objects (it would need pickle) — save plain"
                " numeric arrays"
            ) from None
        raise
    if table.ndim != 2 or table.shape[1] < 2:
        raise DatasetError(
            f"{path.name}: expected a 2-D table, features then a label column; got {table.shape}"
        )
    return table[:, :-1], table[:, -1]


def _check_table(
    name: str, x: NDArray[np.generic], y: NDArray[np.generic], n_features: int, n_classes: int
) -> tuple[F64, I64]:
    if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise DatasetError(f"{name}: arrays must be numeric, got {x.dtype} and {y.dtype}")
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        raise DatasetError(
            f"{name}: need x (rows, features) and y (rows,), got {x.shape}, {y.shape}"
        )
    if x.shape[1] != n_features:
        raise DatasetError(
            f"{name} has {x.shape[1]} features, data.n_features says {n_features} — fix the spec"
        )
    if not 2 <= len(y) <= limits.MAX_DATASET_ROWS:
        raise DatasetError(f"{name} has {len(y):,} rows; allowed 2..{limits.MAX_DATASET_ROWS:,}")
    xf = x.astype(np.float64)
    if not np.isfinite(xf).all():
        raise DatasetError(f"{name}: features contain NaN or infinity — clean the data")
    yf = y.astype(np.float64)
    if not (np.floor(yf) == yf).all() or yf.min() < 0 or yf.max() >= n_classes:
        raise DatasetError(
            f"{name}: labels must be integers 0..{n_classes - 1} (data.n_classes = {n_classes})"
        )
    return xf, yf.astype(np.int64)
