"""At most one action in flight per job, game or request.

Each tick the agent hands the scheduler every decided action. The scheduler keeps, per key,
the first action only (state is re-read next tick, so the rest is decided again), skips keys
whose previous action is still running, and lets identical duplicates collapse (two games of
one job both asking for the same training run).
"""

from __future__ import annotations

from collections.abc import Iterable

from assay.agents.actions import Action, Key
from assay.agents.runner import TaskHandle


class Scheduler:
    """Tracks running local work per key and picks one action per free key."""

    def __init__(self) -> None:
        self.running: dict[Key, TaskHandle] = {}

    def busy(self, key: Key) -> bool:
        handle = self.running.get(key)
        return handle is not None and not handle.done()

    def pick(self, actions: Iterable[Action]) -> list[Action]:
        """The first action of every key not busy, in decision order."""
        chosen: dict[Key, Action] = {}
        for action in actions:
            key = action.key
            if key in chosen or self.busy(key):
                continue
            chosen[key] = action
        return list(chosen.values())

    def started(self, key: Key, handle: TaskHandle) -> None:
        self.running[key] = handle

    def finished(self) -> list[tuple[Key, TaskHandle]]:
        """Handles that completed since the last call (removed from the running set)."""
        done = [(k, h) for k, h in self.running.items() if h.done()]
        for k, _ in done:
            del self.running[k]
        return done
