"""RefereeCourt binding: committee votes on one disputed operator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_typing import ChecksumAddress
from web3.types import TxReceipt

from assay.chain.bindings._base import Binding
from assay.chain.params import CourtParams
from assay.protocol.types import GameId, JobId, RequestId, StateHash


@dataclass(frozen=True)
class Request:
    """IRefereeCourt.Request: one adjudication."""

    request_id: RequestId
    game_id: GameId
    job_id: JobId
    step: int
    op_index: int
    round: int
    committee_size: int
    votes: int
    resolved: bool
    referee_stake: int
    vote_window: int
    draw_block: int
    deadline: int
    input: StateHash
    claimed_output: StateHash
    decision: StateHash

    @classmethod
    def from_tuple(cls, request_id: RequestId, t: Any) -> Request:
        """From the ABI tuple returned by getRequest."""
        return cls(
            request_id,
            GameId(int(t[0])),
            JobId(int(t[1])),
            int(t[2]),
            int(t[3]),
            int(t[4]),
            int(t[5]),
            int(t[6]),
            bool(t[7]),
            int(t[8]),
            int(t[9]),
            int(t[10]),
            int(t[11]),
            StateHash(t[12]),
            StateHash(t[13]),
            StateHash(t[14]),
        )

    @property
    def awaiting_draw(self) -> bool:
        """The current round's committee is scheduled (`draw_block`) but not drawn yet."""
        return self.draw_block != 0


class RefereeCourt(Binding):
    """A staked committee that recomputes one operator."""

    INTERFACE = "IRefereeCourt"
    NAME = "RefereeCourt"

    def draw_committee(self, request_id: RequestId) -> TxReceipt:
        """Anyone: draw the pending round's committee once its scheduled block is past."""
        return self._send("drawCommittee", request_id)

    def vote(self, request_id: RequestId, output: StateHash) -> TxReceipt:
        """Committee member: vote the correct output hash."""
        return self._send("vote", request_id, bytes(output))

    def resolve(self, request_id: RequestId) -> TxReceipt:
        """Apply the votes (decide, or schedule the next round's draw without a majority)."""
        return self._send("resolve", request_id)

    def set_params(self, params: CourtParams) -> TxReceipt:
        """Owner: set the court parameters."""
        return self._send("setParams", params.as_tuple())

    def wire(self, dispute_game: str) -> TxReceipt:
        """Owner: one-time wiring to the DisputeGame (not in the interface ABI)."""
        fn = self.sender.w3.eth.contract(address=self.address, abi=_WIRE_ABI).functions.wire(
            dispute_game
        )
        return self.sender.send(fn, contract=self.NAME)

    def get_request(self, request_id: RequestId) -> Request:
        """The adjudication request."""
        return Request.from_tuple(request_id, self._call("getRequest", request_id))

    def committee(self, request_id: RequestId) -> list[ChecksumAddress]:
        """The current round's referees."""
        return list(self._call("committee", request_id))

    def vote_of(self, request_id: RequestId, referee: str) -> StateHash:
        """A referee's vote (zero if none)."""
        return StateHash(self._call("voteOf", request_id, referee))

    def request_of(self, game_id: GameId) -> RequestId:
        """The request of a game, 0 if none."""
        return RequestId(int(self._call("requestOf", game_id)))

    def params(self) -> CourtParams:
        """The court parameters."""
        return CourtParams.from_tuple(self._call("params"))


_WIRE_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "wire",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "disputeGame", "type": "address", "internalType": "address"}],
        "outputs": [],
    }
]
