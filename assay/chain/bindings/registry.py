"""ForcedErrorRegistry binding: the jackpot, whistleblowers and reveals."""

from __future__ import annotations

from web3.types import TxReceipt

from assay.chain.bindings._base import Binding
from assay.protocol.params import RegistryParams
from assay.protocol.records import Revealed
from assay.protocol.types import JobId, OpIndex, StateHash, StepIndex


class ForcedErrorRegistry(Binding):
    """The forced-error jackpot."""

    INTERFACE = "IForcedErrorRegistry"
    NAME = "ForcedErrorRegistry"

    def fund(self, wei: int) -> TxReceipt:
        """Add `wei` to the jackpot pool."""
        return self._send("fund", value=wei)

    def register_whistleblower(self, whistleblower: str) -> TxReceipt:
        """Register a staked whistleblower."""
        return self._send("registerWhistleblower", whistleblower)

    def remove_whistleblower(self, whistleblower: str) -> TxReceipt:
        """Owner: remove a whistleblower."""
        return self._send("removeWhistleblower", whistleblower)

    def reveal(self, job_id: JobId, salt: bytes, step: int, op_index: int) -> Revealed:
        """Whistleblower: reveal a honeypot forced to err at operator `op_index` of step `step`
        (a game must have been won by adjudication there); returns what the reveal paid."""
        receipt = self._send("reveal", job_id, bytes(salt), step, op_index)
        return self.revealed_in(receipt)

    def revealed_in(self, receipt: TxReceipt) -> Revealed:
        """The payouts of the reveal transaction `receipt`."""
        revealed = self._one_event(receipt, "ForcedErrorRevealed").args
        paid = self._one_event(receipt, "HoneypotReimbursed").args
        to = tuple(str(e.args["winner"]) for e in self.events_in(receipt, "JackpotPaid"))
        return Revealed(
            JobId(int(revealed["jobId"])),
            StepIndex(int(revealed["step"])),
            OpIndex(int(revealed["opIndex"])),
            int(revealed["winners"]),
            int(revealed["jackpot"]),
            str(paid["submitter"]),
            int(paid["cost"]),
            int(paid["reimbursed"]),
            to,
        )

    def set_params(self, params: RegistryParams) -> TxReceipt:
        """Owner: set the registry parameters."""
        return self._send("setParams", params.as_tuple())

    def sealed_tag_for(
        self, job_id: JobId, salt: bytes, whistleblower: str, step: int, op_index: int
    ) -> StateHash:
        """keccak256(abi.encode(jobId, salt, whistleblower, step, opIndex))."""
        return StateHash(
            self._call("sealedTagFor", job_id, bytes(salt), whistleblower, step, op_index)
        )

    def next_reveal_at(self, whistleblower: str) -> int:
        """Earliest time `whistleblower`'s next reveal passes the rate limit (<= now: now)."""
        return int(self._call("nextRevealAt", whistleblower))

    def jackpot_amount(self) -> int:
        """The jackpot a reveal would pay now."""
        return int(self._call("jackpotAmount"))

    def reimbursement_amount(self, cost: int, jackpot: int = 0) -> int:
        """What a reveal would reimburse now for a honeypot that cost `cost`, after `jackpot`."""
        return int(self._call("reimbursementAmount", cost, jackpot))

    def pool(self) -> int:
        """The jackpot pool in wei."""
        return int(self._call("pool"))

    def is_whistleblower(self, account: str) -> bool:
        """True if `account` is a registered whistleblower."""
        return bool(self._call("isWhistleblower", account))

    def revealed(self, job_id: JobId) -> bool:
        """True if the job was revealed as a forced error."""
        return bool(self._call("revealed", job_id))

    def params(self) -> RegistryParams:
        """The registry parameters."""
        return RegistryParams.from_tuple(self._call("params"))
