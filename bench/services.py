"""`make bench` (services part): the indexer's throughput and the API's latency at 10,000 jobs.

`python -m bench.services [--jobs N] [--requests N] [--concurrency C] [--json PATH]`:

1. a fresh anvil devnet; N jobs posted and half of them claimed (real transactions through
   the real contracts, sent to anvil's unlocked dev accounts);
2. the indexer indexes the whole range into SQLite and into PostgreSQL (a fresh database on
   the machine's server): events per second, same chain, same run;
3. `assay api` runs as a separate process on loopback over each database, and this process
   loads it from C threads: the job list (first page and filtered pages) and job detail
   (random ids); requests per second and p50/p99 latency per route and database.

PostgreSQL comes from $ASSAY_BENCH_POSTGRES_URL (default: the local server, database `test`,
used only to create and drop a scratch database).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, select
from web3.exceptions import TransactionNotFound

from assay.chain.devnet import Devnet
from assay.logs import configure
from assay.protocol.types import Role, StateHash
from services.db import upgrade
from services.db.models import Job
from services.db.session import make_engine, make_session_factory
from services.indexer.indexer import Indexer, IndexerConfig

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


# ------------------------------------------------------------------------------ the chain


def post_jobs(net: Any, jobs: int, chunk: int = 100) -> int:
    """Post `jobs` jobs (half claimed) through unlocked dev accounts; returns the tx count.

    Transactions go out `chunk` at a time and are mined together, as many per block as its gas
    limit allows (one block per transaction makes anvil slower with every block); every
    receipt is checked (a revert must not go unnoticed).
    """

    w3 = net.node.w3
    claims = (jobs + 1) // 2
    solver_protocol = net.actor("solver").protocol
    per_claim = solver_protocol.market.params().solverStake
    solver_protocol.stakes.deposit(Role.SOLVER, claims * per_claim)
    market = net.actor("submitter").protocol.market.contract
    submitter = net.actor("submitter").address
    solver = net.actor("solver").address
    h = StateHash(b"\x11" * 32)
    first = int(market.functions.jobCount().call()) + 1
    txs: list[dict[str, Any]] = []
    for i in range(jobs):
        call = market.functions.postJob(b"\x22" * 32, f"file://bench-{i}.toml", 100, b"\x33" * 32,
                                        64, bytes(h))  # fmt: skip
        txs.append({"from": submitter, "to": market.address, "value": 10**16, "gas": 400_000,
                    "data": call._encode_transaction_data()})  # fmt: skip
    for job_id in range(first, first + jobs, 2):
        data = market.functions.claimJob(job_id)._encode_transaction_data()
        txs.append({"from": solver, "to": market.address, "data": data, "gas": 400_000})
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        for start in range(0, len(txs), chunk):
            hashes = [w3.eth.send_transaction(tx) for tx in txs[start : start + chunk]]
            for tx_hash in hashes:
                receipt = None
                while receipt is None:  # a block holds what its gas limit allows: mine on
                    try:
                        receipt = w3.eth.get_transaction_receipt(tx_hash)
                    except TransactionNotFound:
                        w3.provider.make_request("evm_mine", [])
                if receipt["status"] != 1:
                    raise RuntimeError(f"benchmark transaction {tx_hash.to_0x_hex()} reverted")
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    if int(market.functions.jobCount().call()) != first + jobs - 1:
        raise RuntimeError("not every benchmark job was posted")
    return len(txs)


# ------------------------------------------------------------------------------ databases


@contextmanager
def postgres_database() -> Iterator[str]:
    """A scratch PostgreSQL database (created, then dropped); yields its psycopg URL."""

    admin = os.environ.get("ASSAY_BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL)
    name = f"assay_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def index_all(net: Any, url: str) -> dict[str, float]:
    """Index the devnet from its deployment block into `url`; events/s of the indexer."""

    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    assert net.deployment is not None
    indexer = Indexer(net.node.w3, net.deployment, sessions, IndexerConfig(batch_blocks=2000))
    t0 = time.perf_counter()
    indexer.run(threading.Event(), until_idle=1, interval=0.0)
    seconds = time.perf_counter() - t0

    with sessions() as s:
        jobs = int(s.execute(select(func.count()).select_from(Job)).scalar_one())
    events = _event_count(net)
    engine.dispose()
    return {"seconds": seconds, "events": events, "events_per_s": events / seconds, "jobs": jobs}


def _event_count(net: Any) -> int:
    d = net.deployment
    addresses = [d.job_market, d.stake_manager, d.dispute_game, d.referee_court,
                 d.forced_error_registry]  # fmt: skip
    logs = net.node.w3.eth.get_logs({"fromBlock": d.block_number, "toBlock": "latest",
                                     "address": addresses})  # fmt: skip
    return len(logs)


# ------------------------------------------------------------------------------ the API


@contextmanager
def api_process(url: str, port: int) -> Iterator[str]:
    """`assay api` over `url` on 127.0.0.1:`port`; yields its base URL once /readyz answers."""

    env = {**os.environ, "ASSAY_DATABASE_URL": url, "ASSAY_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assay.cli.main", "api", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"assay api exited with {proc.returncode}: {err[-2000:]}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("assay api did not become ready within 60 s")
            threading.Event().wait(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def load(
    base: str, paths: Callable[[random.Random], str], requests: int, threads: int
) -> dict[str, float]:
    """`requests` GETs from `threads` threads (keep-alive clients); latency percentiles, rate."""

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_thread = requests // threads

    def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        mine: list[float] = []
        bad = 0
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(per_thread):
                t0 = time.perf_counter()
                r = client.get(paths(rng))
                mine.append(time.perf_counter() - t0)
                bad += r.status_code != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / wall,
            "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}  # fmt: skip


def bench_api(url: str, jobs: int, requests: int, threads: int, port: int) -> dict[str, Any]:
    statuses = ["open", "claimed"]
    routes: dict[str, Callable[[random.Random], str]] = {
        "GET /v1/jobs (first page, 50)": lambda rng: "/v1/jobs?limit=50",
        "GET /v1/jobs?status=… (50)": lambda rng: (
            f"/v1/jobs?limit=50&status={rng.choice(statuses)}"
        ),
        "GET /v1/jobs/{id}": lambda rng: f"/v1/jobs/{rng.randint(1, jobs)}",
    }
    with api_process(url, port) as base:
        for fn in routes.values():  # warm up: connections, caches, the first query plans
            load(base, fn, threads * 5, threads)
        return {name: load(base, fn, requests, threads) for name, fn in routes.items()}


# ------------------------------------------------------------------------------ main


def run(jobs: int, requests: int, threads: int, tmp: Path) -> dict[str, Any]:

    result: dict[str, Any] = {"jobs": jobs, "requests": requests, "threads": threads}
    with Devnet() as net:
        net.stake_defaults()
        t0 = time.perf_counter()
        result["transactions"] = post_jobs(net, jobs)
        result["chain_setup_s"] = time.perf_counter() - t0
        sqlite_url = f"sqlite:///{tmp / 'bench.db'}"
        result["indexer"] = {"sqlite": index_all(net, sqlite_url)}
        with postgres_database() as pg_url:
            result["indexer"]["postgresql"] = index_all(net, pg_url)
            result["api"] = {
                "sqlite": bench_api(sqlite_url, jobs, requests, threads, 18731),
                "postgresql": bench_api(pg_url, jobs, requests, threads, 18732),
            }
    return result


def report(r: dict[str, Any]) -> str:
    lines = [
        f"{r['jobs']:,} jobs posted ({r['transactions']:,} transactions) on a devnet, indexed, "
        f"then served by `assay api` (separate process, loopback), {r['threads']} client threads",
        "",
        "| indexer into | events | seconds | events/s |",
        "|---|---:|---:|---:|",
    ]
    for db, x in r["indexer"].items():
        lines.append(f"| {db} | {x['events']:,} | {x['seconds']:.2f} | {x['events_per_s']:,.0f} |")
    lines += [
        "",
        "| route | database | req/s | p50 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for db, routes in r["api"].items():
        for route, x in routes.items():
            lines.append(f"| {route} | {db} | {x['rps']:,.0f} | {x['p50_ms']:.1f} | "
                         f"{x['p99_ms']:.1f} | {x['errors']} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.services", description=__doc__)
    ap.add_argument("--jobs", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=2_000, help="per route and database")
    ap.add_argument("--concurrency", type=int, default=8, help="client threads")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    configure(level="warning")
    with tempfile.TemporaryDirectory(prefix="assay-bench-services-") as tmp:
        r = run(args.jobs, args.requests, args.concurrency, Path(tmp))
    print(report(r))
    if args.json:
        args.json.write_text(json.dumps(r, indent=2))
    errors = sum(x["errors"] for routes in r["api"].values() for x in routes.values())
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
