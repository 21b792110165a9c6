"""Snapshots a decision needs, re-read from the chain every tick (never cached across ticks).

`JobView`, `GameView` and `RequestView` are frozen values built from the bindings; decisions take
them plus `now` (the latest block's timestamp, the clock the contracts compare against).
Deadlines follow the contracts exactly: an action allowed "up to and including" a deadline is
allowed while `now <= deadline`, one allowed "after" it needs `now > deadline`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from eth_abi.abi import encode as abi_encode
from eth_hash.auto import keccak
from eth_typing import ChecksumAddress
from web3 import Web3

from assay.chain.bindings import DisputeGame, JobMarket, RefereeCourt
from assay.protocol.records import Assignment, Game, Job, Request
from assay.protocol.types import GameId, GameStatus, JobId, JobStatus, Party, RequestId, StateHash

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

MOVING = (GameStatus.STEP_BISECTION, GameStatus.AWAITING_OP_TRACE, GameStatus.OP_BISECTION)


@dataclass(frozen=True)
class JobView:
    """A job with its assignments and the deadlines derived from its snapshotted params."""

    job: Job
    assignments: tuple[Assignment, ...] = ()

    @property
    def job_id(self) -> JobId:
        return self.job.job_id

    @property
    def status(self) -> JobStatus:
        return self.job.status

    @property
    def solver(self) -> ChecksumAddress:
        return self.job.solver

    @property
    def claim_deadline(self) -> int:
        """Last second `claimJob` is accepted."""
        return self.job.posted_at + self.job.params.claimWindow

    @property
    def solve_deadline(self) -> int:
        """Last second `submitResult` is accepted."""
        return self.job.claimed_at + self.job.params.solveWindow

    @property
    def challenge_deadline(self) -> int:
        """Last second to attest or challenge; `finalize` needs now > this."""
        return self.job.challenge_deadline

    @property
    def reveal_deadline(self) -> int:
        """End of the reveal window; settleFailure / releaseVerifiers need now > this. A Failed
        job's window opens at its challenge deadline at the earliest (games may open until then)."""
        opens = self.job.settled_at
        if self.job.status is JobStatus.FAILED:
            opens = max(opens, self.job.challenge_deadline)
        return opens + self.job.params.revealWindow

    @property
    def seats_missing(self) -> int:
        """Verifier seats still empty (the job cannot finalize until drawVerifiers fills them)."""
        return max(0, self.job.params.verifiersPerJob - len(self.assignments))

    @property
    def unverified_expiry(self) -> int:
        """After this, a job with empty seats may be expired (expireUnverified)."""
        return self.challenge_deadline + self.job.params.claimWindow

    def assignment(self, verifier: str) -> Assignment | None:
        """`verifier`'s assignment, None if it was not drawn."""
        for a in self.assignments:
            if a.verifier.lower() == verifier.lower():
                return a
        return None


@dataclass(frozen=True)
class RequestView:
    """An adjudication request, its current committee and `me`'s vote (zero if none)."""

    request: Request
    committee: tuple[ChecksumAddress, ...]
    my_vote: StateHash

    @property
    def request_id(self) -> RequestId:
        return self.request.request_id

    def on_committee(self, me: str) -> bool:
        return any(m.lower() == me.lower() for m in self.committee)

    @property
    def awaiting_draw(self) -> bool:
        """The round's committee is scheduled, not drawn: `drawCommittee` is due.

        Its seed is the hash of the block that scheduled it (already mined when this view was read),
        so any transaction sent now lands in a later block and can draw.
        """
        return not self.request.resolved and self.request.awaiting_draw

    def resolvable(self, now: int) -> bool:
        """`resolve` would pass: drawn, and all voted (non-empty committee) or the window closed."""
        if self.request.resolved or self.request.awaiting_draw:
            return False
        everyone = bool(self.committee) and self.request.votes >= len(self.committee)
        return everyone or now > self.request.deadline


@dataclass(frozen=True)
class GameView:
    """A game, the solver's pending openings (from its last `Opened` event) and its request."""

    game: Game
    arity: int
    openings: tuple[StateHash, ...] | None = None
    request: RequestView | None = field(default=None)

    @property
    def game_id(self) -> GameId:
        return self.game.game_id

    @property
    def moving(self) -> bool:
        """In a bisection or awaiting the op trace (moves and timeouts possible)."""
        return self.game.status in MOVING

    def left(self, party: Party, now: int) -> int:
        """Seconds left on `party`'s clock at `now` (the contract's LibClock.remaining)."""
        g = self.game
        clock = g.solver_clock if party == Party.SOLVER else g.challenger_clock
        if party != g.turn:
            return clock
        return max(clock - max(now - g.last_move_at, 0), 0)

    def mover_flag_fell(self, now: int) -> bool:
        """The party to move has no time left: the opponent can claim `timeout`."""
        return self.moving and self.left(self.game.turn, now) == 0


def openings_hash(openings: Sequence[bytes]) -> StateHash:
    """keccak256(abi.encode(openings)), what DisputeGame stores as `openingsHash`."""
    return StateHash(keccak(abi_encode(["bytes32[]"], [[bytes(o) for o in openings]])))


def chain_now(w3: Web3) -> int:
    """The latest block's timestamp."""
    return int(w3.eth.get_block("latest")["timestamp"])


def load_job(market: JobMarket, job_id: JobId) -> JobView:
    """The job and (once submitted) its assignments."""
    job = market.get_job(job_id)
    assigned = tuple(market.assignments(job_id)) if job.submitted_at else ()
    return JobView(job, assigned)


def load_request(court: RefereeCourt, request_id: RequestId, me: str) -> RequestView:
    """The request, its committee and `me`'s vote."""
    return RequestView(
        court.get_request(request_id),
        tuple(court.committee(request_id)),
        court.vote_of(request_id, me),
    )


def latest_openings(
    game: DisputeGame, g: Game, from_block: int, cache: OpeningsCache | None = None
) -> tuple[StateHash, ...] | None:
    """The hashes of the game's last `Opened` event, checked against its `openingsHash`.

    With a `cache`, only blocks not scanned before are read (falling back to a full scan from
    `from_block` when nothing cached matches, e.g. after a reorg).
    """
    if g.openings_hash.is_zero:
        return None
    if cache is not None:
        return cache.latest(game, g, from_block)
    return _match(g, _opened(game, g.game_id, from_block, None))


def _opened(
    game: DisputeGame, game_id: GameId, from_block: int, to_block: int | None
) -> list[tuple[StateHash, ...]]:
    logs = game.contract.events.Opened().get_logs(
        from_block=from_block,
        to_block="latest" if to_block is None else to_block,
        argument_filters={"gameId": int(game_id)},
    )
    return [tuple(StateHash(h) for h in entry["args"]["hashes"]) for entry in logs]


def _match(g: Game, found: Sequence[tuple[StateHash, ...]]) -> tuple[StateHash, ...] | None:
    for hashes in reversed(found):
        if openings_hash(hashes) == g.openings_hash:
            return hashes
    return None


@dataclass
class OpeningsCache:
    """Each game's `Opened` events seen so far and the last block scanned, so an agent's tick
    reads only new blocks instead of the game's whole history."""

    _seen: dict[int, tuple[int, list[tuple[StateHash, ...]]]] = field(default_factory=dict)

    def latest(self, game: DisputeGame, g: Game, from_block: int) -> tuple[StateHash, ...] | None:
        gid = int(g.game_id)
        last, found = self._seen.get(gid, (from_block - 1, []))
        head = int(game.sender.w3.eth.block_number)
        if head > last:
            found = found + _opened(game, g.game_id, last + 1, head)
        hit = _match(g, found)
        if hit is None:  # a reorg replaced scanned blocks: start over
            found = _opened(game, g.game_id, from_block, head)
            hit = _match(g, found)
        self._seen[gid] = (head, found)
        return hit

    def forget(self, game_ids: Sequence[int]) -> None:
        for gid in game_ids:
            self._seen.pop(int(gid), None)


def load_game(
    game: DisputeGame,
    court: RefereeCourt,
    game_id: GameId,
    me: str,
    *,
    arity: int,
    from_block: int = 0,
    cache: OpeningsCache | None = None,
) -> GameView:
    """The game, its pending openings when the challenger is to choose, and its request."""
    g = game.get_game(game_id)
    openings = None
    if (
        g.status in (GameStatus.STEP_BISECTION, GameStatus.OP_BISECTION)
        and g.turn == Party.CHALLENGER
    ):
        openings = latest_openings(game, g, from_block, cache)
    request = None
    if int(g.request_id) != 0:
        request = load_request(court, g.request_id, me)
    return GameView(g, arity, openings, request)
