"""Event handlers by (contract, event name): what each log writes (see project.py)."""

from __future__ import annotations

from services.indexer.handlers import games, jobs, stakes
from services.indexer.handlers.base import Handler, Key

HANDLERS: dict[Key, Handler] = {**jobs.HANDLERS, **games.HANDLERS, **stakes.HANDLERS}
# Events the schema deliberately does not store: mirrors of stored ones, wiring.
IGNORED: set[Key] = jobs.IGNORED | stakes.IGNORED | games.IGNORED

__all__ = ["HANDLERS", "IGNORED", "Handler", "Key"]
