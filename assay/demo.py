"""`make demo`: one job's whole lifecycle on a fresh local devnet, printed step by step.

post -> claim -> submit -> attest -> finalize -> claim credits -> unbond and withdraw stake.
The state hashes are placeholders derived from the job until the training runtime lands.
"""

from __future__ import annotations

import secrets
import sys

from eth_hash.auto import keccak
from rich.console import Console
from rich.table import Table
from web3.types import TxReceipt

from assay.devnet import Devnet
from assay.errors import AssayError
from assay.logs import configure as configure_logging
from assay.protocol.merkle import MerkleTree
from assay.protocol.types import JobStatus, Role, StateHash

ETH = 10**18
console = Console()


def _eth(wei: int) -> str:
    return f"{wei / ETH:.6f} ETH"


def _step(title: str, receipt: TxReceipt | None = None, detail: str = "") -> None:
    gas = (
        f"  [dim]gas {receipt['gasUsed']:,}  tx {receipt['transactionHash'].hex()[:12]}…[/]"
        if receipt
        else ""
    )
    console.print(f"[bold green]✓[/] {title}{gas}")
    if detail:
        console.print(f"    {detail}")


def placeholder_trace(seed: bytes, steps: int) -> list[StateHash]:
    """h_0..h_T standing in for real training-state hashes."""
    return [StateHash(keccak(seed + i.to_bytes(4, "big"))) for i in range(steps + 1)]


def run() -> None:
    console.rule("[bold]Assay devnet demo")
    with Devnet() as net:
        d = net.deployment
        assert d is not None
        table = Table(
            "contract", "address", title=f"protocol deployed on anvil (chain {d.chain_id})"
        )
        for name in (
            "stake_manager",
            "job_market",
            "dispute_game",
            "referee_court",
            "forced_error_registry",
        ):
            table.add_row(name, getattr(d, name))
        console.print(table)

        net.stake_defaults()
        _step("staked: solver 3 ETH, two verifiers 2 ETH each, a referee, a whistleblower")

        submitter = net.actor("submitter").protocol
        solver = net.actor("solver")
        steps = 8
        trace = placeholder_trace(b"assay-demo", steps)
        tree = MerkleTree(trace)
        job_id = submitter.market.post_job(
            spec_hash=keccak(b"demo job.toml"),
            spec_uri="file://job.toml",
            steps=steps,
            graph_hash=keccak(b"demo graph"),
            initial_state=trace[0],
            budget_wei=ETH // 2,
        )
        job = submitter.market.get_job(job_id)
        _step(
            f"job {job_id} posted with 0.5 ETH",
            detail=f"escrowed {_eth(job.budget)} after the protocol tax",
        )

        r = solver.protocol.market.claim_job(job_id)
        _step(f"solver {solver.address[:10]}… claimed job {job_id} (1 ETH of stake locked)", r)

        r = solver.protocol.market.submit_result(
            job_id,
            trace[-1],
            StateHash(tree.root),
            "file://model.safetensors",
            secrets.token_bytes(32),
        )
        assigned = solver.protocol.market.assignments(job_id)
        _step(
            f"result submitted: {steps} steps, trace root {tree.root.hex()[:18]}…",
            r,
            detail="verifiers drawn: " + ", ".join(a.verifier[:10] + "…" for a in assigned),
        )

        by_address = {net.actor(n).address: net.actor(n) for n in ("verifier1", "verifier2")}
        for a in assigned:
            v = by_address[a.verifier]
            r = v.protocol.market.attest(job_id)
            _step(f"{v.name} replayed and attested", r)

        window = job.params.challengeWindow
        net.node.increase_time(window + 1)
        net.node.mine()
        _step(f"challenge window of {window} s passed with no challenge")

        r = submitter.market.finalize(job_id)
        status = submitter.market.job_status(job_id)
        assert status == JobStatus.FINALIZED, status
        _step(f"job {job_id} finalized", r)

        for name in ("solver", "verifier1", "verifier2", "submitter"):
            actor = net.actor(name)
            credit = actor.protocol.stakes.credit_of(actor.address)
            if credit:
                before = net.node.w3.eth.get_balance(actor.address)
                paid = actor.protocol.stakes.claim()
                after = net.node.w3.eth.get_balance(actor.address)
                _step(
                    f"{name} withdrew {_eth(paid)}",
                    detail=f"balance {_eth(before)} → {_eth(after)} (minus gas)",
                )

        stakes = solver.protocol.stakes
        free = stakes.free_stake(solver.address, Role.SOLVER)
        r = stakes.request_withdrawal(Role.SOLVER, free)
        delay = stakes.unbonding_delay()
        _step(f"solver requested withdrawal of {_eth(free)} stake; unbonding {delay} s", r)
        net.node.increase_time(delay + 1)
        net.node.mine()
        r = stakes.withdraw(Role.SOLVER)
        _step("solver withdrew its stake after unbonding", r)
    console.rule("[bold green]lifecycle complete")


def main() -> int:
    configure_logging("WARNING")
    try:
        run()
    except AssayError as exc:
        console.print(f"[bold red]demo failed:[/] {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
