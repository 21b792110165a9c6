"""`assay stake …` and `assay credits claim` against a real devnet (one per module)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from eth_account import Account
from typer.testing import CliRunner, Result

from assay.chain.devnet import ACTORS, Devnet
from assay.chain.errors import RevertError
from assay.cli.explain import explained
from assay.cli.main import app
from assay.cli.units import format_duration, format_wei
from assay.protocol.types import Role

ETH = 10**18
runner = CliRunner()


# ------------------------------------------------------------------------------ pure helpers


def test_format_wei_and_duration() -> None:
    assert format_wei(490_000_000_000_000_000) == "0.49 ETH"
    assert format_wei(3 * ETH) == "3 ETH"
    assert format_wei(100 * 10**9) == "100 gwei"
    assert format_wei(7) == "7 wei"
    assert format_duration(86_400 + 7200 + 5) == "1d 2h"
    assert format_duration(0) == "0s"


@pytest.mark.parametrize("amount", ["1.5foo", "0.5", "nothing"])
def test_bad_amount_on_the_command_line_is_a_usage_error(amount: str) -> None:
    result = runner.invoke(app, ["stake", "add", amount, "--role", "solver"])
    assert result.exit_code == 2
    assert "Invalid value for 'AMOUNT'" in result.output
    assert "2ether" in result.output  # the accepted forms are shown


# ------------------------------------------------------------------------------ on the devnet

pytestmark = pytest.mark.anvil


def assay(net: Devnet, *args: str, key: str | None = None) -> Result:
    """Run `assay ARGS` against the devnet; `key` goes in ASSAY_PRIVATE_KEY (else it is unset)."""
    env = {
        "ASSAY_RPC_URL": net.node.url,
        "ASSAY_DEPLOYMENT": str(net.deployment_file),
        "ASSAY_PRIVATE_KEY": key,
        "COLUMNS": "200",
    }
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    return result


def key_of(net: Devnet, name: str) -> str:
    return net.node.accounts[ACTORS[name]].private_key


def test_stake_add_with_env_key_then_status_shows_it(net: Devnet) -> None:
    me = net.actor("challenger").address  # holds no stake by default
    result = assay(
        net, "stake", "add", "0.75ether", "--role", "verifier", key=key_of(net, "challenger")
    )
    assert result.exit_code == 0, result.output
    assert f"staked 0.75 ETH as verifier from {me}" in result.output
    assert "drawn for verifier work: yes" in result.output  # 0.75 >= the 0.5 ETH minimum
    stakes = net.actor("deployer").protocol.stakes
    assert stakes.stake_of(me, Role.VERIFIER).amount == 3 * ETH // 4

    result = assay(net, "stake", "status", key=key_of(net, "challenger"))
    assert result.exit_code == 0, result.output
    assert f"stake of {me}" in result.output
    row = next(line for line in result.output.splitlines() if "verifier" in line)
    assert "0.75 ETH" in row and "yes" in row
    assert "claimable credit: 0 ETH" in result.output


def test_stake_status_of_an_address_needs_no_key(net: Devnet) -> None:
    solver = net.actor("solver").address
    result = assay(net, "stake", "status", solver)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "solver" in line and "ETH" in line)
    assert "3 ETH" in row


def test_stake_status_with_a_keystore(
    net: Devnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyfile = tmp_path / "key.json"
    keyfile.write_text(json.dumps(Account.encrypt(key_of(net, "referee"), "hunter2", iterations=2)))
    monkeypatch.setenv("ASSAY_KEYSTORE_PASSWORD", "hunter2")
    result = assay(net, "stake", "status", "--keystore", str(keyfile))
    assert result.exit_code == 0, result.output
    assert f"stake of {net.actor('referee').address}" in result.output


def test_withdraw_requests_then_refuses_while_unbonding_then_pays(net: Devnet) -> None:
    args = ("stake", "withdraw", "--role", "solver", "--dev-account", "solver2")
    result = assay(net, *args, "--amount", "1ether")
    assert result.exit_code == 0, result.output
    assert "requested withdrawal of 1 ETH of solver stake" in result.output
    assert "unlocks at" in result.output and "(in 1d" in result.output

    result = assay(net, *args)
    assert result.exit_code == 1
    assert "StakeManager.StillUnbonding" in result.output
    assert "what to do: it unlocks at" in result.output

    stakes = net.actor("solver2").protocol.stakes
    net.node.increase_time(stakes.unbonding_delay() + 1)
    net.node.mine()
    result = assay(net, *args)
    assert result.exit_code == 0, result.output
    assert "withdrew 1 ETH of solver stake" in result.output
    assert stakes.stake_of(net.actor("solver2").address, Role.SOLVER).amount == 2 * ETH


def test_withdraw_without_free_stake_is_a_clear_error(net: Devnet) -> None:
    result = assay(net, "stake", "withdraw", "--role", "referee", "--dev-account", "submitter")
    assert result.exit_code == 1
    assert "has no free referee stake" in result.output


def test_withdraw_more_than_free_says_what_is_withdrawable(net: Devnet) -> None:
    args = ("stake", "withdraw", "--role", "solver", "--dev-account", "solver")
    result = assay(net, *args, "--amount", "5ether")
    assert result.exit_code == 1
    assert "you can withdraw at most 3 ETH of your solver stake, not 5 ETH" in result.output
    assert "what to do: ask for at most 3 ETH" in result.output
    assert "deposit more" not in result.output and "stake add" not in result.output


def test_stake_add_below_what_the_role_needs_says_so(net: Devnet) -> None:
    me = net.actor("challenger").address  # holds no stake by default
    result = assay(
        net, "stake", "add", "0.25ether", "--role", "solver", key=key_of(net, "challenger")
    )
    assert result.exit_code == 0, result.output
    assert f"staked 0.25 ETH as solver from {me}" in result.output
    assert "not enough yet: a solver needs 1 ETH of free stake to claim a job" in result.output
    assert "add 0.75 ETH more (`assay stake add 0.75ether --role solver`)" in result.output
    assert "next:" not in result.output  # a solver's agent is its own choice

    result = assay(
        net, "stake", "add", "1ether", "--role", "verifier", key=key_of(net, "challenger")
    )
    assert result.exit_code == 0, result.output
    assert "not enough yet" not in result.output
    assert "next: run `assay verifier run` with this account now" in result.output
    assert "misses its deadlines" in result.output


def test_stake_add_beyond_the_balance_shows_the_balance(net: Devnet) -> None:
    broke = Account.create().key.hex()
    result = assay(net, "stake", "add", "1ether", "--role", "solver", key=broke)
    assert result.exit_code == 1
    assert "insufficient funds" in result.output and "holds 0 ETH but this sends 1 ETH" in (
        result.output
    )
    assert "what to do: send ETH to it" in result.output


def test_stake_status_json(net: Devnet) -> None:
    solver = net.actor("solver").address
    result = assay(net, "stake", "status", solver, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["address"] == solver and doc["credit"] == "0" and doc["credit_eth"] == "0"
    roles = {r["role"]: r for r in doc["roles"]}
    assert set(roles) == {"solver", "verifier", "referee", "whistleblower"}
    assert roles["solver"]["amount"] == str(3 * ETH) and roles["solver"]["amount_eth"] == "3"
    assert roles["solver"]["free_eth"] == "3" and roles["solver"]["withdrawable_at"] is None


def test_missing_key_is_a_clear_error(net: Devnet) -> None:
    result = assay(net, "stake", "add", "1ether", "--role", "solver")
    assert result.exit_code == 1
    assert "ASSAY_PRIVATE_KEY" in result.output and "--keystore" in result.output


def test_credits_claim_pays_a_refund_and_then_has_nothing(net: Devnet) -> None:
    market = net.actor("submitter").protocol.market
    job_id = market.post_job(b"\x01" * 32, "assay://x", 4, b"\x02" * 32, 3, b"\x03" * 32, ETH // 2)
    market.cancel_job(job_id)
    result = assay(net, "credits", "claim", "--dev-account", "submitter")
    assert result.exit_code == 0, result.output
    assert "claimed 0.49 ETH" in result.output
    result = assay(net, "credits", "claim", "--dev-account", "submitter")
    assert result.exit_code == 1
    assert "StakeManager.NoCredit" in result.output and "what to do:" in result.output


def test_unknown_dev_account_names_the_known_ones(net: Devnet) -> None:
    result = assay(net, "credits", "claim", "--dev-account", "mallory")
    assert result.exit_code == 1
    assert "unknown dev account 'mallory'" in result.output and "submitter" in result.output


@pytest.mark.parametrize(
    ("name", "args", "says"),
    [
        ("UnknownJob", {"jobId": 7}, "no job 7 on this deployment"),
        ("BudgetTooSmall", {"budget": 10**15, "minimum": 2 * 10**16},
         "a budget of 0.001 ETH is below this deployment's minimum of 0.02 ETH"),
        ("InsufficientFreeStake", {"account": "0xabc", "role": int(Role.VERIFIER),
                                   "free": 0, "needed": ETH // 2},
         "0xabc has 0 ETH of free verifier stake but 0.5 ETH is needed"),
    ],
)  # fmt: skip
def test_refusals_read_in_eth_and_name_what_is_missing(
    name: str, args: dict[str, object], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """explained() rewrites these decoded reverts; any other passes to context.reporting()."""
    with pytest.raises(typer.Exit), explained():
        raise RevertError(f"JobMarket.{name}", name=name, contract="JobMarket", args=args)
    err = capsys.readouterr().err
    assert f"error: {says}" in err and "transaction was refused" not in err
    with pytest.raises(typer.Exit), explained():
        raise RevertError("JobMarket.TooLate", name="TooLate", contract="JobMarket", args={})
    assert "error: the transaction was refused: JobMarket.TooLate" in capsys.readouterr().err


def test_refusal_text_goes_to_stderr_in_eth(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit), explained():
        raise RevertError(
            "x", name="BudgetTooSmall", contract="JobMarket",
            args={"budget": 1, "minimum": 10**18},
        )  # fmt: skip
    err = capsys.readouterr().err
    assert "a budget of 1 wei is below this deployment's minimum of 1 ETH" in err
    assert "raise --budget to at least 1 ETH" in err
