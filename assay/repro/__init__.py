"""The reproducible runtime: bit-identical training on any CPU or GPU (DESIGN.md §4)."""
