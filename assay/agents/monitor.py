"""Learn from new blocks which jobs, games and requests the agent should look at.

The monitor only discovers ids; it never decides. Each poll reads the protocol's events from
the block after the cursor up to head - confirmations (EventReader), adds the ids they name
to the cursor and saves it. Ids are dropped by the agent (`forget`) once nothing is left to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import structlog

from assay.agents.cursor import Cursor, CursorFile
from assay.chain.deploy import ProtocolContracts
from assay.chain.events import EventReader, EventRecord, EventSource

log = structlog.get_logger(__name__)

MARKET_EVENTS = ("JobPosted", "VerifiersAssigned", "ChallengeRegistered")
GAME_EVENTS = ("GameStarted", "AdjudicationRequested")
COURT_EVENTS = ("DrawScheduled", "CommitteeDrawn")


@dataclass(frozen=True)
class Discovered:
    """Ids first seen in one poll."""

    jobs: frozenset[int] = frozenset()
    games: frozenset[int] = frozenset()
    requests: frozenset[int] = frozenset()


def ids_in(record: EventRecord) -> tuple[set[int], set[int], set[int]]:
    """(job ids, game ids, request ids) named by one event."""
    a = record.args
    jobs = {int(a["jobId"])} if "jobId" in a else set()
    games = {int(a["gameId"])} if "gameId" in a else set()
    requests = {int(a["requestId"])} if "requestId" in a else set()
    return jobs, games, requests


class Monitor:
    """Polls events into a persisted cursor.

    Args:
        protocol: the bindings (any account; only used to read).
        cursor_file: where the cursor lives.
        start_block: first block to scan on a fresh cursor (the deployment block).
        confirmations: blocks behind head considered final (0 on the devnet).
    """

    def __init__(
        self,
        protocol: ProtocolContracts,
        cursor_file: CursorFile,
        *,
        start_block: int = 0,
        confirmations: int = 0,
    ) -> None:
        self.cursor_file = cursor_file
        self.cursor: Cursor = cursor_file.load(default_block=start_block - 1)
        self.start_block = start_block
        self.reader = EventReader(
            protocol.market.sender.w3,
            [
                EventSource(protocol.market.contract, "JobMarket", MARKET_EVENTS),
                EventSource(protocol.game.contract, "DisputeGame", GAME_EVENTS),
                EventSource(protocol.court.contract, "RefereeCourt", COURT_EVENTS),
            ],
            confirmations=confirmations,
        )

    def poll(self) -> Discovered:
        """Read events after the cursor, track the ids they name, save the cursor."""
        batch = self.reader.fetch(self.cursor.block + 1)
        if batch.to_block <= self.cursor.block:
            return Discovered()
        c = self.cursor
        new_jobs: set[int] = set()
        new_games: set[int] = set()
        new_requests: set[int] = set()
        for record in batch.records:
            jobs, games, requests = ids_in(record)
            new_jobs |= jobs - c.jobs
            new_games |= games - c.games
            new_requests |= requests - c.requests
            c.jobs |= jobs
            c.games |= games
            c.requests |= requests
        c.block = batch.to_block
        self.cursor_file.save(c)
        if new_jobs or new_games or new_requests:
            log.info(
                "monitor.discovered",
                to_block=c.block,
                jobs=sorted(new_jobs),
                games=sorted(new_games),
                requests=sorted(new_requests),
            )
        return Discovered(frozenset(new_jobs), frozenset(new_games), frozenset(new_requests))

    def forget(
        self,
        *,
        jobs: Iterable[int] = (),
        games: Iterable[int] = (),
        requests: Iterable[int] = (),
    ) -> None:
        """Stop tracking ids that need nothing more; saves the cursor if anything changed."""
        c = self.cursor
        before = (len(c.jobs), len(c.games), len(c.requests))
        c.jobs -= set(jobs)
        c.games -= set(games)
        c.requests -= set(requests)
        if (len(c.jobs), len(c.games), len(c.requests)) != before:
            self.cursor_file.save(c)
