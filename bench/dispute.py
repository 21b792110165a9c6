"""`make bench` (agents part): a dispute on the devnet, phase by phase, and what each role pays.

`python -m bench.dispute [--json PATH] [--steps T] [--segments K]` runs, in-process on a
fresh anvil devnet with the real contracts and agents (one InlineRunner, agents ticked in turn):

1. a digits-MLP job of T steps whose solver commits a wrong trace from the middle step on
   (the devnet cheat of `assay solver run --cheat-from`), a replaying verifier, two referees;
2. times each phase (training, replay, step bisection, op-trace commit, op bisection,
   adjudication) and sums the gas of every transaction of the game from its receipts;
3. measures, in the same process, the referee's one-operator recompute (shape derivation,
   fetch + checks, the operator itself) against training the whole job, and a verifier's
   full and sampled replays against training.

Ratios are against baselines measured in the same run (this machine is noisy).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hexbytes import HexBytes

from assay.agents.base import AgentConfig
from assay.agents.manifest import ManifestPublisher
from assay.agents.opinputs import (
    Agreed,
    ShapeTracer,
    check_inputs,
    load_bundle,
    load_tensors,
    op_inputs_name,
    recompute_leaf,
)
from assay.agents.runner import InlineRunner
from assay.agents.work import MappingSpecSource, step_trace, train_trace
from assay.chain.devnet import Devnet
from assay.logs import configure
from assay.net.blobs import BlobClient, BlobServer
from assay.net.uri import parse_uri
from assay.protocol.canonical import spec_hash
from assay.protocol.types import GameStatus, JobId, JobStatus
from assay.repro.data import load_dataset
from assay.repro.graph import graph_hash, ops_per_step
from assay.repro.tracer import replay_op
from assay.store import LocalStore
from bench import digits_mlp
from referee.agent import RefereeAgent
from referee.peer import PeerRecompute
from referee.recompute import replay_recompute
from solver.agent import SolverAgent
from solver.cheats import cheat_hooks
from verifier.agent import VerifierAgent
from verifier.sampling import ReplayPolicy, sampled_replay

BUDGET = 10**18 // 2


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _median_time(fn: Callable[[], Any], reps: int) -> float:
    return statistics.median(_timed(fn)[0] for _ in range(reps))


def bench_dispute(steps: int = 16, segments: int = 2, reps: int = 3) -> dict[str, Any]:
    """One full dispute on the devnet plus the per-role compute measurements."""

    spec = digits_mlp(steps)
    data = load_dataset(spec.data, int(spec.training.seed))
    specs = MappingSpecSource({spec_hash(spec): spec})
    cheat_step = steps // 2 + 1
    tmp = Path(tempfile.mkdtemp(prefix="assay-bench-dispute-"))
    honest_dir = tmp / "honest"
    honest = train_trace(spec, honest_dir)  # also warms up torch and the data
    t_train = _median_time(lambda: train_trace(spec, Path(tempfile.mkdtemp(dir=tmp))), reps)
    n_ops = len(step_trace(spec, honest_dir, cheat_step)[0].records)
    cheat_op = n_ops // 2

    with Devnet() as net:
        net.stake_defaults()
        assert net.deployment is not None
        p = net.actor("deployer").protocol
        runner = InlineRunner()

        def config(name: str) -> AgentConfig:
            assert net.deployment is not None
            return AgentConfig(tmp / name / "cursor.json", tmp / name / "work",
                               start_block=net.deployment.block_number, min_credit=0)  # fmt: skip

        solver_store = LocalStore(tmp / "solver-store")
        with BlobServer(solver_store) as server:
            steps_hook, ops_hook = cheat_hooks(cheat_step, cheat_op)
            solver = SolverAgent(
                net.actor("solver").protocol, specs, config("solver"), runner=runner,
                publish=ManifestPublisher(solver_store, [server.endpoint]),
                op_inputs_store=solver_store, steps_hook=steps_hook, ops_hook=ops_hook,
            )  # fmt: skip
            verifier = VerifierAgent(
                net.actor("verifier1").protocol, specs, config("verifier1"), runner=runner
            )
            recomputes = []
            referees = []
            for name in ("referee", "referee2"):
                fallback = replay_recompute(specs, tmp / name / "replay")
                rc = PeerRecompute(specs, LocalStore(tmp / name / "store"), p.game.get_game,
                                   fallback)  # fmt: skip
                recomputes.append(rc)
                actor = net.actor(name).protocol
                referee = RefereeAgent(actor, specs, config(name), runner=runner, recompute=rc)
                referees.append(referee)
            agents = [solver, verifier, *referees]
            job_id = net.actor("submitter").protocol.market.post_job(
                spec_hash=spec_hash(spec), spec_uri="file://digits-mlp.toml", steps=steps,
                graph_hash=graph_hash(spec, data), ops_per_step=ops_per_step(spec, data),
                initial_state=honest[0], budget_wei=BUDGET,
            )  # fmt: skip
            marks: dict[str, float] = {"posted": time.perf_counter()}
            me = net.actor("verifier1").address

            def status() -> str:
                job = p.market.job_status(JobId(job_id))
                gid = p.game.game_of(JobId(job_id), me)
                if int(gid) == 0:
                    return "submitted" if job == JobStatus.SUBMITTED else "open"
                return GameStatus(p.game.get_game(gid).status).name.lower()

            for _ in range(400):
                if status() in ("challenger_won", "solver_won"):
                    break
                for a in agents:
                    a.tick()
                    marks.setdefault(status(), time.perf_counter())
            else:
                raise RuntimeError("the benchmark dispute did not resolve within 400 tick rounds")
            game_id = p.game.game_of(JobId(job_id), me)
            g = p.game.get_game(game_id)
            w3 = net.node.w3
            topic = "0x" + int(game_id).to_bytes(32, "big").hex()
            logs = w3.eth.get_logs({"address": p.game.address, "topics": [None, topic],
                                    "fromBlock": net.deployment.block_number})  # fmt: skip
            txs = {bytes(e["transactionHash"]) for e in logs}
            gas = sum(int(w3.eth.get_transaction_receipt(HexBytes(t))["gasUsed"]) for t in txs)

            # --- the referee's recompute, measured on its own (same process, after the game)
            request = p.court.get_request(g.request_id)
            job = p.market.get_job(JobId(job_id))
            t_tracer, tracer = _timed(lambda: ShapeTracer(spec, data))  # once per spec
            t_shape = _median_time(lambda: tracer.record(request.step, request.op_index), reps)
            expected = tracer.record(request.step, request.op_index)
            _, peers = parse_uri(job.artifact_uri)

            def fetch_and_check() -> dict[str, Any]:
                store = LocalStore(Path(tempfile.mkdtemp(dir=tmp)))
                client = BlobClient(peers, store)
                doc = load_bundle(client.fetch(client.resolve(
                    op_inputs_name(job_id, request.step, request.op_index))))  # fmt: skip
                tensors = load_tensors(client.fetch(doc["tensors"]))
                agreed = Agreed(request.input, request.step, request.op_index)
                return check_inputs(doc, tensors, expected, agreed)

            t_fetch = _median_time(fetch_and_check, reps)
            inputs = fetch_and_check()
            t_op = _median_time(lambda: replay_op(expected.record, dict(inputs)), max(reps, 20))
            leaf = recompute_leaf(expected, inputs, request.input)
            t_replay_ref = _median_time(
                lambda: replay_recompute(specs, Path(tempfile.mkdtemp(dir=tmp)))(request, job), 1
            )

            # --- verifier replay: full (= training) and sampled K segments
            def sampled() -> Any:
                store = LocalStore(Path(tempfile.mkdtemp(dir=tmp)))
                return sampled_replay(spec, job, store, ReplayPolicy.sampled(segments, seed=7))

            t_sampled, sample = _timed(sampled)

    phases = ["posted", "submitted", "step_bisection", "awaiting_op_trace", "op_bisection",
              "adjudicating", "challenger_won"]  # fmt: skip
    seen = [ph for ph in phases if ph in marks]
    walls = {f"{a} -> {b}": marks[b] - marks[a] for a, b in itertools.pairwise(seen)}
    return {
        "steps": steps,
        "ops_in_step": n_ops,
        "disputed": {
            "step": int(g.step),
            "op": int(g.hi),
            "n_ops": int(g.n_ops),
            "kernel": expected.record.op,
        },
        "outcome": GameStatus(g.status).name,
        "rounds": int(g.rounds),
        "game_txs": len(txs),
        "game_gas": gas,
        "phase_wall_s": walls,
        "referee_paths": {
            k: sum(rc.paths[k] for rc in recomputes) for k in ("op-inputs", "replay")
        },
        "referee_vote_matches_decision": leaf == request.decision,
        "train_job_s": t_train,
        "referee_shape_s": t_shape,
        "referee_tracer_setup_s": t_tracer,
        "referee_fetch_check_s": t_fetch,
        "referee_op_s": t_op,
        "referee_replay_fallback_s": t_replay_ref,
        "referee_fraction_of_job": (t_shape + t_op) / t_train,
        "referee_op_fraction_of_job": t_op / t_train,
        "one_over_T": 1 / steps,
        "verifier_full_s": t_train,
        "verifier_sampled_s": t_sampled,
        "sampled_segments": segments,
        "sampled_ok": bool(sample.ok),
        "sampled_trained_steps": int(sample.trained_steps),
    }


def report(r: dict[str, Any]) -> str:
    """Readable tables of one `bench_dispute` result."""
    lines = [
        f"Dispute on the devnet: digits-MLP, T = {r['steps']} steps, "
        f"{r['ops_in_step']} operators a step; disputed step {r['disputed']['step']}, "
        f"op {r['disputed']['op']} ({r['disputed']['kernel']}) of {r['disputed']['n_ops']}; "
        f"outcome {r['outcome']}",
        "",
        "| chain status change (first seen after an agent's tick) | wall s |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {v:.2f} |" for k, v in r["phase_wall_s"].items()]
    lines += [
        "",
        f"Game: {r['rounds']} rounds, {r['game_txs']} transactions, {r['game_gas']:,} gas "
        "(receipts' gasUsed, intrinsic gas included)",
        "",
        "| compute | s | fraction of training the job |",
        "|---|---:|---:|",
        f"| training the job (baseline) | {r['train_job_s']:.3f} | 1 |",
        f"| referee: model set-up, once per spec (ShapeTracer) | "
        f"{r['referee_tracer_setup_s']:.4f} | "
        f"{r['referee_tracer_setup_s'] / r['train_job_s']:.4f} |",
        f"| referee: record shape (step s up to op j) | {r['referee_shape_s']:.4f} | "
        f"{r['referee_shape_s'] / r['train_job_s']:.4f} |",
        f"| referee: the one operator (`replay_op`) | {r['referee_op_s']:.6f} | "
        f"{r['referee_op_fraction_of_job']:.6f} |",
        f"| referee: total compute (shape + op); goal <= 1/T = {r['one_over_T']:.4f} | "
        f"{r['referee_shape_s'] + r['referee_op_s']:.4f} | {r['referee_fraction_of_job']:.4f} |",
        f"| referee: fetch + checks over loopback (I/O, not compute) | "
        f"{r['referee_fetch_check_s']:.4f} | {r['referee_fetch_check_s'] / r['train_job_s']:.4f} |",
        f"| referee fallback: replay up to step s | {r['referee_replay_fallback_s']:.3f} | "
        f"{r['referee_replay_fallback_s'] / r['train_job_s']:.3f} |",
        "| verifier: full replay (= training the job) | — | 1 |",
        f"| verifier: sampled, K = {r['sampled_segments']} segments "
        f"({r['sampled_trained_steps']} steps trained) | {r['verifier_sampled_s']:.3f} | "
        f"{r['verifier_sampled_s'] / r['train_job_s']:.3f} |",
        "",
        f"Referee answers: {r['referee_paths']}; recomputed vote equals the court's decision: "
        f"{r['referee_vote_matches_decision']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.dispute", description=__doc__)
    ap.add_argument("--steps", type=int, default=16, help="training steps T of the job")
    ap.add_argument("--segments", type=int, default=2, help="K for the sampled replay")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of the small timings")
    ap.add_argument("--json", type=Path, help="also write the result here")
    args = ap.parse_args(argv)

    configure(level="warning")
    r = bench_dispute(args.steps, args.segments, args.reps)
    print(report(r))
    if args.json:
        args.json.write_text(json.dumps(r, indent=2, default=str))
    return 0 if r["outcome"] == "CHALLENGER_WON" else 1


if __name__ == "__main__":
    raise SystemExit(main())
