"""The reproducible runtime: bit-identical training on any CPU or GPU (docs/runtime.md)."""
