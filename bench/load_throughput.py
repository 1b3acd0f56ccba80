"""Load and write-back throughput: graphrisk beside the afternoon peer loader and the naive per-row Cypher.

All run against the same Neo4j in the same run (``NEO4J_URI``; ``make bench`` starts the
local one). graphrisk loads the whole file (read, validate, aggregate, write); the peer loader
(``bench/peer_loader.py``: pandas group-by, then ``UNWIND … MERGE`` in batches) loads the same
file; the naive loader writes a slice row by row, as a first script typically does. Then the scores of
every loaded user are written back with :func:`graphrisk.store.writeback.write_scores`,
beside a per-user ``SET`` on a slice. Prints rows per second for both and their ratios.

Usage::

    tools/with-neo4j .venv/bin/python bench/load_throughput.py [--transactions 1000000] [--naive-rows 20000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _common import commit, write_json
from peer_loader import peer_load

from graphrisk import build_graph
from graphrisk.rings import RING_COLUMNS
from graphrisk.store.config import Neo4jConfig
from graphrisk.store.loader import load_graph
from graphrisk.store.maintenance import clear_graph
from graphrisk.store.runner import Neo4jRunner, connect
from graphrisk.store.writeback import write_scores
from graphrisk.synth import WorldConfig, generate_world

NAIVE_QUERY = """
MERGE (u:User {user_id: $user_id})
MERGE (m:Merchant {merchant_id: $merchant_id})
MERGE (d:Device {device_id: $device_id})
MERGE (c:Card {card_id: $card_id})
MERGE (u)-[p:PAID]->(m) SET p.count = coalesce(p.count, 0) + 1, p.amount = coalesce(p.amount, 0) + $amount
MERGE (u)-[ud:USED]->(d) SET ud.count = coalesce(ud.count, 0) + 1
MERGE (u)-[uc:USED]->(c) SET uc.count = coalesce(uc.count, 0) + 1
"""


def make_transactions(n: int, *, users: int, seed: int = 7) -> pd.DataFrame:
    """A canonical transaction table: power-law merchants, 1-3 devices and 1-2 cards per user."""
    rng = np.random.default_rng(seed)
    merchants = max(users // 10, 10)
    user = rng.integers(0, users, n)
    popularity = 1.0 / np.arange(1, merchants + 1) ** 1.1
    merchant = rng.choice(merchants, n, p=popularity / popularity.sum())
    device = user * 3 + rng.integers(0, 1 + (user % 3), n)
    card = user * 2 + rng.integers(0, 1 + (user % 2), n)
    start = np.datetime64("2024-01-01T00:00:00")
    seconds = np.sort(rng.integers(0, 180 * 86_400, n))
    return pd.DataFrame({
        "transaction_id": np.char.add("t", np.arange(n).astype(str)),
        "timestamp": (start + seconds.astype("timedelta64[s]")).astype(str),
        "user_id": np.char.add("u", user.astype(str)),
        "amount": np.round(rng.lognormal(3.0, 1.0, n), 2),
        "merchant_id": np.char.add("m", merchant.astype(str)),
        "device_id": np.char.add("d", device.astype(str)),
        "card_id": np.char.add("c", card.astype(str)),
    })

NAIVE_SCORE_QUERY = """
MATCH (u:User {user_id: $user_id})
SET u.risk_score = $risk_score, u.flagged = $flagged, u.model_version = $model_version
"""


#: Generator settings for a world shaped like issue 17's (about 23 transactions and 8 merchant pairs per user).
ISSUE_17_WORLD = WorldConfig(transactions_per_user=22.0, users_per_merchant=400)


def bulk_cli(transactions: Path, links: Path | None, folder: Path, *, rows: int, link_rows: int) -> dict:
    """``graphrisk load --bulk`` as a user runs it, timed from the outside; the database must be empty.

    ``rows`` and ``link_rows`` are the files' data rows, for the record.
    """
    launcher = Path(__file__).resolve().parents[1] / "tools" / "neo4j-local" / "neo4j-local"
    importer = os.environ.get("GRAPHRISK_NEO4J_IMPORT") or f"{launcher} import --"
    command = [sys.executable, "-m", "graphrisk.cli.main", "load", "--bulk", "--importer", importer,
               "--transactions", str(transactions), "--no-progress", "--rejects", str(folder / "bulk-rejects.csv")]
    if links is not None:
        command += ["--links", str(links)]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    return {"seconds": time.perf_counter() - started, "transactions": rows, "links": link_rows}


def wipe(runner: Neo4jRunner) -> None:
    clear_graph(runner)


def naive_load(runner: Neo4jRunner, frame: pd.DataFrame) -> float:
    started = time.perf_counter()
    for row in frame.itertuples(index=False):
        runner.write(NAIVE_QUERY, {
            "user_id": row.user_id, "merchant_id": row.merchant_id, "device_id": row.device_id,
            "card_id": row.card_id, "amount": float(row.amount),
        })
    return time.perf_counter() - started


def random_scores(user_ids: pd.Series, seed: int) -> pd.DataFrame:
    """Scores as the detector writes them, without rings (their cost is per ring, not per user)."""
    risk = np.random.default_rng(seed).random(len(user_ids))
    return pd.DataFrame({"user_id": user_ids.astype(str).to_numpy(), "risk_score": risk, "flagged": risk > 0.98,
                         "ring_id": "", "reason_1": "shares a device with flagged users"})


def naive_score_write(runner: Neo4jRunner, scores: pd.DataFrame) -> float:
    started = time.perf_counter()
    for row in scores.itertuples(index=False):
        runner.write(NAIVE_SCORE_QUERY, {"user_id": row.user_id, "risk_score": float(row.risk_score),
                                         "flagged": bool(row.flagged), "model_version": "m-naive"})
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=None, help="default: transactions / 10")
    parser.add_argument("--input", metavar="CSV", default=None,
                        help="load this canonical transactions file instead of generating one (--transactions and "
                        "--users are then ignored), e.g. a world from `graphrisk generate`")
    parser.add_argument("--world-users", type=int, default=None, metavar="N",
                        help="load a world from graphrisk's generator instead (N users, about 23 transactions each, "
                        "few merchants: shaped like issue 17's hidden world), with its links for --bulk")
    parser.add_argument("--bulk", action="store_true",
                        help="also time `graphrisk load --bulk` (transactions and links) end to end, last, into the "
                        "emptied database (importer: $GRAPHRISK_NEO4J_IMPORT, else the local launcher's)")
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=50_000,
                        help="transactions loaded (then wiped) first, so both loaders meet a JIT-warm server, "
                        "as a long-running one would be; 0 to measure a cold server")
    parser.add_argument("--naive-score-rows", type=int, default=5_000)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (for bench/suite.py)")
    args = parser.parse_args()
    users = args.users or max(args.transactions // 10, 10)

    links, link_rows = None, 0
    with tempfile.TemporaryDirectory() as folder:
        if args.world_users:
            world = generate_world(args.world_users, seed=17, config=ISSUE_17_WORLD)
            paths = world.write(Path(folder) / "world")
            path, links, link_rows = paths["transactions"], paths["links"], len(world.links)
            frame = pd.read_csv(path, dtype={"amount": float}, keep_default_na=False)
        elif args.input:
            path = Path(args.input)
            frame = pd.read_csv(path, dtype={"amount": float}, keep_default_na=False)
        else:
            frame = make_transactions(args.transactions, users=users)
            path = Path(folder) / "transactions.csv"
            frame.to_csv(path, index=False)
        with connect(Neo4jConfig.from_env()) as runner:
            wipe(runner)
            if args.warmup:
                load_graph(runner, build_graph(make_transactions(args.warmup, users=max(args.warmup // 10, 10), seed=99))[0])
                naive_load(runner, make_transactions(2_000, users=200, seed=98))
                wipe(runner)
            started = time.perf_counter()
            graph, report = build_graph(path, keep_transactions=False)
            built = time.perf_counter() - started
            stored = load_graph(runner, graph, batch_size=args.batch_size, workers=args.workers)
            total = time.perf_counter() - started
            counts = runner.read("MATCH ()-[r]->() RETURN count(r) AS rels")[0]["rels"]
            server = runner.read("CALL dbms.components() YIELD name, versions, edition "
                                 "RETURN name, versions[0] AS version, edition")[0]
            scores = random_scores(graph.users["user_id"], seed=3)
            written = write_scores(runner, scores, pd.DataFrame(columns=RING_COLUMNS), model_version="m-bench")
            naive_score_rows = min(args.naive_score_rows, len(scores))
            naive_score_seconds = naive_score_write(runner, scores.iloc[:naive_score_rows])
            wipe(runner)
            peer = peer_load(runner, path, batch_size=args.batch_size)
            peer_relationships = runner.read("MATCH ()-[r]->() RETURN count(r) AS rels")[0]["rels"]
            wipe(runner)
            naive_rows = min(args.naive_rows, len(frame))
            naive_seconds = naive_load(runner, frame.iloc[:naive_rows])
            wipe(runner)
        bulk = bulk_cli(path, links, Path(folder), rows=len(frame), link_rows=link_rows) if args.bulk else None

    ours = report.rows_loaded / total
    naive = naive_rows / naive_seconds
    print(f"commit {commit()}  python {sys.version.split()[0]}  batch_size {args.batch_size}  workers {args.workers}"
          f"  warm-up {args.warmup:,} transactions")
    print(f"input: {report.rows_loaded:,} transactions, {graph.node_counts['user']:,} users, "
          f"{sum(graph.node_counts.values()):,} nodes, {counts:,} relationships")
    print(f"graphrisk load : {total:6.1f} s total ({built:.1f} s read+validate+aggregate, "
          f"{stored.seconds:.1f} s Neo4j writes) = {ours:10,.0f} tx/s")
    print(f"peer loader    : {peer['seconds']:6.1f} s total ({peer['read_seconds']:.1f} s pandas read+group-by), "
          f"{peer_relationships:,} relationships = {peer['transactions'] / peer['seconds']:10,.0f} tx/s "
          f"(graphrisk / peer: {peer['seconds'] / total:.2f}x the speed)")
    print(f"naive per-row  : {naive_seconds:6.1f} s for {naive_rows:,} rows = {naive:10,.0f} tx/s")
    if bulk:
        print(f"graphrisk load --bulk: {bulk['seconds']:6.1f} s end to end for {bulk['transactions']:,} transactions "
              f"and {bulk['links']:,} links (the command's wall time, Python start included)")
    print(f"ratio          : {ours / naive:6.1f}x")
    write_rate, naive_write_rate = len(scores) / written.seconds, naive_score_rows / naive_score_seconds
    print(f"graphrisk write-back: {written.seconds:6.1f} s for {len(scores):,} users = {write_rate:10,.0f} users/s")
    print(f"naive per-user SET  : {naive_score_seconds:6.1f} s for {naive_score_rows:,} users = {naive_write_rate:10,.0f} users/s")
    print(f"ratio               : {write_rate / naive_write_rate:6.1f}x")
    write_json(args.json, {
        "server": f"{server['name']} {server['version']} {server['edition']}",
        "load": {"transactions": report.rows_loaded, "users": int(graph.node_counts["user"]),
                 "nodes": int(sum(graph.node_counts.values())), "relationships": counts, "seconds": total,
                 "build_seconds": built, "write_seconds": stored.seconds, "batch_size": args.batch_size,
                 "workers": args.workers, "warmup": args.warmup},
        "peer_load": {"transactions": peer["transactions"], "seconds": peer["seconds"],
                      "read_seconds": peer["read_seconds"], "relationships": peer_relationships,
                      "batch_size": args.batch_size},
        "naive_load": {"transactions": naive_rows, "seconds": naive_seconds},
        **({"bulk_load": bulk} if bulk else {}),
        **({"world": f"graphrisk generate --users {args.world_users} (seed 17, 22 transactions per user, 400 users "
                     "per merchant)"} if args.world_users else {}),
        "writeback": {"users": len(scores), "seconds": written.seconds},
        "naive_writeback": {"users": naive_score_rows, "seconds": naive_score_seconds},
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
