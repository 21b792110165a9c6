"""The job spec: examples validate, canonical bytes are stable, limits and typos are reported."""

from __future__ import annotations

import copy
import itertools
import tomllib
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from assay.protocol import limits
from assay.protocol.canonical import canonical_bytes, spec_hash
from assay.protocol.datasets import SKLEARN
from assay.protocol.estimate import estimate, parameter_count
from assay.protocol.spec import (
    JobSpec,
    MlpSpec,
    SpecError,
    TinyGptSpec,
    load_spec,
    parse_spec,
    spec_from_dict,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.toml"))


def _base() -> dict[str, Any]:
    return {
        "model": {"arch": "mlp", "hidden": [32]},
        "data": {"source": "sklearn:digits"},
        "training": {"steps": 100, "batch_size": 32, "optimizer": {"name": "sgd", "lr": 0.1}},
        "checkpoint": {"interval": 10},
    }


def _with(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(base or _base())
    *parents, leaf = path.split(".")
    node = doc
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return doc


def _error(doc: dict[str, Any]) -> str:
    with pytest.raises(SpecError) as info:
        spec_from_dict(doc)
    return str(info.value)


# --- examples and loading ------------------------------------------------------------------------


def test_there_are_three_examples() -> None:
    assert {p.stem for p in EXAMPLE_FILES} == {"digits-mlp", "digits-cnn", "tiny-gpt"}


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_validates(path: Path) -> None:
    spec = load_spec(path)
    assert spec_hash(spec) == spec_hash(load_spec(path))
    assert 0 < estimate(spec).parameters <= limits.MAX_PARAMETERS


def test_load_spec_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="assay job init"):
        load_spec(tmp_path / "nope.toml")


def test_toml_syntax_error_names_line_and_column() -> None:
    with pytest.raises(SpecError, match=r"job.toml is not valid TOML: .*line 3, column 13"):
        parse_spec('[model]\narch = "mlp"\nhidden = [1,,2]\n', "job.toml")


def test_toml_error_at_end_of_file_still_names_a_line() -> None:
    with pytest.raises(SpecError, match=r"end of document, line 3"):
        parse_spec('[model]\narch = "mlp"\nhidden = [1,\n', "job.toml")


def test_unknown_keys_are_rejected_with_their_path() -> None:
    assert "model.colour: unknown key" in _error(_with("model.colour", 3))
    assert "training.optimizer.momentun: unknown key" in _error(
        _with("training.optimizer.momentun", 0.9)
    )
    assert "extra: unknown key" in _error(_with("extra", {"a": 1}))


def test_unknown_arch_lists_the_choices() -> None:
    message = _error(_with("model.arch", "rnn"))
    assert "model.arch" in message and '"rnn"' in message and "tiny_gpt" in message


def test_missing_field_says_add_it() -> None:
    doc = _base()
    del doc["training"]["steps"]
    assert "training.steps: required — add it" in _error(doc)


def test_strings_are_not_numbers() -> None:
    assert 'training.steps = "100"' in _error(_with("training.steps", "100"))


def test_every_problem_is_reported_at_once() -> None:
    doc = _with("training.batch_size", 0, _with("model.hidden", [0]))
    message = _error(doc)
    assert "2 problems" in message
    assert "model.hidden[0] = 0" in message and "training.batch_size = 0" in message


# --- limits ---------------------------------------------------------------------------------------

LIMIT_CASES = [
    ("training.batch_size", 0, "between 1 and 1024 — raise it"),
    ("training.batch_size", limits.MAX_BATCH_SIZE + 1, "between 1 and 1024 — lower it"),
    ("training.steps", limits.MAX_STEPS + 1, "lower it"),
    ("training.steps", 0, "raise it"),
    ("training.seed", -1, "raise it"),
    ("training.seed", 2**64, "lower it"),
    ("training.grad_clip", 0.0, "raise it"),
    ("training.optimizer.lr", 0.0, "raise it"),
    ("training.optimizer.lr", 100.0, "lower it"),
    ("training.optimizer.momentum", 1.0, "lower it"),
    ("model.hidden", [limits.MAX_WIDTH + 1], "lower it"),
    ("model.dropout", 1.0, "lower it"),
    ("data.test_fraction", 0.9, "lower it"),
    ("data.test_fraction", 0.0, "raise it"),
    ("checkpoint.interval", 0, "raise it"),
]


@pytest.mark.parametrize(("path", "value", "fix"), LIMIT_CASES)
def test_each_limit_is_rejected_naming_field_and_value(path: str, value: Any, fix: str) -> None:
    message = _error(_with(path, value))
    leaf = path.split(".")[-1]
    assert leaf in message and repr(value).replace("[", "").replace("]", "") in message
    assert fix in message


def test_too_many_hidden_layers_is_rejected() -> None:
    assert "model.hidden" in _error(_with("model.hidden", [8] * (limits.MAX_LAYERS + 1)))


def test_parameter_limit_is_enforced() -> None:
    message = _error(_with("model.hidden", [4096, 4096]))
    assert "parameters, the limit is 5,000,000 — shrink the model" in message


def test_total_flops_limit_is_enforced() -> None:
    doc = _with("model.hidden", [2048, 1024], _with("training.steps", limits.MAX_STEPS))
    doc["training"]["batch_size"] = 1024
    doc["data"] = {"source": "synthetic:blobs", "n_samples": 100_000, "n_features": 512}
    assert "FLOPs, the limit is" in _error(doc)


def test_seq_len_limit() -> None:
    gpt = tomllib.loads((EXAMPLES / "tiny-gpt.toml").read_text())
    assert "model.seq_len = 513" in _error(_with("model.seq_len", 513, gpt))


def test_cross_field_rules_name_both_fields() -> None:
    assert "checkpoint.interval = 500: must be at most training.steps = 100" in _error(
        _with("checkpoint.interval", 500)
    )
    assert "training.batch_size = 1024: the training split has only 120 rows" in _error(
        _with("training.batch_size", 1024, _with("data.source", "sklearn:iris"))
    )
    gpt = tomllib.loads((EXAMPLES / "tiny-gpt.toml").read_text())
    assert "model.vocab_size = 16" in _error(_with("model.vocab_size", 16, gpt))
    assert "data.seq_len = 16: must equal model.seq_len = 32" in _error(
        _with("data.seq_len", 16, gpt)
    )
    assert 'evaluation.metric = "perplexity"' in _error(_with("evaluation.metric", "perplexity"))
    cnn_on_iris = _with(
        "model", {"arch": "cnn", "channels": [4]}, _with("data.source", "sklearn:iris")
    )
    assert "a cnn needs image data" in _error(cnn_on_iris)


def test_source_spelling_and_parameters() -> None:
    assert "sklearn:mnist" in _error(_with("data.source", "sklearn:mnist"))
    moons = _with("data", {"source": "synthetic:moons", "n_features": 3})
    assert "n_features is not a parameter of synthetic:moons" in _error(moons)
    artifact = _with("data", {"source": "artifact:0x" + "ab" * 32})
    assert "needs n_features, n_classes" in _error(artifact)


# --- canonical encoding --------------------------------------------------------------------------


def test_canonical_bytes_ignore_key_order_whitespace_and_explicit_defaults() -> None:
    terse = parse_spec(
        """
        [model]
        hidden = [32]
        arch = "mlp"
        [training]
        optimizer = { lr = 1e-1, name = "sgd" }
        batch_size = 32
        steps = 100
        [data]
        source = "sklearn:digits"
        [checkpoint]
        interval = 10
        """
    )
    explicit = spec_from_dict(
        {
            "version": 1,
            "data": {
                "source": "sklearn:digits",
                "test_fraction": 0.2,
                "normalize": True,
                "layout": "flat",
            },
            "model": {"dropout": 0, "arch": "mlp", "activation": "relu", "hidden": [32]},
            "training": {
                "seed": 0,
                "steps": 100,
                "batch_size": 32,
                "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.0, "nesterov": False},
                "schedule": {"name": "constant"},
            },
            "checkpoint": {"interval": 10},
            "evaluation": {"metric": "accuracy"},
        }
    )
    assert canonical_bytes(terse) == canonical_bytes(explicit)
    assert spec_hash(terse) == spec_hash(explicit)
    assert b" " not in canonical_bytes(terse)
    assert b'"lr":0.1' in canonical_bytes(terse)
    assert len(spec_hash(terse)) == 32


def test_int_and_float_spellings_of_a_float_encode_alike() -> None:
    a = spec_from_dict(_with("training.optimizer.lr", 1))
    b = spec_from_dict(_with("training.optimizer.lr", 1.0))
    assert canonical_bytes(a) == canonical_bytes(b)
    assert b'"lr":1.0' in canonical_bytes(a)


def test_artifact_hash_case_does_not_change_the_hash() -> None:
    def doc(digest: str) -> dict[str, Any]:
        return _with("data", {"source": f"artifact:0x{digest}", "n_features": 4, "n_classes": 3})

    low, high = spec_from_dict(doc("ab" * 32)), spec_from_dict(doc("AB" * 32))
    assert spec_hash(low) == spec_hash(high)


def test_canonical_bytes_golden() -> None:
    # Changing the encoding changes every job id: update docs/job-spec.md with this value.
    spec = spec_from_dict(_base())
    assert canonical_bytes(spec) == (
        b'{"checkpoint":{"interval":10},"data":{"layout":"flat","n_classes":null,'
        b'"n_features":null,"n_samples":null,"noise":null,"normalize":true,"seq_len":null,'
        b'"source":"sklearn:digits","test_fraction":0.2},"evaluation":{"metric":"accuracy"},'
        b'"model":{"activation":"relu","arch":"mlp","dropout":0.0,"hidden":[32]},'
        b'"training":{"batch_size":32,"grad_clip":null,"optimizer":{"lr":0.1,"momentum":0.0,'
        b'"name":"sgd","nesterov":false,"weight_decay":0.0},"schedule":{"name":"constant"},'
        b'"seed":0,"steps":100},"version":1}'
    )
    assert spec_hash(spec).hex() == (
        "f81fdf0e829eeb88c5863c6efc4658ad3510060f889514d649880f867ad55e8d"  # docs/job-spec.md
    )


@settings(max_examples=40, deadline=None)
@given(
    field=st.sampled_from(
        [
            ("training.steps", st.integers(1, 1000)),
            ("training.seed", st.integers(0, 2**64 - 1)),
            ("training.optimizer.lr", st.floats(1e-6, 10.0)),
            ("model.hidden", st.lists(st.integers(1, 64), min_size=1, max_size=3)),
            ("data.test_fraction", st.floats(0.01, 0.5)),
        ]
    ),
    data=st.data(),
)
def test_hash_changes_when_a_field_changes(field: tuple[str, Any], data: st.DataObject) -> None:
    path, values = field
    a, b = data.draw(values), data.draw(values)
    spec_a = spec_from_dict(_with(path, a, _with("checkpoint.interval", 1)))
    spec_b = spec_from_dict(_with(path, b, _with("checkpoint.interval", 1)))
    assert (spec_hash(spec_a) == spec_hash(spec_b)) == (a == b)


# --- parameter counts against torch.nn references -----------------------------------------------


def _torch_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("hidden", [[], [128], [64, 32, 16]])
@pytest.mark.parametrize("source", sorted(SKLEARN))
def test_mlp_parameter_count_matches_torch(hidden: list[int], source: str) -> None:
    spec = spec_from_dict(_with("data.source", f"sklearn:{source}", _with("model.hidden", hidden)))
    info = spec.data.info
    dims = [info.n_features, *hidden, info.n_classes]
    layers: list[nn.Module] = []
    for a, b in itertools.pairwise(dims):
        layers += [nn.Linear(a, b), nn.ReLU()]
    assert parameter_count(spec) == _torch_params(nn.Sequential(*layers))
    assert isinstance(spec.model, MlpSpec)


def test_cnn_parameter_count_matches_torch() -> None:
    spec = load_spec(EXAMPLES / "digits-cnn.toml")
    layers: list[nn.Module] = []
    c_in = 1
    for c in (8, 16):
        layers += [nn.Conv2d(c_in, c, kernel_size=3, padding=1), nn.ReLU()]
        c_in = c
    net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(16 * 8 * 8, 10))
    assert net(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    assert parameter_count(spec) == _torch_params(net)


class _Block(nn.Module):
    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, bias=True)  # in_proj 3d²+3d, out d²+d
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))


@pytest.mark.parametrize(
    ("d", "heads", "layers", "t", "v"), [(32, 2, 2, 32, 32), (64, 4, 3, 16, 50)]
)
def test_tiny_gpt_parameter_count_matches_torch(
    d: int, heads: int, layers: int, t: int, v: int
) -> None:
    gpt = tomllib.loads((EXAMPLES / "tiny-gpt.toml").read_text())
    gpt["model"] = {
        "arch": "tiny_gpt",
        "d_model": d,
        "n_heads": heads,
        "n_layers": layers,
        "seq_len": t,
        "vocab_size": v,
    }
    spec = spec_from_dict(gpt)
    assert isinstance(spec.model, TinyGptSpec)
    reference = nn.ModuleDict(
        {
            "wte": nn.Embedding(v, d),
            "wpe": nn.Embedding(t, d),
            "h": nn.ModuleList(_Block(d, heads) for _ in range(layers)),
            "ln_f": nn.LayerNorm(d),
            "lm_head": nn.Linear(d, v, bias=False),
        }
    )
    assert parameter_count(spec) == _torch_params(reference)


def test_estimate_follows_the_documented_formulas() -> None:
    spec = load_spec(EXAMPLES / "digits-mlp.toml")
    est = estimate(spec)
    forward = 2 * 64 * 128 + 2 * 128 * 10
    assert est.flops_per_step == 3 * forward * 64
    assert est.total_flops == est.flops_per_step * 500
    params = 64 * 128 + 128 + 128 * 10 + 10
    activations = (2 * 128 + 64 + 10) * 64
    assert est.memory_bytes == 4 * (4 * params + activations + 1797 * 65)


def test_specs_are_frozen() -> None:
    spec: JobSpec = spec_from_dict(_base())
    with pytest.raises(Exception, match="frozen"):
        spec.training.steps = 5  # type: ignore[misc]
