"""`assay repro`: train a job reproducibly, or trace one step's operators. Presentation only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assay.cli.output import console
from assay.errors import AssayError
from assay.protocol.spec import load_spec

repro_app = typer.Typer(no_args_is_help=True, help="The reproducible training runtime.")

JobArg = Annotated[
    Path,
    typer.Argument(metavar="JOB_FILE", help="job spec (TOML)", exists=True, dir_okay=False),
]
OutOpt = Annotated[Path, typer.Option("--out", metavar="DIR", help="output directory")]
DeviceOpt = Annotated[str, typer.Option(help="cpu or cuda; hashes do not depend on it")]


@repro_app.command("run")
def run(job: JobArg, out: OutOpt, device: DeviceOpt = "cpu") -> None:
    """Train the job; write hashes.txt (h_0..h_T), final.safetensors and metrics.json.

    Example: assay repro run job.toml --out runs/job
    """
    # deferred: loads torch (~2 s); keeps this path light
    from assay.repro.data import load_dataset
    from assay.repro.trainer import Trainer

    try:
        spec = load_spec(job)
        dataset = load_dataset(spec.data, int(spec.training.seed), artifact_dir=job.parent)
        out.mkdir(parents=True, exist_ok=True)
        trainer = Trainer(spec, dataset, device=device, checkpoint_dir=out / "checkpoints")
        hashes, losses = [], []
        columns = (TextColumn("training"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("loss {task.fields[loss]}"))  # fmt: skip
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("train", total=trainer.total_steps, loss="-")
            for result in trainer.run():
                hashes.append("0x" + result.state_hash.hex())
                if result.loss is not None:
                    losses.append(result.loss)
                    progress.update(task, advance=1, loss=f"{result.loss:.4f}")
        metric = trainer.evaluate()
        trainer.save(out / "final.safetensors")
    except AssayError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    (out / "hashes.txt").write_text("\n".join(hashes) + "\n")
    name = str(spec.evaluation.metric)
    metrics = {"loss": losses, "metric": name, name: metric, "final_state_hash": hashes[-1]}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    console.print(f"{name} = {metric:.4f}   h_{len(hashes) - 1} = {hashes[-1]}")


@repro_app.command("trace")
def trace(
    job: JobArg,
    step: Annotated[int, typer.Option(help="the step S to trace (1-based)", min=1)],
    out: OutOpt,
) -> None:
    """Replay the job to step S-1, then record step S: ops.jsonl and op_root.txt.

    Example: assay repro trace job.toml --step 3 --out runs/trace3
    """
    # deferred: loads torch (~2 s); keeps this path light
    from assay.repro.data import load_dataset
    from assay.repro.tracer import trace_step
    from assay.repro.trainer import Trainer

    try:
        spec = load_spec(job)
        if step > int(spec.training.steps):
            raise typer.BadParameter(f"--step {step} is past the job's {spec.training.steps} steps")
        dataset = load_dataset(spec.data, int(spec.training.seed), artifact_dir=job.parent)
        trainer = Trainer(spec, dataset)
        while trainer.step < step - 1:
            trainer.train_step()
        result = trace_step(spec, dataset, trainer.state, step)
    except AssayError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    out.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r.to_json(), sort_keys=True) for r in result.records]
    (out / "ops.jsonl").write_text("\n".join(lines) + "\n")
    root = "0x" + result.op_root.hex()
    (out / "op_root.txt").write_text(root + "\n")
    console.print(f"step {step}: {len(result.records)} ops, op root {root}")
