"""What the CUDA compiler makes of the Triton kernels: no fused multiply-add, no flushed denormals,
only correctly rounded arithmetic, checked in the PTX compiled for an H100 (sm_90) without a GPU.

PTX `add/sub/mul.rn.f32` are never contracted into an FMA by ptxas (the PTX ISA: an explicit
rounding modifier forbids it), `div.rn.f32` is the IEEE division, and an `.ftz` modifier anywhere
would flush denormals. Triton compiles in a subprocess: the interpreter tests set TRITON_INTERPRET=1
in this process, and then the kernels cannot be compiled here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Compiles every kernel with the launch options the host code uses, and tanh and matmul once more
# with Triton's default (fusion allowed), and prints {name: ptx}.
_COMPILE = """
import json, sys
import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource
from assay.repro.gpu import kernels

def ptx(fn, signature, constexprs, options):
    src = ASTSource(fn=fn, signature=signature, constexprs=constexprs)
    return triton.compile(src, target=GPUTarget("cuda", 90, 32), options=options).asm["ptx"]

flat = {"x_ptr": "*fp32", "out_ptr": "*fp32", "numel": "i32", "OP": "constexpr",
        "BLOCK": "constexpr"}
tree = {"x_ptr": "*fp32", "out_ptr": "*fp32", "rows": "i32", "n": "i32", "chunks": "i32",
        "ROWS": "constexpr", "CHUNK": "constexpr", "LEVELS": "constexpr"}
mm = {p: "*fp32" for p in ("a_ptr", "b_ptr", "out_ptr")}
mm.update({p: "i32" for p in ("m_size", "n_size", "k_size", "chunks", "a_batch", "a_row",
                              "a_col", "b_batch", "b_row", "b_col")})
mm.update({p: "constexpr" for p in ("COLS", "CHUNK", "LEVELS")})
ops = {"exp": kernels.EXP, "log": kernels.LOG, "tanh": kernels.TANH,
       "sigmoid": kernels.SIGMOID, "gelu": kernels.GELU}
shipped = kernels.LAUNCH_OPTIONS
out = {name: ptx(kernels.elementwise_kernel, flat, {"OP": op, "BLOCK": 128}, shipped)
       for name, op in ops.items()}
out["tree_sum"] = ptx(kernels.tree_chunks_kernel, tree, {"ROWS": 4, "CHUNK": 128, "LEVELS": 7},
                      shipped)
out["matmul"] = ptx(kernels.matmul_chunks_kernel, mm, {"COLS": 8, "CHUNK": 128, "LEVELS": 7},
                    shipped)
out["tanh, fusion allowed"] = ptx(kernels.elementwise_kernel, flat, {"OP": kernels.TANH,
                                  "BLOCK": 128}, {})
out["matmul, fusion allowed"] = ptx(kernels.matmul_chunks_kernel, mm,
                                    {"COLS": 8, "CHUNK": 128, "LEVELS": 7}, {})
json.dump(out, sys.stdout)
"""


@pytest.fixture(scope="module")
def ptx() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", _COMPILE], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


_ARITHMETIC = re.compile(
    r"^\s*(?:@%p\d+\s+)?((?:add|sub|mul|div|fma|neg|abs|min|max)(?:\.\w+)*\.f32)\b", re.M
)
_APPROXIMATE = re.compile(r"\.approx\b|\b(?:ex2|lg2|sin|cos|tanh|rcp|rsqrt)\.")


def _problems(ptx: str) -> list[str]:
    """What in this PTX could round differently from the contract (empty: nothing)."""
    found = []
    for op in _ARITHMETIC.findall(ptx):
        parts = op.split(".")
        if parts[0] == "fma":
            found.append(f"fused multiply-add {op}")
        elif parts[0] in ("add", "sub", "mul", "div") and "rn" not in parts:
            found.append(f"{op} without .rn (ptxas may fuse or approximate it)")
    if re.search(r"^\s*(?:@%p\d+\s+)?(?:add|sub|mul|div|fma)\S*\.f64\b", ptx, re.M):
        found.append("float64 arithmetic (a constant Triton did not take as float32)")
    if ".ftz" in ptx:
        found.append("an .ftz modifier (flushes denormals)")
    found += [f"approximate instruction {m}" for m in sorted(set(_APPROXIMATE.findall(ptx)))]
    return sorted(set(found))


@pytest.mark.parametrize("kernel", ["exp", "log", "tanh", "sigmoid", "gelu", "tree_sum", "matmul"])
def test_the_compiled_kernel_has_only_correctly_rounded_separate_operations(
    ptx: dict[str, str], kernel: str
) -> None:
    code = ptx[kernel]
    assert _ARITHMETIC.search(code), "no float32 arithmetic found: the PTX pattern is stale"
    assert _problems(code) == []


def test_the_divisions_are_ieee_divisions(ptx: dict[str, str]) -> None:
    for kernel in ("log", "tanh", "sigmoid", "gelu"):
        assert "div.rn.f32" in ptx[kernel], kernel


def test_the_check_catches_what_triton_does_by_default(ptx: dict[str, str]) -> None:
    # With Triton's default options (fusion on) the same kernels carry FMAs or unrounded adds
    # that ptxas may fuse: what `LAUNCH_OPTIONS` exists to prevent, and what the check reports.
    assert any("fused multiply-add" in p for p in _problems(ptx["tanh, fusion allowed"]))
    assert any("without .rn" in p for p in _problems(ptx["matmul, fusion allowed"]))


def test_gpu_check_parses_and_exits_cleanly_without_a_gpu() -> None:
    script = ROOT / "tools" / "gpu_check.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # no device, even on a GPU machine
    done = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "no CUDA device here" in done.stdout and "pytest" not in done.stdout
