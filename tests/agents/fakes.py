"""Chain-free views for decision tests: a job, a game and a request with overridable fields."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from assay.agents.views import GameView, JobView, RequestView
from assay.protocol.merkle import MerkleTree
from assay.protocol.params import MarketParams
from assay.protocol.records import Assignment, Game, Job, Request
from assay.protocol.types import GameId, GameStatus, JobId, JobStatus, Party, RequestId, StateHash

ME = "0x00000000000000000000000000000000000000a1"
OTHER = "0x00000000000000000000000000000000000000b2"
ZERO = "0x0000000000000000000000000000000000000000"
PARAMS = MarketParams()
T = 8


def h(i: int, tag: bytes = b"") -> StateHash:
    return StateHash(tag.ljust(28, b"\x00")[:28] + i.to_bytes(4, "big"))


STEPS = tuple(h(i) for i in range(T + 1))
CHEAT = tuple(h(i) if i < 5 else h(i, b"x") for i in range(T + 1))
OPS = {s: (STEPS[s - 1], h(100 + s), h(200 + s), STEPS[s]) for s in range(1, T + 1)}


# Every verifier seat filled by strangers (the default panel: neither ME nor OTHER).
SEATED = tuple(Assignment(f"0x{i + 1:040x}", False, False) for i in range(PARAMS.verifiersPerJob))


def job(status: JobStatus = JobStatus.SUBMITTED, *, assigned: tuple[Assignment, ...] = SEATED,
        **kw: Any) -> JobView:  # fmt: skip
    base = Job(
        JobId(1), OTHER, status, 1000, ME if status != JobStatus.OPEN else ZERO, 1100, 1200, 1200,
        7, 0, T, 3, 0, False, False, False, 10**18, 10**16, ZERO, 0, 0, 0, h(9, b"spec"),
        h(9, b"graph"), STEPS[0], STEPS[-1], MerkleTree(STEPS).root, h(0, b"tag"), "uri", "",
        PARAMS,
    )  # fmt: skip
    return JobView(replace(base, **kw), assigned)


def game(status: GameStatus = GameStatus.STEP_BISECTION, turn: Party = Party.SOLVER,
         *, openings: tuple[StateHash, ...] | None = None, request: RequestView | None = None,
         **kw: Any) -> GameView:  # fmt: skip
    base = Game(
        GameId(7), OTHER, status, turn, 0, T, 0, ME, JobId(1), 1300, 3600, 3600, 0, 0,
        STEPS[0], STEPS[-1], StateHash.zero(), StateHash.zero(), 10**17, RequestId(0),
    )  # fmt: skip
    return GameView(replace(base, **kw), 2, openings, request)


def request(committee: tuple[str, ...] = (ME,), *, my_vote: StateHash | None = None,
            **kw: Any) -> RequestView:  # fmt: skip
    base = Request(
        RequestId(3), GameId(7), JobId(1), 5, 2, 1, 1, 0, False, 10**17, 3600, 0, 5000, h(1),
        h(2), StateHash.zero(),
    )  # fmt: skip
    return RequestView(replace(base, **kw), committee, my_vote or StateHash.zero())
