#!/usr/bin/env bash
# On a machine with a CUDA GPU: CPU/CUDA bit-equivalence tests, then the runtime benchmark on CUDA.
# Run from anywhere: tools/gpu_check.sh [extra args for `python -m bench.trees`, e.g. --json out.json]
set -euo pipefail
cd "$(dirname "$0")/.."
export CUBLAS_WORKSPACE_CONFIG="${CUBLAS_WORKSPACE_CONFIG:-:4096:8}"  # native baseline's cuBLAS
.venv/bin/python -m pytest -q -m gpu tests/repro/test_gpu.py \
  && .venv/bin/python -m bench.trees --repro-only --device cuda "$@"
