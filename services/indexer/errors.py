"""Errors of the indexer; each message says what the operator should do."""

from __future__ import annotations

from assay.errors import AssayError


class IndexerError(AssayError):
    """Root of every indexer error."""


class ChainMovedError(IndexerError):
    """The chain changed under a batch while it was read (a reorg in progress); the batch is
    dropped and the next tick finds the fork point."""
