"""`assay dispute …`: a bisection game as it stands on chain, and the games of a job."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from assay.cli.context import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_RPC_URL,
    Chain,
    ChainOptions,
    DeploymentFile,
    DevAccount,
    KeystoreFile,
    RpcUrl,
    connect,
    fail,
)
from assay.cli.explain import explained
from assay.cli.output import JsonFlag, amount, console, emit_json
from assay.cli.units import format_duration, format_time, format_wei
from assay.protocol.records import Game, Job
from assay.protocol.types import GameId, GameStatus, JobId, Party

dispute_app = typer.Typer(no_args_is_help=True, help="Inspect dispute (bisection) games.")

PHASES: dict[GameStatus, str] = {
    GameStatus.STEP_BISECTION: "step bisection (phase 1: which training step)",
    GameStatus.AWAITING_OP_TRACE: "awaiting the solver's op trace (phase 2)",
    GameStatus.OP_BISECTION: "operator bisection (phase 2: which operator of the step)",
    GameStatus.ADJUDICATING: "adjudicating (phase 3: referees recompute one operator)",
    GameStatus.CHALLENGER_WON: "resolved: the challenger won",
    GameStatus.SOLVER_WON: "resolved: the solver won",
}
MOVING = (GameStatus.STEP_BISECTION, GameStatus.AWAITING_OP_TRACE, GameStatus.OP_BISECTION)


def games_of_job(chain: Chain, job_id: JobId) -> list[GameId]:
    """Ids of every game opened against a job (from GameStarted events), oldest first."""
    event = chain.protocol.game.contract.events.GameStarted
    logs = event.get_logs(
        from_block=chain.deployment.block_number, argument_filters={"jobId": int(job_id)}
    )
    return sorted({GameId(int(log["args"]["gameId"])) for log in logs})


def resolution_reason(chain: Chain, game_id: GameId) -> str | None:
    """The reason string the game was resolved with, if it was."""
    event = chain.protocol.game.contract.events.GameResolved
    logs = event.get_logs(
        from_block=chain.deployment.block_number, argument_filters={"gameId": int(game_id)}
    )
    return str(logs[-1]["args"]["reason"]) if logs else None


def _interval(g: Game) -> str:
    if g.status == GameStatus.STEP_BISECTION or (g.step == 0 and g.status in MOVING):
        return f"({g.lo}, {g.hi}) over training steps"
    if g.status == GameStatus.AWAITING_OP_TRACE:
        return f"step {g.step} isolated (steps {g.lo}..{g.hi})"
    return f"({g.lo}, {g.hi}) over the operators of step {g.step}"


def _whose_move(chain: Chain, g: Game) -> str:
    if g.status == GameStatus.ADJUDICATING:
        return "the referees' (committee vote)"
    if g.status not in MOVING:
        return "nobody's (resolved)"
    if g.turn == Party.SOLVER:
        what = "commit the op trace" if g.status == GameStatus.AWAITING_OP_TRACE else "open"
        positions = chain.protocol.game.next_positions(g.game_id) if what == "open" else []
        at = f" positions {', '.join(map(str, positions))}" if positions else ""
        return f"the solver's ({g.solver}): {what}{at}"
    return f"the challenger's ({g.challenger}): agree or dispute the openings"


def _rounds_bound(chain: Chain, g: Game, job: Job) -> int:
    n_ops = g.n_ops or job.ops_per_step
    return chain.protocol.game.max_rounds(job.steps, n_ops, job.params.bisectionArity)


@dispute_app.command("show")
def show(
    game_id: Annotated[
        int, typer.Argument(metavar="GAME_ID", help="the game id (see `assay dispute list`)")
    ],
    as_json: JsonFlag = False,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """Show a dispute game: phase, interval and hashes, whose move, clocks, rounds, outcome.

    Example: assay dispute show 1 --json
    """
    with explained():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account), signing=False)
        game = chain.protocol.game
        if not 0 < game_id <= game.game_count():
            fail(
                f"no dispute game {game_id} on this deployment",
                "list a job's games with `assay dispute list --job ID`",
            )
        g = game.get_game(GameId(game_id))
        job = chain.protocol.market.get_job(g.job_id)
        if as_json:
            emit_json(_game_document(chain, g, job))
            return
        lines = [
            f"game {g.game_id} on job {g.job_id}: {PHASES.get(g.status, g.status.name)}",
            f"challenger:   {g.challenger}",
            f"solver:       {g.solver}",
            f"bond:         {format_wei(g.bond)}",
            f"interval:     {_interval(g)}",
        ]
        letter = "h" if g.status == GameStatus.STEP_BISECTION or g.step == 0 else "r"
        lines += [
            f"  agreed      {letter}_{g.lo} = {g.lo_hash.to_hex()}",
            f"  disputed    {letter}_{g.hi} = {g.hi_hash.to_hex()}",
        ]
        if not g.op_root.is_zero:
            lines.append(f"op root:      {g.op_root.to_hex()} ({g.n_ops} operators)")
        lines.append(f"move:         {_whose_move(chain, g)}")
        if g.status in MOVING:
            clocks = game.clocks(g.game_id)
            running = "solver" if g.turn == Party.SOLVER else "challenger"
            lines.append(
                f"clocks:       solver {format_duration(clocks.solver)} left, challenger "
                f"{format_duration(clocks.challenger)} left ({running}'s is running)"
            )
        bound = _rounds_bound(chain, g, job)
        basis = "maxRounds"
        lines.append(f"rounds:       {g.rounds} played of at most {bound} ({basis})")
        if g.request_id:
            lines += _adjudication_lines(chain, g)
        if g.status.is_resolved:
            reason = resolution_reason(chain, g.game_id)
            why = f" ({reason})" if reason else ""
            lines.append(f"outcome:      {g.status.name.lower()}{why}")
    for line in lines:
        console.print(line, soft_wrap=True, markup=False)


def _game_document(chain: Chain, g: Game, job: Job) -> dict[str, Any]:
    """`dispute show --json`: the game's fields (docs/cli.md, "JSON output")."""
    clocks = chain.protocol.game.clocks(g.game_id) if g.status in MOVING else None
    doc: dict[str, Any] = {
        "game_id": int(g.game_id),
        "job_id": int(g.job_id),
        "phase": g.status.name.lower(),
        "challenger": g.challenger,
        "solver": g.solver,
        **amount("bond", g.bond),
        "lo": g.lo,
        "hi": g.hi,
        "step": int(g.step),
        "lo_hash": g.lo_hash.to_hex(),
        "hi_hash": g.hi_hash.to_hex(),
        "op_root": None if g.op_root.is_zero else g.op_root.to_hex(),
        "n_ops": g.n_ops,
        "turn": g.turn.name.lower() if g.status in MOVING else None,
        "solver_clock_s": clocks.solver if clocks else None,
        "challenger_clock_s": clocks.challenger if clocks else None,
        "rounds": g.rounds,
        "max_rounds": _rounds_bound(chain, g, job),
        "outcome": resolution_reason(chain, g.game_id) if g.status.is_resolved else None,
        "adjudication": None,
    }
    if g.request_id:
        req = chain.protocol.court.get_request(g.request_id)
        doc["adjudication"] = {
            "request_id": int(req.request_id),
            "step": int(req.step),
            "op_index": int(req.op_index),
            "round": req.round,
            "votes": req.votes,
            "committee_size": req.committee_size,
            "resolved": req.resolved,
            "decision": req.decision.to_hex() if req.resolved else None,
        }
    return doc


def _adjudication_lines(chain: Chain, g: Game) -> list[str]:
    court = chain.protocol.court
    req = court.get_request(g.request_id)
    now = chain.now()
    lines = [
        f"adjudication: request {req.request_id}, operator {req.op_index} of step {req.step}, "
        f"committee round {req.round}",
        f"  input       {req.input.to_hex()}",
        f"  solver says {req.claimed_output.to_hex()}",
    ]
    if not req.resolved and req.awaiting_draw:
        lines.append(
            f"  committee   awaiting its draw (seeded by block {req.draw_block}; "
            "anyone can send drawCommittee from the next block)"
        )
        return lines
    lines.append(
        f"  votes       {req.votes} of {req.committee_size}, deadline "
        f"{format_time(req.deadline, now)}"
    )
    if not req.resolved:
        for member in court.committee(req.request_id):
            vote = court.vote_of(req.request_id, member)
            said = "not voted" if vote.is_zero else vote.to_hex()
            lines.append(f"  referee     {member}: {said}")
    else:
        lines.append(f"  decision    {req.decision.to_hex()}")
    return lines


@dispute_app.command("list")
def list_games(
    job: Annotated[
        int, typer.Option("--job", metavar="JOB_ID", help="the job whose games to list")
    ],
    as_json: JsonFlag = False,
    rpc_url: RpcUrl = DEFAULT_RPC_URL,
    deployment: DeploymentFile = DEFAULT_DEPLOYMENT,
    keystore: KeystoreFile = None,
    dev_account: DevAccount = None,
) -> None:
    """List the dispute games opened against a job.

    Example: assay dispute list --job 3
    """
    with explained():
        chain = connect(ChainOptions(rpc_url, deployment, keystore, dev_account), signing=False)
        chain.protocol.market.get_job(JobId(job))  # UnknownJob if there is none
        games = [chain.protocol.game.get_game(i) for i in games_of_job(chain, JobId(job))]
    if as_json:
        emit_json(
            {
                "job_id": job,
                "games": [
                    {
                        "game_id": int(g.game_id),
                        "challenger": g.challenger,
                        "phase": g.status.name.lower(),
                        "lo": g.lo,
                        "hi": g.hi,
                        "step": int(g.step),
                        "rounds": g.rounds,
                        "turn": g.turn.name.lower() if g.status in MOVING else None,
                    }
                    for g in games
                ],
            }
        )
        return
    if not games:
        console.print(f"job {job} has no dispute games")
        return
    table = Table(title=f"games of job {job}")
    table.add_column("game")
    table.add_column("challenger", no_wrap=True, min_width=42)
    for column in ("phase", "interval", "rounds", "turn"):
        table.add_column(column)
    for g in games:
        table.add_row(
            str(g.game_id),
            g.challenger,
            g.status.name.lower(),
            f"({g.lo}, {g.hi})" + (f" step {g.step}" if g.step else ""),
            str(g.rounds),
            g.turn.name.lower() if g.status in MOVING else "-",
        )
    console.print(table)
