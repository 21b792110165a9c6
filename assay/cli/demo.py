"""`make demo`: three journeys on a fresh devnet, with the agents as separate processes.

The chain is an in-process Devnet (anvil + the protocol, dev actors staked). Every agent is a
real `assay … run` child process (logs under the work directory's `logs/`):

a. honest: `assay solver run` trains a small digits-MLP job, `assay verifier run` ×2 replay and
   attest, the job finalizes, everyone is paid, and the submitter fetches the model from the
   solver's peer and evaluates it;
b. cheating: `assay solver run --cheat-from STEP:OP` (a hidden devnet-only option) commits a
   wrong trace; verifier1 replays, challenges and plays both bisection phases; the referees
   (`assay referee run` ×2) draw the scheduled committee, recompute the isolated operator and
   vote (the committee has 3 seats; with 2 eligible referees both sit on it, and their 2 of 3
   seats are a majority, so no third referee is needed); the solver loses, and once the
   reveal window has passed its stake is slashed at settlement and the challenger is paid;
c. honeypot: `assay whistleblower run` plants a honeypot from fresh accounts of its own (not its
   registered one, so nothing marks the job) and solves it wrong on purpose: honest op records,
   a wrong end state h_s of one step (the only error a reveal accepts); verifier1 catches it
   (the referees rule on operator N of step s, the end state; jackpot), verifier2 attests
   without checking (`assay verifier run --lazy`, a hidden devnet-only option) and is slashed
   when the whistleblower reveals, after the challenge window; the reveal pays the honeypot's
   tax back from the jackpot pool, and the whistleblower empties the honeypot's accounts into
   its own. (Had nobody challenged it, the whistleblower would have challenged it itself in the
   last third of the window.)

The demo moves anvil's clock past the challenge and reveal windows; everything else is done by
the agents. It prints each journey as a story and writes `demo-report.json` (`--out`); it exits
1 if any outcome differs from the expected one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from assay.agents.views import chain_now, load_job
from assay.chain.devnet import Devnet
from assay.errors import AssayError
from assay.logs import configure as configure_logging
from assay.net.blobs import BlobClient, BlobServer
from assay.net.uri import make_uri, parse_uri
from assay.protocol.canonical import canonical_bytes
from assay.protocol.spec import load_spec
from assay.protocol.types import GameId, GameStatus, JobId, JobStatus, Role
from assay.repro.commitments import commitments
from assay.store import LocalStore
from services.whistleblower.audit import audit

ETH = 10**18
BUDGET = ETH // 2
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits-mlp.toml"
CHEAT_STEP, CHEAT_OP = 17, 37
console = Console(highlight=False)

PHASES = {
    GameStatus.STEP_BISECTION: "phase 1 · step bisection",
    GameStatus.AWAITING_OP_TRACE: "phase 2 · awaiting the solver's op trace",
    GameStatus.OP_BISECTION: "phase 2 · operator bisection",
    GameStatus.ADJUDICATING: "phase 3 · referees recompute one operator",
    GameStatus.CHALLENGER_WON: "resolved · CHALLENGER WON",
    GameStatus.SOLVER_WON: "resolved · SOLVER WON",
}


class DemoError(AssayError):
    """A journey did not reach the state it waits for."""


def _eth(wei: int) -> str:
    return f"{wei / ETH:,.4f}"


def _say(text: str) -> None:
    console.print(f"[bold green]✓[/] {text}", soft_wrap=True)


def _note(text: str) -> None:
    console.print(f"    [dim]{text}[/]", soft_wrap=True)


# ---------------------------------------------------------------------------- agent processes


@dataclass
class Agent:
    """One `assay <role> run` child process."""

    label: str
    proc: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> int:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=30)


@dataclass
class Demo:
    net: Devnet
    work: Path
    job_file: Path
    env: dict[str, str]
    agents: dict[str, Agent] = field(default_factory=dict)

    def spawn(self, label: str, *args: str) -> Agent:
        """Start `python -m assay.cli.main ARGS…` with this devnet's RPC URL and deployment."""
        log = self.work / "logs" / f"{label}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "assay.cli.main", *args],
                cwd=self.work,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        agent = Agent(label, proc, log)
        self.agents[label] = agent
        return agent

    def agent(self, role: str, account: str, *extra: str, label: str | None = None) -> Agent:
        name = label or account
        return self.spawn(
            name, role, "run", "--dev-account", account,
            "--state-dir", str(self.work / "agents" / name),
            "--store", str(self.work / "stores" / name),
            "--interval", "0.2", "--min-credit", "0", *extra,
        )  # fmt: skip

    def stop(self, label: str) -> None:
        agent = self.agents.pop(label)
        code = agent.stop()
        _note(f"{label} agent stopped (exit {code})")

    def stop_all(self) -> None:
        for label in list(self.agents):
            self.agents.pop(label).stop()

    def wait(self, cond: Callable[[], bool], what: str, timeout: float = 150.0) -> None:
        """Poll `cond` until it holds; fail with the agents' logs if one died or time ran out."""
        deadline = time.monotonic() + timeout
        while not cond():
            dead = [a for a in self.agents.values() if not a.alive()]
            if dead or time.monotonic() > deadline:
                why = f"agent {dead[0].label} exited" if dead else f"timed out after {timeout}s"
                logs = "\n".join(f"--- {a.label}\n{a.tail()}" for a in self.agents.values())
                raise DemoError(f"waiting for {what}: {why}\n{logs}")
            time.sleep(0.1)

    def now(self) -> int:
        """The devnet's clock: the latest block's timestamp."""
        return chain_now(self.net.node.w3)

    def advance(self, seconds: int, why: str) -> None:
        self.net.node.increase_time(seconds)
        self.net.node.mine()
        _say(f"[yellow]clock[/] anvil's clock moved {seconds:,} s forward: {why}")


# ---------------------------------------------------------------------------- chain reading


def job_file(work: Path, steps: int) -> Path:
    """The example digits-MLP job with fewer steps (and a checkpoint every 10)."""

    text = EXAMPLE.read_text()
    text = re.sub(r"(?m)^steps = \d+", f"steps = {steps}", text)
    text = re.sub(r"(?m)^interval = \d+", f"interval = {max(1, min(10, steps))}", text)
    path = work / "digits-mlp-demo.toml"
    path.write_text(text)
    return path


def post_job(demo: Demo, store_root: Path, peer: str) -> JobId:
    """What `assay job submit` does, as the submitter: store the spec, commit, post."""

    spec = load_spec(demo.job_file)
    uri = make_uri(LocalStore(store_root).put_bytes(canonical_bytes(spec)), [peer])
    c = commitments(spec)
    market = demo.net.actor("submitter").protocol.market
    return market.post_job(
        spec_hash=c.spec_hash,
        spec_uri=uri,
        steps=c.steps,
        graph_hash=c.graph_hash,
        ops_per_step=c.ops_per_step,
        initial_state=c.initial_state,
        budget_wei=BUDGET,
    )


ACCOUNTS = (
    "submitter", "solver", "solver2", "verifier1", "verifier2", "referee", "referee2",
    "whistleblower",
)  # fmt: skip
ROLES = {
    "solver": Role.SOLVER,
    "solver2": Role.SOLVER,
    "verifier1": Role.VERIFIER,
    "verifier2": Role.VERIFIER,
    "referee": Role.REFEREE,
    "referee2": Role.REFEREE,
    "whistleblower": Role.WHISTLEBLOWER,
}


def snapshot(net: Devnet, names: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per account: ETH balance, stake in its main role, claimable credit (wei)."""
    p = net.actor("deployer").protocol
    out: dict[str, dict[str, int]] = {}
    for name in names:
        a = net.actor(name).address
        row = {"eth": int(net.node.w3.eth.get_balance(a)), "credit": p.stakes.credit_of(a)}
        if name in ROLES:
            row["stake"] = p.stakes.stake_of(a, ROLES[name]).amount
        out[name] = row
    return out


def balances_table(title: str, before: dict[str, Any], after: dict[str, Any]) -> Table:
    t = Table("account", "stake (ETH)", "credit (ETH)", "balance change (ETH)", title=title)
    for name in before:
        b, a = before[name], after[name]
        stake = "-" if "stake" not in b else f"{_eth(b['stake'])} → {_eth(a['stake'])}"
        d = a["eth"] - b["eth"]
        t.add_row(
            name, stake, f"{_eth(b['credit'])} → {_eth(a['credit'])}",
            ("+" if d >= 0 else "") + _eth(d),
        )  # fmt: skip
    return t


def chain_activity(net: Devnet, first: int, last: int) -> tuple[dict[str, int], dict[str, int]]:
    """Gas used per account (agents' and others' transactions) and bisection rounds per phase."""
    w3 = net.node.w3
    game = net.actor("deployer").protocol.game
    names = {net.actor(n).address.lower(): n for n in (*ACCOUNTS, "deployer")}
    gas: dict[str, int] = {}
    rounds = {"phase1_step_bisection": 0, "phase2_op_bisection": 0}
    for number in range(first, last + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            assert not isinstance(tx, bytes)
            receipt = w3.eth.get_transaction_receipt(tx["hash"])
            who = names.get(str(tx["from"]).lower(), str(tx["from"]))
            gas[who] = gas.get(who, 0) + int(receipt["gasUsed"])
            for ev in game.events_in(receipt, "Narrowed"):
                phase = GameStatus(int(ev.args["phase"]))
                key = (
                    "phase1_step_bisection"
                    if phase == GameStatus.STEP_BISECTION
                    else "phase2_op_bisection"
                )
                rounds[key] += 1
    return gas, rounds


def watch_game(demo: Demo, game_id: GameId, until: Callable[[], bool], timeout: float) -> None:
    """Print each move of a game (phase, interval, whose turn) until `until()` holds."""
    p = demo.net.actor("deployer").protocol
    seen: tuple[Any, ...] | None = None

    def moved() -> bool:
        nonlocal seen
        g = p.game.get_game(game_id)
        key = (g.status, g.lo, g.hi, g.turn)
        if key != seen:
            seen = key
            if g.status.is_resolved:
                pass
            elif g.status == GameStatus.AWAITING_OP_TRACE:
                _note(f"round {g.rounds:>2} · step {g.step} isolated; {PHASES[g.status]}")
            elif g.status == GameStatus.ADJUDICATING:
                _note(
                    f"round {g.rounds:>2} · {PHASES[g.status]}: step {g.step}, operator {g.hi} "
                    f"(of {g.n_ops}); adjudication request {int(g.request_id)}"
                )
            else:
                where = (
                    f"step {g.step}, operators"
                    if g.status != GameStatus.STEP_BISECTION
                    else ("steps")
                )
                _note(
                    f"round {g.rounds:>2} · {PHASES[g.status]}: {where} ({g.lo}, {g.hi}] "
                    f"disputed · {g.turn.name.lower()} to move"
                )
        return until()

    demo.wait(moved, f"game {int(game_id)}", timeout)


def dispute_summary(demo: Demo, game_id: GameId) -> dict[str, Any]:
    p = demo.net.actor("deployer").protocol
    g = p.game.get_game(game_id)
    req = p.court.get_request(g.request_id) if int(g.request_id) else None
    return {
        "game_id": int(game_id),
        "outcome": g.status.name.lower(),
        "challenger": g.challenger,
        "disputed_step": g.step,
        "disputed_operator": req.op_index if req is not None else g.hi,
        "n_ops": g.n_ops,
        "rounds_total": g.rounds,
        "committee_rounds": req.round if req is not None else 0,
        "referee_decision_differs_from_solver": (
            req is not None and req.resolved and req.decision != req.claimed_output
        ),
    }


@contextmanager
def scenario(
    demo: Demo, key: str, title: str, names: Sequence[str], report: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    console.rule(f"[bold]{title}")
    entry: dict[str, Any] = {"title": title}
    report[key] = entry
    first = demo.net.node.w3.eth.block_number + 1
    before = snapshot(demo.net, names)
    started = time.monotonic()
    yield entry
    last = demo.net.node.w3.eth.block_number
    after = snapshot(demo.net, names)
    gas, rounds = chain_activity(demo.net, first, last)
    entry.setdefault("rounds_per_phase", rounds)
    entry["gas_used"] = gas
    entry["balances"] = {n: {"before": before[n], "after": after[n]} for n in names}
    entry["seconds"] = round(time.monotonic() - started, 1)
    console.print(balances_table("balances", before, after))
    console.print(
        "gas used: " + ", ".join(f"{k} {v:,}" for k, v in sorted(gas.items())), soft_wrap=True
    )


# ---------------------------------------------------------------------------- the journeys


def honest(demo: Demo, report: dict[str, Any], spec_peer: str) -> None:
    p = demo.net.actor("deployer").protocol
    names = ("submitter", "solver", "verifier1", "verifier2")
    with scenario(demo, "honest", "a. an honest job: trained, verified, paid", names, report) as e:
        job_id = post_job(demo, demo.work / "stores" / "submitter", spec_peer)
        e["job_id"] = int(job_id)
        _say(f"submitter posted job {job_id}: digits MLP, {_eth(BUDGET)} ETH budget")
        demo.wait(lambda: p.market.job_status(job_id) != JobStatus.OPEN, "the claim")
        _say(f"solver claimed job {job_id} and trains it")
        demo.wait(lambda: p.market.job_status(job_id) == JobStatus.SUBMITTED, "the result")
        job = p.market.get_job(job_id)
        _say(f"solver submitted h_T {job.final_state.to_hex()[:14]}… (trace root committed)")
        _note(f"artifact: {job.artifact_uri}")

        def attested() -> bool:
            a = p.market.assignments(job_id)
            return bool(a) and all(x.attested for x in a)

        demo.wait(attested, "both attestations")
        _say("verifier1 and verifier2 replayed the training and attested")
        # The window grows with the job's steps and restarts when the verifier seats are filled.
        job = p.market.get_job(job_id)
        demo.advance(job.challenge_deadline + 1 - demo.now(), "the challenge window passes")
        demo.wait(lambda: p.market.job_status(job_id) == JobStatus.FINALIZED, "finalization")
        _say(f"job {job_id} finalized: the solver and the verifiers are credited")
        model, accuracy = fetch_and_evaluate(demo, job_id)
        _say(f"the submitter fetched the model from the solver's peer: {model}")
        _say(f"test accuracy of the trained model: [bold]{accuracy:.1%}[/]")
        e.update(
            outcome=p.market.job_status(job_id).name.lower(),
            model_path=str(model),
            accuracy=accuracy,
            rounds_per_phase={},
            disputed_step=None,
            disputed_operator=None,
        )
        demo.stop("solver")
        demo.stop("verifier2")


def fetch_and_evaluate(demo: Demo, job_id: JobId) -> tuple[Path, float]:
    """The submitter's side: manifest and final weights over the wire, then evaluate them."""
    # deferred: loads torch (~2 s); keeps this path light
    from assay.repro.data import load_dataset
    from assay.repro.trainer import Trainer

    job = demo.net.actor("deployer").protocol.market.get_job(job_id)
    manifest_hash, peers = parse_uri(job.artifact_uri)
    client = BlobClient(peers, LocalStore(demo.work / "stores" / "submitter"), timeout=10)
    manifest = json.loads(client.fetch(str(manifest_hash)).read_bytes())
    model = client.fetch(manifest["final_weights"])
    spec = load_spec(demo.job_file)
    trainer = Trainer(spec, load_dataset(spec.data, int(spec.training.seed)))
    trainer.resume(model)
    return model, float(trainer.evaluate())


def cheating(demo: Demo, report: dict[str, Any], spec_peer: str) -> None:
    p = demo.net.actor("deployer").protocol
    names = ("submitter", "solver2", "verifier1", "referee", "referee2")
    title = "b. a cheating solver is caught"
    with scenario(demo, "cheating", title, names, report) as e:
        demo.agent("solver", "solver2", "--cheat-from", f"{CHEAT_STEP}:{CHEAT_OP}")
        _note(
            f"solver2 runs `assay solver run --cheat-from {CHEAT_STEP}:{CHEAT_OP}`: its trace is "
            f"wrong from step {CHEAT_STEP}, operator {CHEAT_OP}; verifier2 is offline"
        )
        job_id = post_job(demo, demo.work / "stores" / "submitter", spec_peer)
        e["job_id"] = int(job_id)
        _say(f"submitter posted job {job_id}")
        demo.wait(lambda: p.market.job_status(job_id) == JobStatus.SUBMITTED, "the result")
        _say("solver2 claimed, trained and submitted a result with a forged trace")
        v1 = demo.net.actor("verifier1").address
        demo.wait(lambda: int(p.game.game_of(job_id, v1)) != 0, "the challenge")
        game_id = p.game.game_of(job_id, v1)
        _say(f"verifier1's replay differs: it opened game {int(game_id)} (bond posted)")
        watch_game(demo, game_id, lambda: p.game.get_game(game_id).status.is_resolved, timeout=240)
        d = dispute_summary(demo, game_id)
        _say(
            f"the referees ruled on step {d['disputed_step']}, operator "
            f"{d['disputed_operator']}: {d['outcome'].upper().replace('_', ' ')}"
        )
        job = p.market.get_job(job_id)
        _say(f"job {job_id} is {job.status.name}; winning challenger verifier1")
        # A Failed job's reveal window opens at its challenge deadline at the earliest.
        deadline = load_job(p.market, job_id).reveal_deadline
        demo.advance(deadline + 1 - demo.now(), "the reveal window passes")
        demo.wait(lambda: p.market.get_job(job_id).solver_settled, "settlement")
        _say("settled: solver2's locked stake is slashed, verifier1 gets its bond back + reward")
        demo.stop("solver2")
        e.update(dispute_summary(demo, game_id))
        e["job_status"] = p.market.job_status(job_id).name.lower()


def honeypot(demo: Demo, report: dict[str, Any]) -> None:

    p = demo.net.actor("deployer").protocol
    names = ("whistleblower", "verifier1", "verifier2", "referee", "referee2")
    title = "c. a honeypot catches a lazy verifier"
    start = demo.net.node.w3.eth.block_number
    with scenario(demo, "honeypot", title, names, report) as e:
        demo.agent("verifier", "verifier2", "--lazy", label="verifier2-lazy")
        _note("verifier2 is back as `assay verifier run --lazy`: it attests to every job it is "
              "assigned without replaying it")  # fmt: skip
        demo.spawn(
            "whistleblower", "whistleblower", "run", "--dev-account", "whistleblower",
            "--template", str(demo.job_file), "--rate", "1", "--max-honeypots", "1",
            "--state-dir", str(demo.work / "agents" / "whistleblower"),
            "--store", str(demo.work / "stores" / "whistleblower"),
            "--interval", "0.2", "--min-credit", "0",
        )  # fmt: skip
        _note("`assay whistleblower run` plants a honeypot; the planted error stays secret")
        count = p.market.job_count()
        demo.wait(lambda: p.market.job_count() > count, "the honeypot")
        wb_address = demo.net.actor("whistleblower").address
        job_id = JobId(p.market.job_count())  # nobody else posts during this journey
        e["job_id"] = int(job_id)
        submitter = p.market.get_job(job_id).submitter
        _say(f"the whistleblower posted job {job_id} from a fresh account {submitter}, funded "
             "just before: to everyone else an ordinary job")  # fmt: skip
        demo.wait(lambda: p.market.job_status(job_id) == JobStatus.SUBMITTED, "the result")
        solver = p.market.get_job(job_id).solver
        _say(f"its embedded solver, another fresh account ({solver}), submitted a result wrong "
             "on purpose (sealed tag committed)")  # fmt: skip
        me = demo.net.actor("verifier2").address

        def lazy_attested() -> bool:
            return any(a.verifier == me and a.attested for a in p.market.assignments(job_id))

        demo.wait(lazy_attested, "the lazy attestation")
        _say("verifier2 (lazy) attested without replaying anything")
        demo.stop("verifier2-lazy")
        v1 = demo.net.actor("verifier1").address
        demo.wait(lambda: int(p.game.game_of(job_id, v1)) != 0, "the challenge")
        game_id = p.game.game_of(job_id, v1)
        _say(f"verifier1 (diligent) replayed, found the error and opened game {int(game_id)}")
        watch_game(demo, game_id, lambda: p.game.get_game(game_id).status.is_resolved, timeout=240)
        d = dispute_summary(demo, game_id)
        _say(f"verifier1 won: the forced error was at step {d['disputed_step']}, operator "
             f"{d['disputed_operator']} of {d['n_ops']}: the step's end state")  # fmt: skip
        job = p.market.get_job(job_id)
        now = demo.now()
        demo.advance(max(job.challenge_deadline - now, 0) + 1,
                     "the honeypot's challenge window closes (a reveal waits for it)")  # fmt: skip
        demo.wait(lambda: p.registry.revealed(job_id), "the reveal")
        _say("the whistleblower revealed the honeypot (its salt opens the sealed tag); the jackpot "
             "pool paid the honeypot's tax back to its submitter")  # fmt: skip
        swept = sweep_honeypot_accounts(demo, submitter, solver)
        demo.stop("whistleblower")
        rep = audit(p, whistleblower=demo.net.actor("whistleblower").address, from_block=start)
        console.print(rep.table(), soft_wrap=True, markup=False, highlight=False)
        h = next(x for x in rep.honeypots if x.job_id == job_id)
        outcomes = {o.verifier: o for o in h.verifiers}
        e.update(d)
        e.update(
            outcome="caught" if h.winning_challenger == v1 else "missed",
            jackpot=h.jackpot,
            verifier_outcomes={
                n: {
                    "outcome": outcomes[a].outcome,
                    "slashed": outcomes[a].slashed,
                    "jackpot": outcomes[a].jackpot,
                }
                for n, a in (("verifier1", v1), ("verifier2", me))
                if a in outcomes
            },
            honeypot_solver_slashed=h.solver_slashed,
            honeypot_accounts={"submitter": submitter, "solver": solver},
            posted_by_whistleblower=wb_address in (submitter, solver),
            honeypot_tax=p.market.get_job(job_id).tax,
            honeypot_cost=h.cost,
            reimbursed=h.reimbursed,
            accounts_swept=swept,
        )


def sweep_honeypot_accounts(demo: Demo, submitter: str, solver: str) -> bool:
    """Let the whistleblower empty the honeypot's accounts into its own; True once both are."""
    p = demo.net.actor("deployer").protocol
    w3 = demo.net.node.w3

    def unbonding() -> bool:
        return p.stakes.stake_of(solver, Role.SOLVER).pending_withdrawal > 0

    demo.wait(lambda: p.stakes.credit_of(submitter) == 0 and unbonding(), "the honeypot's refund")
    _say("the whistleblower claimed the submitter's refund and reimbursement, and unbonds the "
         "honeypot solver's stake")  # fmt: skip
    stake = p.stakes.stake_of(solver, Role.SOLVER)
    now = chain_now(w3)
    demo.advance(max(stake.withdrawable_at - now, 0) + 1, "past the solver stake's unbonding delay")

    def empty(account: str) -> bool:
        balance = int(w3.eth.get_balance(account))  # type: ignore[arg-type]
        return p.stakes.credit_of(account) == 0 and balance < 10**15  # dust: the sweep's gas

    def swept() -> bool:
        gone = p.stakes.stake_of(solver, Role.SOLVER).amount == 0
        return gone and empty(solver) and empty(submitter)

    demo.wait(swept, "the sweep")
    _say("both honeypot accounts are empty again: what was left came back to the whistleblower")
    return True


# ---------------------------------------------------------------------------- checks


def check(report: dict[str, Any]) -> list[str]:
    """What differs from the expected outcomes (empty: all as expected)."""
    bad: list[str] = []
    a, b, c = (report.get(k, {}) for k in ("honest", "cheating", "honeypot"))
    if a.get("outcome") != "finalized":
        bad.append(f"honest job: {a.get('outcome')} (expected finalized)")
    if b.get("outcome") != "challenger_won" or b.get("job_status") != "failed":
        bad.append(f"cheating job: {b.get('outcome')}/{b.get('job_status')} (expected the "
                   "challenger to win and the job to fail)")  # fmt: skip
    else:
        bal = b["balances"]["solver2"]
        if bal["after"]["stake"] >= bal["before"]["stake"]:
            bad.append("cheating job: the solver was not slashed")
    outcomes = c.get("verifier_outcomes", {})
    if c.get("outcome") != "caught":
        bad.append(f"honeypot: {c.get('outcome')} (expected caught by verifier1)")
    if outcomes.get("verifier2", {}).get("outcome") != "attested" or not outcomes.get(
        "verifier2", {}
    ).get("slashed"):
        bad.append("honeypot: the lazy verifier2 was not slashed")
    if not outcomes.get("verifier1", {}).get("jackpot"):
        bad.append("honeypot: verifier1 got no jackpot")
    if c.get("disputed_operator") != c.get("n_ops"):
        bad.append(f"honeypot: ruled at operator {c.get('disputed_operator')}, not at the end "
                   f"state {c.get('n_ops')} (a reveal needs an end-state ruling)")  # fmt: skip
    if c.get("posted_by_whistleblower", True):
        bad.append("honeypot: posted or solved by the whistleblower's own account (recognisable)")
    if not c.get("honeypot_tax") or c.get("reimbursed") != c.get("honeypot_tax"):
        bad.append("honeypot: the reveal did not pay the honeypot's tax back")
    if not c.get("accounts_swept"):
        bad.append("honeypot: the honeypot's accounts were not swept back")
    return bad


def run(out: Path, steps: int, workdir: Path | None) -> dict[str, Any]:

    work = workdir or Path(tempfile.mkdtemp(prefix="assay-demo-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"steps": steps, "workdir": str(work)}
    console.rule("[bold]Assay demo: three journeys on a fresh devnet")
    t0 = time.monotonic()
    with Devnet(deployment_file=work / "deployment.json") as net:
        d = net.deployment
        assert d is not None
        net.stake_defaults()
        _say(f"devnet up at {net.node.url} (chain {d.chain_id}); protocol deployed")
        _note("staked: solver, solver2 3 ETH; verifier1, verifier2, referee, referee2 2 ETH; "
              "whistleblower 1 ETH")  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
        env.update(
            ASSAY_RPC_URL=net.node.url,
            ASSAY_DEPLOYMENT=str(net.deployment_file),
            ASSAY_LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            COLUMNS="200",
        )
        demo = Demo(net, work, job_file(work, steps), env)
        try:
            # Every agent starts now (imports overlap): they find work as jobs appear.
            demo.agent("solver", "solver")
            demo.agent("verifier", "verifier1")
            demo.agent("verifier", "verifier2")
            demo.agent("referee", "referee")
            demo.agent("referee", "referee2")
            _say(
                "agents started as processes: `assay solver run` (solver), `assay verifier run` "
                "(verifier1, verifier2), `assay referee run` (referee, referee2)"
            )
            _note(f"logs: {work / 'logs'}")
            with BlobServer(LocalStore(work / "stores" / "submitter")) as spec_peer:
                honest(demo, report, spec_peer.endpoint)
                cheating(demo, report, spec_peer.endpoint)
            honeypot(demo, report)
        finally:
            demo.stop_all()
    report["seconds"] = round(time.monotonic() - t0, 1)
    report["problems"] = check(report)
    out.write_text(json.dumps(report, indent=2, sort_keys=True, default=str) + "\n")
    return report


def summary(report: dict[str, Any]) -> None:
    t = Table("journey", "job", "outcome", "rounds (ph. 1 / 2)", "disputed step · op",
              title="demo summary")  # fmt: skip
    for key in ("honest", "cheating", "honeypot"):
        e = report.get(key, {})
        r = e.get("rounds_per_phase") or {}
        rounds = f"{r.get('phase1_step_bisection', 0)} / {r.get('phase2_op_bisection', 0)}"
        step = e.get("disputed_step")
        where = "-" if step is None else f"{step} · {e.get('disputed_operator')}"
        t.add_row(key, str(e.get("job_id", "-")), str(e.get("outcome")),
                  rounds if step is not None else "-", where)  # fmt: skip
    console.print(t)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assay.cli.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo-report.json"))
    parser.add_argument("--steps", type=int, default=30, help="training steps of the demo job")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs, stores)")
    args = parser.parse_args(argv)
    configure_logging("WARNING")
    try:
        report = run(args.out, args.steps, args.workdir)
    except AssayError as exc:
        console.print("[bold red]demo failed:[/]")
        console.print(str(exc), soft_wrap=True, markup=False)
        return 1
    summary(report)
    console.print(f"report: {args.out}  ({report['seconds']} s)")
    if not args.keep and args.workdir is None:
        shutil.rmtree(report["workdir"], ignore_errors=True)
    if report["problems"]:
        for problem in report["problems"]:
            console.print(f"[bold red]unexpected:[/] {problem}")
        return 1
    console.rule("[bold green]all three journeys ended as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
