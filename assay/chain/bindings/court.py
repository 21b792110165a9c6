"""RefereeCourt binding: committee votes on one disputed operator."""

from __future__ import annotations

from typing import Any

from eth_typing import ChecksumAddress
from web3.types import TxReceipt

from assay.chain.bindings._base import Binding
from assay.protocol.params import CourtParams
from assay.protocol.records import Request
from assay.protocol.types import GameId, RequestId, StateHash


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
