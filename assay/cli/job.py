"""`assay job …`: write a starter job.toml and validate one. Presentation only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from assay.cli.output import JsonFlag, console, emit_json
from assay.errors import AssayError
from assay.protocol.canonical import spec_hash
from assay.protocol.datasets import parse_source
from assay.protocol.estimate import estimate
from assay.protocol.spec import JobSpec, SpecError, load_spec

job_app = typer.Typer(no_args_is_help=True, help="Describe, check and submit training jobs.")

# Kept identical to examples/digits-mlp.toml (a test checks it).
STARTER_JOB = """# An Assay training job. Every field is described in docs/job-spec.md.
# Check it with `assay job validate job.toml`; the printed spec hash identifies the job.
version = 1

[model]
arch = "mlp"              # mlp | cnn | tiny_gpt
hidden = [128]            # hidden layer widths
activation = "relu"       # relu | gelu | tanh
dropout = 0.0

[data]
source = "sklearn:digits" # 1797 8x8 handwritten digits, shipped with scikit-learn
test_fraction = 0.2       # held-out share of the rows
normalize = true          # per-feature zero mean, unit variance (train statistics)

[training]
steps = 500
batch_size = 64
seed = 0                  # roots every random draw: split, init, batch order, dropout

[training.optimizer]
name = "adamw"            # sgd | adamw
lr = 0.001
weight_decay = 0.01

[training.schedule]
name = "constant"         # constant | warmup | cosine

[checkpoint]
interval = 50             # steps between committed states

[evaluation]
metric = "accuracy"       # accuracy | loss | perplexity
"""


@job_app.command("init")
def init(
    path: Annotated[
        Path, typer.Argument(metavar="JOB_FILE", help="where to write the job file")
    ] = Path("job.toml"),
    force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
) -> None:
    """Write a commented starter job.toml (an MLP on scikit-learn's digits).

    Missing parent directories are created.

    Example: assay job init jobs/digits.toml
    """
    if path.is_dir():
        _invalid(f"{path} is a directory", f"name the file: `assay job init {path / 'job.toml'}`")
    if path.exists() and not force:
        _invalid(f"{path} already exists", "pass --force to overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(STARTER_JOB, encoding="utf-8")
    except OSError as exc:
        _invalid(f"cannot write {path}: {exc.strerror or exc}", "pick a writable location")
    console.print(f"wrote {path} — edit it, then run `assay job validate {path}`")


def _invalid(message: str, hint: str) -> NoReturn:
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True, markup=True)
    console.print(f"[yellow]what to do:[/] {hint}", soft_wrap=True)
    raise typer.Exit(1)


def _si(value: float, unit: str) -> str:
    for prefix, scale in (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


ArtifactsDir = Annotated[
    Path | None,
    typer.Option(
        "--artifacts",
        metavar="DIR",
        help="directory holding the data file of an `artifact:0x<sha256>` source, named "
        "<sha256>.npz|.npy|.csv",
    ),
]


def load_data(spec: JobSpec, artifacts: Path | None) -> Any:
    """The spec's dataset; for a user artifact, read (and sha256-checked) from `artifacts`.

    Raises AssayError (DatasetError) naming what to fix.
    """
    # deferred: loads torch and numpy (~2 s); keeps `assay --help` light
    from assay.repro.data import load_dataset

    if is_artifact(spec) and artifacts is None:
        err = AssayError(f"the data source {spec.data.source} is a user file")
        err.hint = "pass --artifacts DIR, the directory holding <sha256>.npz|.npy|.csv"
        raise err
    return load_dataset(spec.data, int(spec.training.seed), artifact_dir=artifacts)


def is_artifact(spec: JobSpec) -> bool:
    """Whether the spec trains on a user artifact (`artifact:0x<sha256>`)."""
    return parse_source(spec.data.source).family == "artifact"


@job_app.command("validate")
def validate(
    path: Annotated[Path, typer.Argument(metavar="JOB_FILE", help="the job file to check")] = Path(
        "job.toml"
    ),
    artifacts: ArtifactsDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Check a job file against the schema and limits; print its hash and cost.

    The graph hash builds the model on the data (with --artifacts DIR for a user file).

    Example: assay job validate job.toml --json
    """
    try:
        spec = load_spec(path)
    except SpecError as exc:
        if as_json:
            emit_json({"valid": False, "path": str(path), "error": str(exc)})
        else:
            console.print(f"[bold red]invalid:[/] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    est = estimate(spec)
    try:
        graph: str | None = _graph_hash(spec, artifacts)
        graph_note = ""
    except AssayError as exc:
        if not is_artifact(spec) or artifacts is not None:
            _invalid(f"{path} is valid, but its data cannot be loaded: {exc}", exc.hint or
                     "fix the data source or the file it names")  # fmt: skip
        graph, graph_note = None, "(needs the data file: pass --artifacts DIR)"
    if as_json:
        emit_json(
            {
                "valid": True,
                "path": str(path),
                "spec_hash": "0x" + spec_hash(spec).hex(),
                "graph_hash": graph,
                "data_source": spec.data.source,
                "parameters": est.parameters,
                "flops_per_step": est.flops_per_step,
                "total_flops": est.total_flops,
                "memory_bytes": est.memory_bytes,
            }
        )
        return
    console.print(f"[bold green]valid:[/] {path}")
    console.print(f"spec hash:    0x{spec_hash(spec).hex()}")
    console.print(f"graph hash:   {graph or graph_note}")
    console.print(f"parameters:   {est.parameters:,}")
    console.print(f"FLOPs/step:   {_si(est.flops_per_step, 'FLOP')}")
    console.print(f"FLOPs total:  {_si(est.total_flops, 'FLOP')}")
    console.print(f"memory:       {_si(est.memory_bytes, 'B')}")


def _graph_hash(spec: JobSpec, artifacts: Path | None) -> str:
    """The operator-graph hash, built on the spec's data."""
    # deferred: loads torch (~2 s); keeps `assay --help` light
    from assay.repro.graph import graph_hash

    return "0x" + bytes(graph_hash(spec, load_data(spec, artifacts))).hex()
