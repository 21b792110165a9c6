"""What every chain command shares: its options, the acting account, the connection, errors.

Keys never come from argv: the acting account is `--dev-account NAME` (devnet only: those keys are
public), else `--keystore PATH` / `--account NAME` (a Foundry or ape keystore) with the password in
$ASSAY_KEYSTORE_PASSWORD or typed at a prompt, else the hex key in $ASSAY_PRIVATE_KEY.

The node is `--rpc-url`, else $ASSAY_RPC_URL, else $ETH_RPC_URL (Foundry's variable), else the
running devnet `assay devnet up` recorded (assay/cli/devnet_record.py), else 127.0.0.1:8545.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from requests import RequestException
from web3 import Web3
from web3.providers import HTTPProvider
from web3.types import TxReceipt

from assay.chain.anvil import dev_accounts
from assay.chain.deploy import Deployment, ProtocolContracts
from assay.chain.devnet import ACTORS
from assay.chain.errors import NodeError, RevertError, SignerError
from assay.chain.sender import TxSender
from assay.chain.signer import LocalKeySigner, Signer
from assay.cli.keystores import resolve_keystore
from assay.cli.output import console, err_console, fail
from assay.cli.rpc import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    DEPLOYMENT_ENV,
    ETH_RPC_ENV,
    RPC_ENV,
    check_rpc_url,
    follows_devnet,
    hinted,
    note_devnet_url,
    resolve_deployment,
    resolve_rpc_url,
    rpc_source,
    unreachable_hint,
)
from assay.cli.units import format_time
from assay.errors import AssayError, ConfigError
from assay.protocol.amounts import AmountError, parse_amount

__all__ = [  # re-exported: every chain command imports these from here
    "DEFAULT_DEPLOYMENT",
    "DEFAULT_RPC_URL",
    "DEPLOYMENT_ENV",
    "ETH_RPC_ENV",
    "RPC_ENV",
    "check_rpc_url",
    "console",
    "err_console",
    "fail",
    "follows_devnet",
    "hinted",
    "note_devnet_url",
    "rpc_source",
    "unreachable_hint",
]

KEY_ENV = "ASSAY_PRIVATE_KEY"
KEYSTORE_PASSWORD_ENV = "ASSAY_KEYSTORE_PASSWORD"
DEV_ACCOUNT_ENV = "ASSAY_DEV_ACCOUNT"
DEVNET_CHAIN_ID = 31337


def resolve_keystore_option(
    ctx: typer.Context, param: typer.CallbackParam, value: Path | None
) -> Path | None:
    """--keystore PATH or --account NAME as a keystore file (see assay/cli/keystores.py)."""
    if value is None:
        return None
    try:
        return resolve_keystore(str(value))
    except AssayError as exc:
        fail(str(exc), exc.hint)


RpcUrl = Annotated[
    str,
    typer.Option(
        "--rpc-url",
        envvar=[RPC_ENV, ETH_RPC_ENV],
        callback=resolve_rpc_url,
        help="JSON-RPC endpoint; default: the running `assay devnet up` (recorded in "
        "$ASSAY_DEVNET_DIR or .assay/devnet), else http://127.0.0.1:8545",
    ),
]
DeploymentFile = Annotated[
    Path,
    typer.Option(
        "--deployment",
        envvar=DEPLOYMENT_ENV,
        callback=resolve_deployment,
        help="the protocol's deployment JSON (default: the devnet's)",
    ),
]
KeystoreFile = Annotated[
    Path | None,
    typer.Option(
        "--keystore",
        "--account",
        help="sign with this keystore JSON, or the NAME of a Foundry (~/.foundry/keystores/NAME) "
        f"or ape (~/.ape/accounts/NAME.json) account; password from ${KEYSTORE_PASSWORD_ENV} "
        "or a prompt",
        callback=resolve_keystore_option,
    ),
]
DevAccount = Annotated[
    str | None,
    typer.Option(
        "--dev-account",
        envvar="ASSAY_DEV_ACCOUNT",
        help="DEVNET ONLY: act as a named dev account (submitter, solver, verifier1, …) whose "
        "key is public; refused on any chain but the devnet's (31337)",
    ),
]


def amount_parser(text: str) -> int:
    """Typer parser for an amount argument: wei, or a usage error that shows the accepted forms."""
    try:
        return parse_amount(text)
    except AmountError as exc:
        raise typer.BadParameter(str(exc)) from None


@dataclass(frozen=True)
class ChainOptions:
    """Where the chain is and who acts on it, as given on the command line."""

    rpc_url: str = DEFAULT_RPC_URL
    deployment: Path = DEFAULT_DEPLOYMENT
    keystore: Path | None = None
    dev_account: str | None = None

    @property
    def names_an_account(self) -> bool:
        """Whether any source of a key was given."""
        return bool(self.keystore or self.dev_account or os.environ.get(KEY_ENV, "").strip())


class WatchOnlySigner:
    """An address that reads but never signs (read-only commands without a key)."""

    def __init__(self, address: str) -> None:
        self._address = to_checksum_address(address)

    @property
    def address(self) -> ChecksumAddress:
        """The watched address."""
        return self._address

    def sign_transaction(self, tx: Any) -> bytes:
        """Always refuses: there is no key."""
        raise SignerError(_NO_KEY)


_NO_KEY = (
    f"no account to sign with: export {KEY_ENV}=0x… (a private key), or pass --keystore PATH "
    f"or --account NAME (a Foundry/ape keystore) with the password in {KEYSTORE_PASSWORD_ENV}; "
    "on the devnet, --dev-account NAME"
)


def load_signer(opts: ChainOptions) -> Signer:
    """The acting account: --dev-account, else --keystore, else $ASSAY_PRIVATE_KEY."""
    if opts.dev_account and opts.keystore:
        raise ConfigError("give either --dev-account or --keystore, not both")
    if opts.dev_account:
        if opts.dev_account not in ACTORS:
            raise ConfigError(
                f"unknown dev account {opts.dev_account!r}; the devnet has {', '.join(ACTORS)}"
            )
        return dev_accounts(len(ACTORS))[ACTORS[opts.dev_account]].signer()
    if opts.keystore:
        return keystore_signer(opts.keystore)
    if not os.environ.get(KEY_ENV, "").strip():
        raise SignerError(_NO_KEY)
    return LocalKeySigner.from_env(KEY_ENV)


def keystore_signer(path: Path) -> Signer:
    """The keystore's account; its password from $ASSAY_KEYSTORE_PASSWORD, else a prompt on a
    terminal (never argv)."""
    if os.environ.get(KEYSTORE_PASSWORD_ENV) is not None or not sys.stdin.isatty():
        return LocalKeySigner.from_keystore(path, KEYSTORE_PASSWORD_ENV)
    password = typer.prompt(f"password of keystore {path}", hide_input=True, err=True)
    try:
        data = json.loads(path.read_text())
        return LocalKeySigner(Account.from_key(Account.decrypt(data, password)))
    except OSError as exc:
        raise SignerError(f"cannot read keystore {path}: {exc.strerror}") from None
    except ValueError:  # json.JSONDecodeError is one too
        raise SignerError(
            f"cannot decrypt keystore {path}: wrong password, or not a keystore"
        ) from None


@dataclass(frozen=True)
class Chain:
    """A connection to the deployed protocol, acting as one account."""

    w3: Web3
    deployment: Deployment
    sender: TxSender
    protocol: ProtocolContracts
    can_sign: bool

    @property
    def address(self) -> ChecksumAddress:
        """The acting account."""
        return self.sender.address

    def now(self) -> int:
        """The chain's clock: the latest block's timestamp."""
        return int(self.w3.eth.get_block("latest")["timestamp"])


def connect(opts: ChainOptions, *, signing: bool = True) -> Chain:
    """Load the deployment, reach the node and bind the contracts as the acting account.

    With `signing=False` a missing key is fine: the commands only read.
    """
    deployment = Deployment.load(opts.deployment)
    w3 = Web3(HTTPProvider(opts.rpc_url, request_kwargs={"timeout": 30}))
    if not w3.is_connected():
        raise hinted(
            NodeError(f"cannot reach a node at {opts.rpc_url} ({rpc_source(opts.rpc_url)})"),
            unreachable_hint(opts.rpc_url),
        )
    if opts.dev_account and w3.eth.chain_id != DEVNET_CHAIN_ID:
        raise ConfigError(
            f"--dev-account (${DEV_ACCOUNT_ENV}) names a public devnet key, but {opts.rpc_url} "
            f"is chain {w3.eth.chain_id}; use --keystore or ${KEY_ENV} on real chains"
        )
    can_sign = signing or opts.names_an_account
    signer = load_signer(opts) if can_sign else WatchOnlySigner(deployment.deployer)
    sender = TxSender(w3, signer, poll_latency=0.02)
    protocol = deployment.connect(sender)
    if w3.eth.get_code(deployment.job_market) == b"":
        raise ConfigError(
            f"{opts.deployment} names contracts that are not on the chain at {opts.rpc_url}; "
            "the node was restarted without its state — rerun `assay devnet up` or redeploy"
        )
    return Chain(w3, deployment, sender, protocol, can_sign)


def tx_hash(receipt: TxReceipt) -> str:
    """The 0x-hex hash of a mined transaction."""
    return receipt["transactionHash"].to_0x_hex()


# ---------------------------------------------------------------------------------- errors

Hint = Callable[[dict[str, Any]], str]


def _unbonding_hint(a: dict[str, Any]) -> str:
    unlock = format_time(int(a["withdrawableAt"]), int(a["nowTs"]))
    return f"it unlocks at {unlock}; run the same command again then (`assay stake status`)"


_HINTS: dict[str, Hint] = {
    "StillUnbonding": _unbonding_hint,
    "InsufficientFreeStake": lambda a: (
        "stake more with `assay stake add AMOUNT --role ROLE`, or ask for at most the free part "
        "(`assay stake status` shows it)"
    ),
    "NothingToWithdraw": lambda a: (
        "nothing is unbonding; `assay stake withdraw --role ROLE` first requests a withdrawal"
    ),
    "NoCredit": lambda a: "nothing is owed to this account yet (`assay stake status` shows credit)",
    "ZeroAmount": lambda a: "give an amount above zero",
    "InvalidRole": lambda a: "use --role solver, verifier, referee or whistleblower",
    "WrongStatus": lambda a: (
        "`assay job status ID` or `assay dispute show ID` shows where it stands; this action "
        "needs the status named above"
    ),
    "NotSubmitter": lambda a: "only the account that posted the job can do this; sign with it",
    "NotSolver": lambda a: "only the job's solver can do this; sign with its key",
    "UnknownJob": lambda a: "check the job id (`assay job submit` printed it)",
    "UnknownGame": lambda a: "list a job's games with `assay dispute list --job ID`",
    "BudgetTooSmall": lambda a: "raise --budget to at least the minimum named above",
    "TooEarly": lambda a: "the window has not opened yet; retry later (`assay job status ID`)",
    "TooLate": lambda a: "the window for this action has closed (`assay job status ID`)",
    "NotYourTurn": lambda a: "wait for the other party's move (`assay dispute show ID`)",
    "GamesStillOpen": lambda a: "wait until its games resolve (`assay dispute list --job ID`)",
    "NotWired": lambda a: "the deployment is incomplete; redeploy (`assay devnet up --fresh`)",
}
_DEFAULT_HINT = (
    "the sentence above names the rule that refused the transaction; `assay job status`, "
    "`assay stake status` and `assay dispute show` show the current state"
)


def revert_hint(exc: RevertError) -> str:
    """What the user can do about a decoded revert."""
    hint = _HINTS.get(exc.name)
    if hint is None:
        return _DEFAULT_HINT
    try:
        return hint(exc.args)
    except (KeyError, ValueError, TypeError):
        return _DEFAULT_HINT


@contextmanager
def reporting() -> Iterator[None]:
    """Turn Assay errors and reverts into a sentence, a hint and exit code 1 (no traceback)."""
    try:
        yield
    except RevertError as exc:
        fail(f"the transaction was refused: {exc.message}", revert_hint(exc))
    except AssayError as exc:
        fail(str(exc), exc.hint)
    except RequestException as exc:
        fail(
            f"lost the connection to the node ({type(exc).__name__})",
            "check that the node is still running (`assay devnet status`) and --rpc-url points "
            "at it",
        )


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT/SIGTERM (handlers restored afterwards; main thread only)."""
    stop = threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():

        def handler(signum: int, frame: FrameType | None) -> None:
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
