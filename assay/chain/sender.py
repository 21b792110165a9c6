"""Build, sign, send and confirm transactions with local nonces and decoded reverts."""

from __future__ import annotations

import threading
from typing import Any, cast

import structlog
from eth_typing import ChecksumAddress, HexStr
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError
from web3.types import BlockIdentifier, TxParams, TxReceipt, Wei

from assay.chain.artifacts import Artifact
from assay.chain.errors import RevertError, TransactionError
from assay.chain.reverts import ErrorDecoder, default_decoder, revert_from_web3
from assay.chain.signer import Signer

log = structlog.get_logger(__name__)

_NONCE_ERRORS = ("nonce too low", "nonce too high", "invalid nonce", "already known")


class TxSender:
    """Signs with `signer` and sends through `w3`; one instance per account (it owns the nonce)."""

    def __init__(
        self,
        w3: Web3,
        signer: Signer,
        *,
        poll_latency: float = 0.005,
        receipt_timeout: float = 120.0,
        gas_multiplier: float = 1.25,
        decoder: ErrorDecoder | None = None,
    ) -> None:
        self.w3 = w3
        self.signer = signer
        self.poll_latency = poll_latency
        self.receipt_timeout = receipt_timeout
        self.gas_multiplier = gas_multiplier
        self._decoder = decoder
        self._lock = threading.Lock()
        self._nonce: int | None = None
        self._chain_id: int | None = None
        self._eip1559: bool | None = None

    @property
    def address(self) -> ChecksumAddress:
        """The sending account."""
        return self.signer.address

    @property
    def decoder(self) -> ErrorDecoder:
        """The revert decoder (all ABIs in contracts/out unless one was given)."""
        if self._decoder is None:
            self._decoder = default_decoder()
        return self._decoder

    @property
    def chain_id(self) -> int:
        """The node's chain id (fetched once)."""
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    # ------------------------------------------------------------------ nonces
    def _next_nonce(self) -> int:
        with self._lock:
            if self._nonce is None:
                self._nonce = int(self.w3.eth.get_transaction_count(self.address, "pending"))
            nonce = self._nonce
            self._nonce += 1
            return nonce

    def resync_nonce(self) -> None:
        """Forget the local nonce; the next transaction re-reads the pending count."""
        with self._lock:
            self._nonce = None

    # ------------------------------------------------------------------ fees
    def _fees(self) -> dict[str, int]:
        latest = self.w3.eth.get_block("latest")
        base = latest.get("baseFeePerGas")
        if self._eip1559 is None:
            self._eip1559 = base is not None
        if self._eip1559 and base is not None:
            try:
                tip = int(self.w3.eth.max_priority_fee)
            except Exception:
                tip = 10**9
            return {"maxFeePerGas": 2 * int(base) + tip, "maxPriorityFeePerGas": tip, "type": 2}
        return {"gasPrice": int(self.w3.eth.gas_price)}

    # ------------------------------------------------------------------ reverts
    def _revert(
        self, exc: BaseException, contract: str | None, tx_hash: str | None = None
    ) -> RevertError | None:
        return revert_from_web3(exc, contract=contract, decoder=self.decoder, tx_hash=tx_hash)

    def _estimate(self, tx: TxParams, contract: str | None) -> int:
        try:
            # Against the pending block: the one the transaction will land in. A draw scheduled at
            # the latest block (RefereeCourt.drawCommittee) only passes from the next block on.
            gas = int(self.w3.eth.estimate_gas(tx, "pending"))
        except (ContractLogicError, Web3RPCError) as exc:
            decoded = self._revert(exc, contract)
            if decoded is not None:
                raise decoded from None
            raise TransactionError(
                f"gas estimation failed for a call to {tx.get('to')!r}: {exc}"
            ) from exc
        return int(gas * self.gas_multiplier) + 10_000

    # ------------------------------------------------------------------ sending
    def send_tx(
        self,
        *,
        to: str | None,
        data: bytes | str = b"",
        value: int = 0,
        gas: int | None = None,
        contract: str | None = None,
        label: str = "",
    ) -> TxReceipt:
        """Send a transaction and wait for its receipt; RevertError if it reverts."""
        data_hex = HexStr(data if isinstance(data, str) else "0x" + bytes(data).hex())
        base: dict[str, Any] = {"from": self.address, "value": int(value), "data": data_hex}
        if to is not None:
            base["to"] = to_checksum_address(to)
        if gas is None:
            gas = self._estimate(cast(TxParams, base), contract)
        bound = log.bind(sender=self.address, to=base.get("to"), call=label or None)
        for attempt in range(2):
            nonce = self._next_nonce()
            tx = dict(base, gas=gas, chainId=self.chain_id, nonce=nonce, **self._fees())
            tx.pop("from")
            raw = self.signer.sign_transaction(tx)
            try:
                tx_hash = self.w3.eth.send_raw_transaction(raw)
            except (Web3RPCError, ValueError) as exc:
                text = str(exc).lower()
                self.resync_nonce()
                if attempt == 0 and any(m in text for m in _NONCE_ERRORS):
                    bound.info("tx.nonce_resync", nonce=tx["nonce"], error=str(exc))
                    continue
                raise TransactionError(
                    f"the node refused the transaction from {self.address}: {exc}"
                ) from exc
            break
        bound = bound.bind(tx=tx_hash.to_0x_hex(), nonce=tx["nonce"])
        bound.debug("tx.sent")
        receipt = self.wait(tx_hash)
        if receipt["status"] != 1:
            raise self._replay_failure(tx, receipt, contract)
        bound.debug("tx.mined", block=receipt["blockNumber"], gas_used=receipt["gasUsed"])
        return receipt

    def send(
        self,
        fn: ContractFunction,
        *,
        value: int = 0,
        gas: int | None = None,
        contract: str | None = None,
    ) -> TxReceipt:
        """Send a contract function call; reverts are decoded with that contract's errors first."""
        address = fn.address
        if address is None:
            raise TransactionError(f"{fn.fn_name} has no contract address; bind it to one first")
        return self.send_tx(
            to=address,
            data=fn._encode_transaction_data(),
            value=value,
            gas=gas,
            contract=contract,
            label=fn.fn_name,
        )

    def deploy(self, artifact: Artifact, *args: Any, value: int = 0) -> ChecksumAddress:
        """Deploy `artifact` with constructor `args`; returns the new contract's address."""
        if not artifact.deployable:
            raise TransactionError(
                f"{artifact.name} has no bytecode (an interface or abstract contract); "
                "deploy its implementation and run `make build`"
            )
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = factory.constructor(*args).data_in_transaction
        receipt = self.send_tx(
            to=None, data=data, value=value, contract=artifact.name, label=f"deploy {artifact.name}"
        )
        address = receipt.get("contractAddress")
        if address is None:
            raise TransactionError(f"deploying {artifact.name} produced no contract address")
        log.info("contract.deployed", name=artifact.name, address=address)
        return to_checksum_address(address)

    def wait(self, tx_hash: HexBytes | bytes | str) -> TxReceipt:
        """Poll for the receipt every `poll_latency` seconds, up to `receipt_timeout`."""
        try:
            return self.w3.eth.wait_for_transaction_receipt(
                HexBytes(tx_hash), timeout=self.receipt_timeout, poll_latency=self.poll_latency
            )
        except TimeExhausted:
            raise TransactionError(
                f"transaction {HexBytes(tx_hash).to_0x_hex()} was not mined within "
                f"{self.receipt_timeout}s; check the node and the fee settings"
            ) from None

    def _replay_failure(
        self, tx: dict[str, Any], receipt: TxReceipt, contract: str | None
    ) -> RevertError:
        tx_hash = receipt["transactionHash"].to_0x_hex()
        call: dict[str, Any] = {k: tx[k] for k in ("to", "data", "value", "gas") if k in tx}
        call["from"] = self.address
        # The parent block is the state the transaction started from.
        block = max(int(receipt["blockNumber"]) - 1, 0)
        try:
            self.w3.eth.call(cast(TxParams, call), block_identifier=block)
        except (ContractLogicError, Web3RPCError) as exc:
            decoded = self._revert(exc, contract, tx_hash)
            if decoded is not None:
                return decoded
        return RevertError(
            f"transaction {tx_hash} reverted (gas used {receipt['gasUsed']} of {tx['gas']}); "
            "replaying it did not reproduce the revert, so it probably ran out of gas",
            tx_hash=tx_hash,
        )

    # ------------------------------------------------------------------ views
    def call(
        self,
        fn: ContractFunction,
        *,
        block: BlockIdentifier = "latest",
        value: int = 0,
        contract: str | None = None,
    ) -> Any:
        """Call a view (or simulate a transaction) from this account; reverts raise RevertError."""
        try:
            params: TxParams = {"from": self.address, "value": Wei(value)}
            return fn.call(params, block_identifier=block)
        except (ContractLogicError, Web3RPCError) as exc:
            decoded = self._revert(exc, contract)
            if decoded is not None:
                raise decoded from None
            raise

    def balance(self, address: str | None = None) -> int:
        """ETH balance in wei of `address` (default: this account)."""
        return int(self.w3.eth.get_balance(to_checksum_address(address or self.address)))

    def __repr__(self) -> str:
        return f"TxSender(address={self.address}, signer={self.signer!r})"
