"""`assay job …`: write a starter job.toml and validate one. Presentation only."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assay.protocol.canonical import spec_hash
from assay.protocol.estimate import estimate
from assay.protocol.spec import JobSpec, SpecError, load_spec

job_app = typer.Typer(no_args_is_help=True, help="Describe, check and submit training jobs.")
console = Console(highlight=False)

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
    path: Annotated[Path, typer.Argument(help="where to write the job file")] = Path("job.toml"),
    force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
) -> None:
    """Write a commented starter job.toml (an MLP on scikit-learn's digits).

    Example: assay job init job.toml
    """
    if path.exists() and not force:
        console.print(f"[bold red]error:[/] {path} already exists — pass --force to overwrite it")
        raise typer.Exit(1)
    path.write_text(STARTER_JOB, encoding="utf-8")
    console.print(f"wrote {path} — edit it, then run `assay job validate {path}`")


def _graph_hash_line(spec: JobSpec) -> str:
    """The operator-graph hash, once the runtime provides assay.repro.graph.graph_hash."""
    try:
        graph = importlib.import_module("assay.repro.graph")
    except ImportError:
        return "(computed by the runtime)"
    value = graph.graph_hash(spec)
    return "0x" + bytes(value).hex()


def _si(value: float, unit: str) -> str:
    for prefix, scale in (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


@job_app.command("validate")
def validate(
    path: Annotated[Path, typer.Argument(help="the job file to check")] = Path("job.toml"),
) -> None:
    """Check a job file against the schema and limits; print its hash and cost.

    Example: assay job validate job.toml
    """
    try:
        spec = load_spec(path)
    except SpecError as exc:
        console.print(f"[bold red]invalid:[/] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    est = estimate(spec)
    console.print(f"[bold green]valid:[/] {path}")
    console.print(f"spec hash:    0x{spec_hash(spec).hex()}")
    console.print(f"graph hash:   {_graph_hash_line(spec)}")
    console.print(f"parameters:   {est.parameters:,}")
    console.print(f"FLOPs/step:   {_si(est.flops_per_step, 'FLOP')}")
    console.print(f"FLOPs total:  {_si(est.total_flops, 'FLOP')}")
    console.print(f"memory:       {_si(est.memory_bytes, 'B')}")
