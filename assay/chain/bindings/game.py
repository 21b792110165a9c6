"""DisputeGame binding: challenges and the bisection moves."""

from __future__ import annotations

from collections.abc import Sequence

from web3.types import TxReceipt

from assay.chain.bindings._base import Binding, proofs_arg
from assay.errors import ProtocolError
from assay.protocol.records import Clocks, Game
from assay.protocol.types import GameId, JobId, StateHash


def _hashes(values: Sequence[bytes]) -> list[bytes]:
    return [bytes(v) for v in values]


class DisputeGame(Binding):
    """Bisection games over steps then operators, with chess clocks."""

    INTERFACE = "IDisputeGame"
    NAME = "DisputeGame"

    def challenge(self, job_id: JobId, disputed_final: StateHash, bond: int) -> GameId:
        """Open a game against the job's result, posting `bond`; returns the game id."""
        receipt = self._send("challenge", job_id, bytes(disputed_final), value=bond)
        return GameId(int(self._one_event(receipt, "GameStarted").args["gameId"]))

    def open(
        self,
        game_id: GameId,
        lo: int,
        hi: int,
        hashes: Sequence[StateHash],
        proofs: Sequence[Sequence[bytes]],
    ) -> TxReceipt:
        """Solver: open the interior points of (lo, hi) with Merkle proofs."""
        return self._send("open", game_id, lo, hi, _hashes(hashes), proofs_arg(proofs))

    def choose(
        self,
        game_id: GameId,
        lo: int,
        hi: int,
        openings: Sequence[StateHash],
        index: int,
        disputed: StateHash,
    ) -> TxReceipt:
        """Challenger: agree with openings[:index], dispute openings[index] (or hi)."""
        return self._send("choose", game_id, lo, hi, _hashes(openings), index, bytes(disputed))

    def commit_op_trace(
        self,
        game_id: GameId,
        op_root: bytes,
        n_ops: int,
        first_proof: Sequence[bytes],
        last_proof: Sequence[bytes],
    ) -> TxReceipt:
        """Solver: commit the op trace of the isolated step."""
        return self._send(
            "commitOpTrace",
            game_id,
            bytes(op_root),
            n_ops,
            _hashes(first_proof),
            _hashes(last_proof),
        )

    def openings_in(self, receipt: TxReceipt) -> list[StateHash]:
        """The hashes of the `Opened` event in an `open` receipt (what the challenger answers)."""
        events = self.events_in(receipt, "Opened")
        if not events:
            raise ProtocolError("the receipt has no Opened event")
        return [StateHash(h) for h in events[-1].args["hashes"]]

    def timeout(self, game_id: GameId) -> TxReceipt:
        """End the game against the party whose clock ran out."""
        return self._send("timeout", game_id)

    def get_game(self, game_id: GameId) -> Game:
        """The full game record."""
        return Game.from_tuple(game_id, self._call("getGame", game_id))

    def next_positions(self, game_id: GameId) -> list[int]:
        """Positions the solver must open next (empty outside bisection)."""
        return [int(p) for p in self._call("nextPositions", game_id)]

    def clocks(self, game_id: GameId) -> Clocks:
        """Seconds left on each clock now."""
        solver, challenger = self._call("clocks", game_id)
        return Clocks(int(solver), int(challenger))

    def game_count(self) -> int:
        """Number of games started."""
        return int(self._call("gameCount"))

    def game_of(self, job_id: JobId, challenger: str) -> GameId:
        """The game of (job, challenger), 0 if none."""
        return GameId(int(self._call("gameOf", job_id, challenger)))

    def max_rounds(self, steps: int, n_ops: int, k: int) -> int:
        """Upper bound on the moves of a game."""
        return int(self._call("maxRounds", steps, n_ops, k))

    def total_bonds(self) -> int:
        """Sum of bonds held."""
        return int(self._call("totalBonds"))
