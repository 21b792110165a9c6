"""docs/determinism-spec.md re-implemented in plain numpy float32, for test_spec_conformance.

Nothing here imports assay: every function follows the spec's pseudo-code (section numbers in
the docstrings), so matching the runtime's state hashes shows the spec is complete.
"""
