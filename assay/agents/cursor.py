"""The agent's persisted resume point: last processed block and the ids it tracks, as JSON.

Written atomically (temp file + fsync + rename) after every monitor poll, so a `kill -9` at any
moment leaves either the old or the new cursor, never a torn one. Everything else the agent
needs is re-read from the chain or recomputed (training is deterministic).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from assay.errors import ConfigError

VERSION = 1


@dataclass
class Cursor:
    """Last block whose events were processed and the job/game/request ids being tracked."""

    block: int = -1
    jobs: set[int] = field(default_factory=set)
    games: set[int] = field(default_factory=set)
    requests: set[int] = field(default_factory=set)

    def to_json(self) -> dict[str, object]:
        return {
            "version": VERSION,
            "block": self.block,
            "jobs": sorted(self.jobs),
            "games": sorted(self.games),
            "requests": sorted(self.requests),
        }

    @classmethod
    def from_json(cls, raw: dict[str, object], origin: str = "cursor") -> Cursor:
        if raw.get("version") != VERSION:
            raise ConfigError(
                f"{origin} has cursor version {raw.get('version')!r}, expected {VERSION}; "
                "delete it to rescan from the deployment block"
            )

        def ids(name: str) -> set[int]:
            value = raw.get(name, [])
            if not isinstance(value, list):
                raise ConfigError(f"{origin}: {name!r} must be a list of ids")
            return {int(v) for v in value}

        block = raw.get("block", -1)
        if not isinstance(block, int):
            raise ConfigError(f"{origin}: 'block' must be an integer")
        return cls(block, ids("jobs"), ids("games"), ids("requests"))


class CursorFile:
    """A cursor stored at `path` (created on first save)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self, default_block: int = -1) -> Cursor:
        """The saved cursor, or a fresh one starting after `default_block`."""
        if not self.path.exists():
            return Cursor(block=default_block)
        try:
            raw = json.loads(self.path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(
                f"cannot read the agent cursor {self.path}: {exc}; delete it to rescan"
            ) from exc
        return Cursor.from_json(raw, str(self.path))

    def save(self, cursor: Cursor) -> None:
        """Replace the file atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(cursor.to_json(), f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
