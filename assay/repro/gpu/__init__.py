"""Triton versions of the fixed-order kernels, for CUDA tensors (same bits as fp.py).

Importing this package is cheap; `ops` (which imports triton) loads only when `select` finds CUDA
tensors and the kernels switched on (ASSAY_TRITON=1), or when imported directly.
"""
