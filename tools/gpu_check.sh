#!/usr/bin/env bash
# On a machine with a CUDA GPU: CPU <-> CUDA bit identity of the runtime, then its benchmark on CUDA.
#   1. tests/repro/test_gpu.py: fp's kernels and the examples' state hashes, CPU vs CUDA, with fp's
#      torch code on CUDA, then again with the Triton kernels (ASSAY_TRITON=1);
#   2. tests/repro/test_triton_gpu.py: the Triton kernels on CUDA vs fp on CPU (odd sizes, special
#      values, zoo shapes) and full runs of the three examples against tests/repro/golden/;
#   3. tests/repro/test_triton_ptx.py: the compiled kernels hold no FMA and no flush-to-zero;
#   4. the runtime benchmark (bench/repro.py via bench.trees) on CUDA, without and with Triton.
# Each pytest run is its own process: the interpreter tests' kernels must not meet the compiled ones.
# Without a GPU it says so and exits 0 (nothing to check here; the CPU suite covers the rest).
# Run from anywhere: tools/gpu_check.sh [extra args for `python -m bench.trees`, e.g. --json out.json]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export CUBLAS_WORKSPACE_CONFIG="${CUBLAS_WORKSPACE_CONFIG:-:4096:8}"  # native baseline's cuBLAS
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
unset TRITON_INTERPRET

if ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "gpu_check: no CUDA device here (torch.cuda.is_available() is False: no GPU, or a CPU-only"
  echo "torch build); nothing to check. Run tools/gpu_check.sh on a machine with an NVIDIA GPU."
  exit 0
fi
if ! "$PY" -c 'import triton' 2>/dev/null; then
  echo "gpu_check: triton is not installed; run make setup (the dev extra pins it)" >&2
  exit 1
fi

step() { echo; echo "== gpu_check: $*"; }

step "CPU vs CUDA, fp's torch code on CUDA"
ASSAY_TRITON=0 "$PY" -m pytest -q -m gpu tests/repro/test_gpu.py
step "CPU vs CUDA, the Triton kernels on CUDA (ASSAY_TRITON=1)"
ASSAY_TRITON=1 "$PY" -m pytest -q -m gpu tests/repro/test_gpu.py
step "Triton kernels vs fp, and the examples' golden hashes on CUDA"
"$PY" -m pytest -q -m gpu tests/repro/test_triton_gpu.py
step "compiled Triton kernels: no FMA, no flush-to-zero"
"$PY" -m pytest -q tests/repro/test_triton_ptx.py
step "runtime benchmark on CUDA, fp's torch code"
ASSAY_TRITON=0 "$PY" -m bench.trees --repro-only --device cuda "$@"
step "runtime benchmark on CUDA, the Triton kernels"
ASSAY_TRITON=1 "$PY" -m bench.trees --repro-only --device cuda "$@"
echo
echo "gpu_check: all passed"
