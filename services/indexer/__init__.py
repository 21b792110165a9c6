"""The indexer: the protocol's chain events -> rows of the services database (services.db).

Idempotent, resumes from its cursor, waits N confirmations, survives reorgs. `Indexer(...).run()`
is the loop, `status(session, w3)` its progress and lag; docs/services.md ("Indexer") tells the
whole story, `assay indexer run` runs it.
"""

from services.indexer.errors import ChainMovedError, IndexerError
from services.indexer.indexer import Indexer, IndexerConfig, TickResult
from services.indexer.progress import IndexerStatus, status

__all__ = [
    "ChainMovedError",
    "Indexer",
    "IndexerConfig",
    "IndexerError",
    "IndexerStatus",
    "TickResult",
    "status",
]
