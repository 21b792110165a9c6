"""The job spec (`job.toml`): a declarative description of one training job; no user code runs.

One frozen model per component, one docstring per field. `JobSpec` fills the defaults that
depend on other sections (the data layout, a sequence length), so two files that mean the same
job validate to equal specs and hash equal (assay.protocol.canonical). Limits live in
assay.protocol.limits; docs/job-spec.md is the reference.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from assay.protocol import limits as L
from assay.protocol.datasets import DatasetInfo, Layout, dataset_info, parse_source
from assay.protocol.model_spec import LAYOUT_OF_ARCH, CnnSpec, MlpSpec, ModelSpec, TinyGptSpec
from assay.protocol.spec_base import Fraction, LearningRate, SpecModel, within
from assay.protocol.spec_errors import SpecError, format_validation_error

__all__ = [
    "AdamWSpec",
    "CheckpointSpec",
    "CnnSpec",
    "ConstantSchedule",
    "CosineSchedule",
    "DataSpec",
    "DatasetInfo",
    "EvaluationSpec",
    "JobSpec",
    "MlpSpec",
    "ModelSpec",
    "SgdSpec",
    "SpecError",
    "TinyGptSpec",
    "TrainingSpec",
    "WarmupSchedule",
    "load_spec",
    "parse_spec",
    "spec_from_dict",
]


# --- data --------------------------------------------------------------------------------------


class DataSpec(SpecModel):
    """Where the examples come from and how they are split and scaled (assay.repro.data)."""

    source: str
    """`sklearn:<name>`, `synthetic:<kind>` or `artifact:0x<sha256>`; see docs/job-spec.md."""
    test_fraction: Annotated[float, within(0.0, 0.5, lo_open=True)] = 0.2
    """Share of the rows held out for evaluation (floor of rows × fraction, at least 1)."""
    normalize: bool | None = None
    """Scale each feature to zero mean, unit variance (train-split statistics); default true,
    and always false for token sequences."""
    n_samples: Annotated[int, within(1, L.MAX_DATASET_ROWS)] | None = None
    """Rows to generate (synthetic sources only; for char_sequence, windows)."""
    n_features: Annotated[int, within(1, L.MAX_FEATURES)] | None = None
    """Features per row (synthetic:blobs; required for artifacts)."""
    n_classes: Annotated[int, within(2, L.MAX_CLASSES)] | None = None
    """Distinct labels 0..n_classes-1 (blobs, spirals; required for artifacts)."""
    noise: Annotated[float, within(0.0, 10.0)] | None = None
    """Standard deviation of the noise added to generated points (synthetic only)."""
    seq_len: Annotated[int, within(1, L.MAX_SEQ_LEN)] | None = None
    """Tokens per input window (char_sequence); filled from model.seq_len."""
    layout: Layout | None = None
    """Tensor layout handed to the model; filled from model.arch (flat, image or sequence)."""

    @model_validator(mode="before")
    @classmethod
    def _fill_source_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("source"), str):
            return data
        source = parse_source(data["source"])  # raises ValueError with a fix
        stray = [k for k in source.forbidden_params if data.get(k) is not None]
        if stray:
            raise ValueError(
                f"{', '.join(stray)} is not a parameter of {source.text} — remove it"
                f" (its parameters: {', '.join(source.params) or 'none'})"
            )
        filled = {**source.defaults, **{k: v for k, v in data.items() if v is not None}}
        filled["source"] = source.text
        filled.setdefault("normalize", not source.is_sequence)
        return filled

    @model_validator(mode="after")
    def _check_source_params(self) -> DataSpec:
        source = parse_source(self.source)
        missing = [k for k in source.required_params if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{source.text} needs {', '.join(missing)} — add it")
        if source.is_sequence and self.normalize:
            raise ValueError("normalize = true has no meaning for token sequences — remove it")
        return self

    @property
    def info(self) -> DatasetInfo:
        """Shapes and sizes of this source, known before any data is loaded."""
        return dataset_info(self)


# --- training ----------------------------------------------------------------------------------


class SgdSpec(SpecModel):
    """SGD with optional (Nesterov) momentum and coupled L2 weight decay (torch.optim.SGD)."""

    name: Literal["sgd"]
    """Selects this optimizer."""
    lr: LearningRate
    """Peak learning rate (the schedule scales it)."""
    momentum: Fraction = 0.0
    """Momentum coefficient; 0 keeps no optimizer state."""
    nesterov: bool = False
    """Nesterov momentum (needs momentum > 0)."""
    weight_decay: Annotated[float, within(0.0, 1.0)] = 0.0
    """L2 penalty added to the gradient: g + weight_decay × w."""

    @model_validator(mode="after")
    def _nesterov_needs_momentum(self) -> SgdSpec:
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("nesterov = true needs momentum > 0 — set momentum or drop nesterov")
        return self


class AdamWSpec(SpecModel):
    """Adam with decoupled weight decay (torch.optim.AdamW semantics, bias-corrected)."""

    name: Literal["adamw"]
    """Selects this optimizer."""
    lr: LearningRate
    """Peak learning rate (the schedule scales it)."""
    beta1: Fraction = 0.9
    """Decay of the first-moment estimate."""
    beta2: Fraction = 0.999
    """Decay of the second-moment estimate."""
    eps: Annotated[float, within(0.0, 1.0, lo_open=True)] = 1e-8
    """Added to the root of the second moment before dividing."""
    weight_decay: Annotated[float, within(0.0, 1.0)] = 0.01
    """Decoupled decay: w ← w − lr × weight_decay × w each step."""


class ConstantSchedule(SpecModel):
    """lr(step) = lr."""

    name: Literal["constant"] = "constant"
    """Selects this schedule."""


class WarmupSchedule(SpecModel):
    """lr(step) = lr × min(1, (step + 1) / warmup_steps), steps counted from 0."""

    name: Literal["warmup"]
    """Selects this schedule."""
    warmup_steps: Annotated[int, within(1, L.MAX_STEPS)]
    """Steps of linear ramp from lr / warmup_steps up to lr."""


class CosineSchedule(SpecModel):
    """Linear warmup, then min_lr + (lr − min_lr) × (1 + cos(π × progress)) / 2 down to min_lr."""

    name: Literal["cosine"]
    """Selects this schedule."""
    warmup_steps: Annotated[int, within(0, L.MAX_STEPS)] = 0
    """Steps of linear warmup before the decay (0: none)."""
    min_lr: Annotated[float, within(0.0, L.MAX_LR)] = 0.0
    """Learning rate reached at the last step; at most the optimizer's lr."""


Optimizer = Annotated[SgdSpec | AdamWSpec, Field(discriminator="name")]
Schedule = Annotated[
    ConstantSchedule | WarmupSchedule | CosineSchedule, Field(discriminator="name")
]


class TrainingSpec(SpecModel):
    """The optimisation loop: how long, how many examples per step, how parameters move."""

    steps: Annotated[int, within(1, L.MAX_STEPS)]
    """Optimizer steps; each is one committed state in the dispute game."""
    batch_size: Annotated[int, within(1, L.MAX_BATCH_SIZE)]
    """Training examples per step (static: every step has the same shapes)."""
    optimizer: Optimizer
    """`sgd` or `adamw`, chosen by `name`."""
    schedule: Schedule = ConstantSchedule()
    """`constant`, `warmup` or `cosine`, chosen by `name`."""
    grad_clip: Annotated[float, within(0.0, 1e6, lo_open=True)] | None = None
    """Clip the global gradient L2 norm to this value; omit for no clipping."""
    seed: Annotated[int, within(0, L.MAX_SEED)] = 0
    """Root of every random draw: data split, synthetic data, init, batch order, dropout."""


class CheckpointSpec(SpecModel):
    """Which states the solver commits on-chain as Merkle leaves."""

    interval: Annotated[int, within(1, L.MAX_STEPS)] = 100
    """Steps between committed checkpoints; at most training.steps."""


class EvaluationSpec(SpecModel):
    """How the trained model is scored on the held-out split."""

    metric: Literal["accuracy", "loss", "perplexity"] = "accuracy"
    """Reported metric; perplexity is for tiny_gpt only."""


# --- the job -----------------------------------------------------------------------------------


class JobSpec(SpecModel):
    """A whole training job; its canonical hash (assay.protocol.canonical) identifies it."""

    version: Literal[1] = 1
    """Version of this schema."""
    model: ModelSpec
    """The architecture, chosen by `arch`."""
    data: DataSpec
    """The dataset and its split."""
    training: TrainingSpec
    """Steps, batch, optimizer, schedule, seed."""
    checkpoint: CheckpointSpec = CheckpointSpec()
    """Commitment interval."""
    evaluation: EvaluationSpec = EvaluationSpec()
    """Held-out metric."""

    @model_validator(mode="before")
    @classmethod
    def _fill_from_model(cls, raw: Any) -> Any:
        """The data section inherits its layout and window length from the model."""
        if not isinstance(raw, dict):
            return raw
        model, data = raw.get("model"), raw.get("data")
        model = model.model_dump() if isinstance(model, BaseModel) else model
        data = data.model_dump(exclude_none=True) if isinstance(data, BaseModel) else data
        if not isinstance(model, dict) or not isinstance(data, dict):
            return raw
        data = dict(data)
        layout = LAYOUT_OF_ARCH.get(str(model.get("arch")))
        if layout is not None:
            data.setdefault("layout", layout)
        if layout == "sequence" and isinstance(data.get("source"), str):
            data.setdefault("seq_len", model.get("seq_len"))
        return {**raw, "data": data}

    @model_validator(mode="after")
    def _check_consistency(self) -> JobSpec:
        problems = _consistency_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _consistency_problems(spec: JobSpec) -> list[str]:
    """Cross-section rules; each line names the fields and says what to change."""
    model, data, training = spec.model, spec.data, spec.training
    info = data.info
    out: list[str] = []
    want = LAYOUT_OF_ARCH[model.arch]
    if data.layout != want:
        out.append(f'data.layout = "{data.layout}": model.arch "{model.arch}" needs "{want}"')
    if want == "image" and info.image_shape is None:
        out.append(f'data.source = "{data.source}": a cnn needs image data — use sklearn:digits')
    if (want == "sequence") != (info.layout == "sequence"):
        need = "a token sequence (synthetic:char_sequence)" if want == "sequence" else "features"
        out.append(f'data.source = "{data.source}": model.arch "{model.arch}" needs {need}')
    if out:
        return out  # the rest assumes shapes that fit
    if isinstance(model, TinyGptSpec):
        if data.seq_len != model.seq_len:
            out.append(f"data.seq_len = {data.seq_len}: must equal model.seq_len = {model.seq_len}")
        if model.vocab_size < info.n_classes:
            out.append(
                f"model.vocab_size = {model.vocab_size}: the data has {info.n_classes} tokens"
                f" — raise it to at least {info.n_classes}"
            )
    elif spec.evaluation.metric == "perplexity":
        out.append('evaluation.metric = "perplexity": only for tiny_gpt — use accuracy or loss')
    if info.n_rows is not None:
        n_test = max(1, int(info.n_rows * data.test_fraction))
        if info.n_rows - n_test < training.batch_size:
            out.append(
                f"training.batch_size = {training.batch_size}: the training split has only"
                f" {info.n_rows - n_test} rows — lower it"
            )
    if spec.checkpoint.interval > training.steps:
        out.append(
            f"checkpoint.interval = {spec.checkpoint.interval}: must be at most"
            f" training.steps = {training.steps} — lower it"
        )
    schedule = training.schedule
    if not isinstance(schedule, ConstantSchedule) and schedule.warmup_steps > training.steps:
        out.append(
            f"training.schedule.warmup_steps = {schedule.warmup_steps}: must be at most"
            f" training.steps = {training.steps} — lower it"
        )
    if isinstance(schedule, CosineSchedule) and schedule.min_lr > training.optimizer.lr:
        out.append(
            f"training.schedule.min_lr = {schedule.min_lr!r}: must be at most"
            f" training.optimizer.lr = {training.optimizer.lr!r} — lower it"
        )
    params = model.parameter_count(info)
    if params > L.MAX_PARAMETERS:
        out.append(
            f"model: {params:,} parameters, the limit is {L.MAX_PARAMETERS:,} — shrink the model"
        )
    flops = 3 * model.forward_flops(info) * training.batch_size * training.steps
    if flops > L.MAX_TOTAL_FLOPS:
        out.append(
            f"training: about {flops:.3g} FLOPs, the limit is {L.MAX_TOTAL_FLOPS:.0e}"
            " — fewer steps, a smaller batch or a smaller model"
        )
    return out


# --- loading -----------------------------------------------------------------------------------


def spec_from_dict(raw: dict[str, Any], origin: str = "job spec") -> JobSpec:
    """Validate a parsed document; every problem is reported at once as a SpecError."""
    try:
        return JobSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(format_validation_error(exc, origin)) from None


def parse_spec(text: str, origin: str = "job spec") -> JobSpec:
    """Parse and validate TOML text; syntax errors carry their line and column."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = str(exc)
        if where.endswith("(at end of document)"):  # Python 3.11 gives no line for this case
            lines = text.splitlines() or [""]
            where = where.replace(
                "end of document",
                f"end of document, line {len(lines)}, column {len(lines[-1]) + 1}",
            )
        raise SpecError(f"{origin} is not valid TOML: {where} — fix the syntax there") from None
    return spec_from_dict(raw, origin)


def load_spec(path: str | Path) -> JobSpec:
    """Read, parse and validate a job.toml."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file — create one with `assay job init`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    return parse_spec(text, str(path))
