"""The afternoon loader graphrisk's load is measured against (issue 17): pandas group-by, then ``UNWIND … MERGE``.

What a data engineer writes in an afternoon to get a transactions CSV into Neo4j: uniqueness
constraints, the file read whole with pandas, one group-by per relationship type (count and
amount per pair), then every node and relationship table written with ``UNWIND $rows … MERGE``
in batches of 10,000 rows, one transaction per batch, on one session. No validation, no
rejects, no ledger: run it twice and nothing is added twice only because ``SET`` overwrites.

Usage::

    tools/with-neo4j .venv/bin/python bench/peer_loader.py transactions.csv [--batch-size 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from graphrisk.store.config import Neo4jConfig
from graphrisk.store.runner import QueryRunner, connect

CONSTRAINTS = [
    "CREATE CONSTRAINT IF NOT EXISTS FOR (n:User) REQUIRE n.user_id IS UNIQUE",
    "CREATE CONSTRAINT IF NOT EXISTS FOR (n:Merchant) REQUIRE n.merchant_id IS UNIQUE",
    "CREATE CONSTRAINT IF NOT EXISTS FOR (n:Device) REQUIRE n.device_id IS UNIQUE",
    "CREATE CONSTRAINT IF NOT EXISTS FOR (n:Card) REQUIRE n.card_id IS UNIQUE",
]

#: label, key and transaction column of each node type the peer writes
NODES = [("User", "user_id", "user_id"), ("Merchant", "merchant_id", "merchant_id"),
         ("Device", "device_id", "device_id"), ("Card", "card_id", "card_id")]

MERGE_NODES = "UNWIND $ids AS id MERGE (:{label} {{{key}: id}})"

MERGE_PAID = """
UNWIND $rows AS row
MATCH (u:User {user_id: row.user_id})
MATCH (m:Merchant {merchant_id: row.merchant_id})
MERGE (u)-[r:PAID]->(m)
SET r.count = row.count, r.amount = row.amount
"""

MERGE_USED = """
UNWIND $rows AS row
MATCH (u:User {{user_id: row.user_id}})
MATCH (e:{label} {{{key}: row.entity_id}})
MERGE (u)-[r:USED]->(e)
SET r.count = row.count
"""


def _batches(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def peer_load(runner: QueryRunner, path: str | Path, *, batch_size: int = 10_000) -> dict:
    """Load a canonical transactions CSV as the afternoon loader does; return what it wrote and how long it took.

    Returns
    -------
    dict
        ``seconds`` (all of it), ``read_seconds`` (pandas: read and group), ``transactions``,
        ``nodes`` and ``relationships`` (rows written, per type).
    """
    started = time.perf_counter()
    for statement in CONSTRAINTS:
        runner.write(statement, {})
    frame = pd.read_csv(path, dtype=str, usecols=lambda c: c in {"user_id", "merchant_id", "device_id", "card_id",
                                                                  "amount"})
    frame["amount"] = pd.to_numeric(frame["amount"])
    paid = (frame.dropna(subset=["merchant_id"]).groupby(["user_id", "merchant_id"], sort=False)
            .agg(count=("amount", "size"), amount=("amount", "sum")).reset_index())
    used = {}
    for label, key, column in NODES[2:]:
        if column in frame.columns:
            used[(label, key)] = (frame.dropna(subset=[column]).groupby(["user_id", column], sort=False).size()
                                  .reset_index(name="count").rename(columns={column: "entity_id"}))
    read_seconds = time.perf_counter() - started

    nodes, relationships = {}, {}
    for label, key, column in NODES:
        if column not in frame.columns:
            continue
        ids = frame[column].dropna().unique().tolist()
        for batch in _batches(ids, batch_size):
            runner.write(MERGE_NODES.format(label=label, key=key), {"ids": batch})
        nodes[label] = len(ids)
    rows = paid.to_dict("records")
    for batch in _batches(rows, batch_size):
        runner.write(MERGE_PAID, {"rows": batch})
    relationships["PAID"] = len(rows)
    for (label, key), table in used.items():
        rows = table.to_dict("records")
        for batch in _batches(rows, batch_size):
            runner.write(MERGE_USED.format(label=label, key=key), {"rows": batch})
        relationships[f"USED {label}"] = len(rows)
    return {"seconds": time.perf_counter() - started, "read_seconds": read_seconds, "transactions": len(frame),
            "nodes": nodes, "relationships": relationships}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("transactions", help="a canonical transactions CSV")
    parser.add_argument("--batch-size", type=int, default=10_000)
    args = parser.parse_args()
    with connect(Neo4jConfig.from_env()) as runner:
        result = peer_load(runner, args.transactions, batch_size=args.batch_size)
    print(f"peer loader: {result['transactions']:,} transactions in {result['seconds']:.1f} s "
          f"({result['read_seconds']:.1f} s pandas); nodes {result['nodes']}; relationships {result['relationships']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
