"""Load a :class:`TransactionGraph` into Neo4j: batched, idempotent and resumable.

How a load stays exact when it is run twice or stopped halfway:

* Each load is recorded as a ``(:Load {load_id})`` node, where ``load_id`` is the
  graph's content fingerprint. Loading content that is already loaded completely does
  nothing.
* Nodes are written with ``MERGE`` on their key, so writing them again changes nothing.
* Relationships are aggregated per pair and *added* to what is in the database, so
  two different loads add up. Each batch of relationships commits in the same
  transaction as its batch number in ``Load.done_batches``, and a batch whose number
  is already there is skipped; a driver retry of a batch that did commit, or a rerun
  after a crash, therefore never adds a batch twice. The batch plan is fixed by the
  graph content and the ``batch_size`` recorded on the ``Load`` node.

Loading *different* files that contain the same transactions counts them twice; keep
transaction nodes (``keep_transactions=True``) to see every transaction individually.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from graphrisk.graph.model import IDENTIFIER_TYPES, NODE_TYPES
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.store.constraints import ensure_constraints
from graphrisk.store.records import to_rows, to_values
from graphrisk.store.runner import QueryRunner

__all__ = ["load_graph", "StoreReport", "DEFAULT_BATCH_SIZE"]

DEFAULT_BATCH_SIZE = 10_000

#: Called as ``progress(stage, items_written)``.
StoreProgress = Callable[[str, int], None]

_START_LOAD = """
MERGE (load:Load {load_id: $load_id})
ON CREATE SET load.status = 'running', load.done_batches = [], load.batch_size = $batch_size,
              load.started_at = datetime(), load.graphrisk_version = $version
RETURN load.status AS status, load.batch_size AS batch_size, size(load.done_batches) AS done
"""

_FINISH_LOAD = """
MATCH (load:Load {load_id: $load_id})
SET load.status = 'complete', load.completed_at = datetime(), load += $counts
"""

_MERGE_NODES = "UNWIND $ids AS id MERGE (:{label} {{{key}: id}})"

_MERGE_USERS_WITH_ATTRIBUTES = """
UNWIND $rows AS row
MERGE (u:User {user_id: row.id})
SET u += row.attributes
"""

_SET_LABELS = """
UNWIND $rows AS row
MATCH (u:User {user_id: row[0]})
SET u.label_is_fraud = row[1], u.label_ring_id = row[2]
"""

# Relationship batches: applied only if their number is not in the ledger, and the
# ledger is updated in the same transaction.
_ADD_RELATIONSHIPS = """
MATCH (load:Load {{load_id: $load_id}})
WHERE NOT $batch IN load.done_batches
SET load.done_batches = load.done_batches + $batch
WITH load
UNWIND $rows AS row
MATCH (a:User {{user_id: row[0]}})
MATCH (b:{target_label} {{{target_key}: row[1]}})
MERGE (a)-[r:{rel_type}]->(b)
WITH r, row,
     CASE WHEN row[4] IS NULL THEN null ELSE datetime({{epochMillis: row[4]}}) END AS first,
     CASE WHEN row[5] IS NULL THEN null ELSE datetime({{epochMillis: row[5]}}) END AS last
SET r.count = coalesce(r.count, 0) + row[2],
    r.amount = coalesce(r.amount, 0.0) + row[3],
    r.first_seen = CASE WHEN first IS NULL OR (r.first_seen IS NOT NULL AND r.first_seen <= first)
                        THEN r.first_seen ELSE first END,
    r.last_seen = CASE WHEN last IS NULL OR (r.last_seen IS NOT NULL AND r.last_seen >= last)
                       THEN r.last_seen ELSE last END,
    r.fraud_count = CASE WHEN row[6] IS NULL THEN r.fraud_count ELSE coalesce(r.fraud_count, 0) + row[6] END{extra_set}
RETURN count(*) AS applied
"""

_MERGE_TRANSACTIONS = """
UNWIND $rows AS row
MATCH (u:User {user_id: row[1]})
MERGE (t:Transaction {transaction_id: row[0]})
SET t.timestamp = datetime({epochMillis: row[2]}), t.amount = row[3], t.is_fraud = row[4]
MERGE (u)-[:MADE]->(t)
FOREACH (id IN CASE WHEN row[5] IS NULL THEN [] ELSE [row[5]] END |
    MERGE (m:Merchant {merchant_id: id}) MERGE (t)-[:AT]->(m))
FOREACH (id IN CASE WHEN row[6] IS NULL THEN [] ELSE [row[6]] END |
    MERGE (c:User {user_id: id}) MERGE (t)-[:TO]->(c))
FOREACH (id IN CASE WHEN row[7] IS NULL THEN [] ELSE [row[7]] END |
    MERGE (d:Device {device_id: id}) MERGE (t)-[:WITH]->(d))
"""

_EDGE_COLUMNS = ["src", "dst", "count", "amount", "first_seen", "last_seen", "fraud_count"]


@dataclass
class StoreReport:
    """What a load wrote.

    Attributes
    ----------
    load_id
        Content fingerprint of the loaded graph (the ``Load`` node's key).
    status
        ``loaded``, ``resumed`` (an earlier, interrupted load of the same content was
        finished) or ``already-loaded`` (nothing to do).
    nodes, relationships
        Nodes and aggregated relationships per type in the loaded graph.
    batches_skipped
        Relationship batches found already applied (on resume).
    seconds
        Wall time of the load.
    """

    load_id: str
    status: str
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    batches_skipped: int = 0
    seconds: float = 0.0


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield start // size, items[start : start + size]


def load_graph(
    runner: QueryRunner,
    graph: TransactionGraph,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    keep_transactions: bool = False,
    progress: StoreProgress | None = None,
) -> StoreReport:
    """Write ``graph`` into Neo4j through ``runner``.

    Parameters
    ----------
    runner
        Where to write (see :func:`graphrisk.store.runner.connect`).
    graph
        The graph to load.
    batch_size
        Rows per transaction. An interrupted load resumes with the batch size it started with.
    keep_transactions
        Also write one ``(:Transaction)`` node per transaction (needs ``graph.transactions``).
    progress
        Called as ``progress(stage, items)`` after every batch.

    Returns
    -------
    StoreReport

    Raises
    ------
    ValueError
        ``batch_size`` is not positive, or transaction nodes are asked for without transactions.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if keep_transactions and graph.transactions is None:
        raise ValueError("keep_transactions=True needs a graph built with keep_transactions=True")
    started = time.perf_counter()
    report = StoreReport(load_id=graph.fingerprint(), status="loaded")
    report.nodes = graph.node_counts
    report.relationships = graph.edge_counts

    ensure_constraints(runner)
    from graphrisk import __version__

    state = runner.write(
        _START_LOAD, {"load_id": report.load_id, "batch_size": batch_size, "version": __version__}
    )[0]
    if state["status"] == "complete":
        report.status = "already-loaded"
        report.seconds = time.perf_counter() - started
        return report
    if state["done"]:
        report.status = "resumed"
    batch_size = int(state["batch_size"])

    def tick(stage: str, n: int) -> None:
        if progress is not None:
            progress(stage, n)

    _write_users(runner, graph, batch_size, tick)
    _write_node_ids(runner, "merchant", graph.merchants["merchant_id"], batch_size, tick)
    for kind in IDENTIFIER_TYPES:
        table = graph.identifiers.get(kind)
        if table is not None and len(table):
            _write_node_ids(runner, kind, table["entity_id"], batch_size, tick)
    if graph.labels is not None and len(graph.labels):
        rows = to_rows(graph.labels, ["user_id", "is_fraud", "ring_id"])
        for _, batch in _batches(rows, batch_size):
            runner.write(_SET_LABELS, {"rows": batch})
            tick("labels", len(batch))

    skipped = _add_relationships(runner, report.load_id, "paid", graph.paid, "merchant", "PAID", batch_size, tick)
    skipped += _add_relationships(runner, report.load_id, "sent", graph.sent, "user", "SENT", batch_size, tick)
    for kind in IDENTIFIER_TYPES:
        used = graph.used[graph.used["entity_type"] == kind]
        skipped += _add_relationships(runner, report.load_id, f"used:{kind}", used, kind, "USED", batch_size, tick)
    report.batches_skipped = skipped

    if keep_transactions:
        _write_transactions(runner, graph.transactions, batch_size, tick)

    counts = {f"nodes_{k}": v for k, v in report.nodes.items()}
    counts.update({f"relationships_{k}": v for k, v in report.relationships.items()})
    runner.write(_FINISH_LOAD, {"load_id": report.load_id, "counts": counts})
    report.seconds = time.perf_counter() - started
    return report


def _write_users(runner: QueryRunner, graph: TransactionGraph, batch_size: int, tick: StoreProgress) -> None:
    users = graph.users
    attribute_names = [c for c in users.columns if c != "user_id"]
    if not attribute_names:
        _write_node_ids(runner, "user", users["user_id"], batch_size, tick)
        return
    ids = to_values(users["user_id"])
    columns = {name: to_values(users[name]) for name in attribute_names}
    rows = [
        {"id": user_id, "attributes": {name: columns[name][i] for name in attribute_names}}
        for i, user_id in enumerate(ids)
    ]
    for _, batch in _batches(rows, batch_size):
        runner.write(_MERGE_USERS_WITH_ATTRIBUTES, {"rows": batch})
        tick("users", len(batch))


def _write_node_ids(runner: QueryRunner, kind: str, ids: pd.Series, batch_size: int, tick: StoreProgress) -> None:
    node = NODE_TYPES[kind]
    query = _MERGE_NODES.format(label=node.label, key=node.key)
    for _, batch in _batches(to_values(ids), batch_size):
        runner.write(query, {"ids": batch})
        tick(f"{kind} nodes", len(batch))


def _add_relationships(
    runner: QueryRunner,
    load_id: str,
    name: str,
    edges: pd.DataFrame,
    target: str,
    rel_type: str,
    batch_size: int,
    tick: StoreProgress,
) -> int:
    """Add one relationship table in ledger-guarded batches; return how many were already done."""
    if not len(edges):
        return 0
    node = NODE_TYPES[target]
    has_links = "link_count" in edges.columns
    columns = _EDGE_COLUMNS + (["link_count"] if has_links else [])
    extra = ",\n    r.link_count = coalesce(r.link_count, 0) + row[7]" if has_links else ""
    query = _ADD_RELATIONSHIPS.format(
        target_label=node.label, target_key=node.key, rel_type=rel_type, extra_set=extra
    )
    skipped = 0
    for number, batch in _batches(to_rows(edges, columns), batch_size):
        applied = runner.write(query, {"load_id": load_id, "batch": f"{name}:{number}", "rows": batch})
        if not applied or applied[0]["applied"] == 0:
            skipped += 1
        tick(rel_type, len(batch))
    return skipped


def _write_transactions(runner: QueryRunner, transactions: pd.DataFrame, batch_size: int, tick: StoreProgress) -> None:
    columns = ["transaction_id", "user_id", "timestamp", "amount", "is_fraud", "merchant_id", "counterparty_id", "device_id"]
    for _, batch in _batches(to_rows(transactions, columns), batch_size):
        runner.write(_MERGE_TRANSACTIONS, {"rows": batch})
        tick("transactions", len(batch))
