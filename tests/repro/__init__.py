"""Tests of the reproducible runtime (assay/repro)."""
