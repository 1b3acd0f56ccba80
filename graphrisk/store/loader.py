"""Load a :class:`TransactionGraph` into Neo4j: batched, idempotent and resumable.

How a load stays exact when it is run twice or stopped halfway:

* Each load is recorded as a ``(:Load {load_id})`` node, where ``load_id`` is the hash of
  the validated transaction and link rows (``TransactionGraph.content_id``: independent of
  chunk size, row order and file format). Loading content that is already loaded
  completely adds no relationship again; node properties (user attributes, labels) and
  optional transaction nodes are written again, so a rerun with a new users or labels
  table, or with ``keep_transactions``, takes effect.
* Nodes are written with ``MERGE`` on their key, so writing them again changes nothing.
* Relationships are aggregated per pair and *added* to what is in the database, so
  two different loads add up. Each batch of relationships commits in the same
  transaction as a ``(:LoadBatch {batch_key})`` ledger node, and a batch whose ledger
  node exists is skipped; a driver retry of a batch that did commit, or a rerun after a
  crash, therefore never adds a batch twice. The batch plan is fixed by the graph
  content and the ``batch_size`` recorded on the ``Load`` node. Ledger nodes are kept
  (one per batch of relationships), so a second run that overlaps the first cannot apply
  a batch again either.
* One load runs at a time: a load takes the ``load`` write lock
  (:mod:`graphrisk.store.write_lock`; a rerun of the same content takes over the lock an
  interrupted run left behind). So a load that finds no relationship of a type in the
  database when it first starts is the only writer of that type, and it writes those
  relationships with ``CREATE`` instead of ``MERGE`` (every pair is one row of one batch,
  so none is written twice; about a quarter faster on a first load). It records the types
  on its ``Load`` node, and a resume keeps ``CREATE`` only if no other load started since.
* Batches run on ``workers`` threads (one session each). Relationship batches are cut
  from tables sorted by user, so concurrent batches touch different users; a deadlock
  on a shared node is a transient error that the driver retries.

Loading *different* files that contain the same transactions counts them twice; keep
transaction nodes (``keep_transactions=True``) to see every transaction individually.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from neo4j.exceptions import DriverError, Neo4jError

from graphrisk.errors import GraphRiskError, StoreUnavailable
from graphrisk.graph.model import IDENTIFIER_TYPES, NODE_TYPES, RELATIONSHIPS
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.store import cypher
from graphrisk.store.constraints import ensure_constraints
from graphrisk.store.records import to_rows, to_values
from graphrisk.store.runner import QueryRunner
from graphrisk.store.write_lock import acquire_write_lock, refresh_write_lock, release_write_lock

__all__ = ["load_graph", "StoreReport", "DEFAULT_BATCH_SIZE", "DEFAULT_WORKERS"]

DEFAULT_BATCH_SIZE = 10_000
DEFAULT_WORKERS = 2

#: Called as ``progress(stage, items_written)``.
StoreProgress = Callable[[str, int], None]

_START_LOAD = """
MERGE (load:Load {load_id: $load_id})
ON CREATE SET load.status = 'running', load.batch_size = $batch_size,
              load.started_at = datetime(), load.graphrisk_version = $version, load.create_types = $fresh_types
RETURN load.status AS status, load.batch_size AS batch_size,
       COUNT { (b:LoadBatch) WHERE b.batch_key STARTS WITH $prefix } AS done,
       CASE WHEN COUNT { (later:Load) WHERE later.started_at > load.started_at } = 0
            THEN coalesce(load.create_types, []) ELSE [] END AS create_types
"""

#: Lock name loads take (one load at a time).
LOCK_NAME = "load"

#: A load refreshes its lock at most this often (seconds).
_LOCK_REFRESH_SECONDS = 30.0

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

# Relationship batches: applied only if their ledger node does not exist yet, and the
# ledger node is created in the same transaction.
_RELATIONSHIP_BATCH = """
OPTIONAL MATCH (done:LoadBatch {{batch_key: $batch_key}})
WITH done WHERE done IS NULL
CREATE (:LoadBatch {{batch_key: $batch_key}})
WITH 1 AS guard
UNWIND $rows AS row
MATCH (a:User {{user_id: row[0]}})
MATCH (b:{target_label} {{{target_key}: row[1]}})
"""

# Added onto what the database holds.
_ADD_RELATIONSHIPS = _RELATIONSHIP_BATCH + """MERGE (a)-[r:{rel_type}]->(b)
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

# The same for a relationship type this load is the only writer of: no pair exists yet.
_CREATE_RELATIONSHIPS = _RELATIONSHIP_BATCH + """CREATE (a)-[r:{rel_type}]->(b)
SET r.count = row[2], r.amount = row[3],
    r.first_seen = CASE WHEN row[4] IS NULL THEN null ELSE datetime({{epochMillis: row[4]}}) END,
    r.last_seen = CASE WHEN row[5] IS NULL THEN null ELSE datetime({{epochMillis: row[5]}}) END,
    r.fraud_count = row[6]{extra_set}
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


@dataclass(frozen=True)
class _Write:
    """One batch: a query, its parameters, and what to tell the progress callback."""

    stage: str
    query: str
    parameters: dict
    size: int
    guarded: bool = False
    user_rank: int = 0


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield start // size, items[start : start + size]


def load_graph(
    runner: QueryRunner,
    graph: TransactionGraph,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = DEFAULT_WORKERS,
    keep_transactions: bool = False,
    progress: StoreProgress | None = None,
) -> StoreReport:
    """Write ``graph`` into Neo4j through ``runner``.

    Parameters
    ----------
    runner
        Where to write (see :func:`graphrisk.store.runner.connect`); must be safe to call
        from several threads when ``workers > 1`` (:class:`~graphrisk.store.runner.Neo4jRunner` is).
    graph
        The graph to load.
    batch_size
        Rows per transaction. An interrupted load resumes with the batch size it started with.
    workers
        Transactions written at the same time.
    keep_transactions
        Also write one ``(:Transaction)`` node per transaction (needs ``graph.transactions``).
    progress
        Called as ``progress(stage, items)`` after every batch, from the calling thread.

    Returns
    -------
    StoreReport

    Raises
    ------
    ValueError
        ``batch_size`` or ``workers`` is not positive, or transaction nodes are asked for
        without transactions.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if keep_transactions and graph.transactions is None:
        raise ValueError("keep_transactions=True needs a graph built with keep_transactions=True")
    started = time.perf_counter()
    report = StoreReport(load_id=graph.content_id or graph.fingerprint(), status="loaded")
    report.nodes = graph.node_counts
    report.relationships = graph.edge_counts

    ensure_constraints(runner)
    acquire_write_lock(runner, LOCK_NAME, report.load_id, activity="load")
    try:
        _load_locked(runner, graph, report, batch_size, workers, keep_transactions, _refreshing(runner, report.load_id, progress))
    except StoreUnavailable:
        raise  # the server is gone: releasing would wait out the retry bound again; a rerun takes the lock over
    except BaseException:
        with suppress(GraphRiskError, Neo4jError, DriverError):  # keep the first error, not the release's
            release_write_lock(runner, LOCK_NAME, report.load_id)
        raise
    release_write_lock(runner, LOCK_NAME, report.load_id)
    report.seconds = time.perf_counter() - started
    return report


def _load_locked(
    runner: QueryRunner, graph: TransactionGraph, report: StoreReport, batch_size: int, workers: int,
    keep_transactions: bool, progress: StoreProgress,
) -> None:
    """The load proper, under the load lock; fills ``report``."""
    from graphrisk import __version__

    prefix = f"{report.load_id}:"
    state = runner.write(_START_LOAD, {
        "load_id": report.load_id, "batch_size": batch_size, "version": __version__, "prefix": prefix,
        "fresh_types": _absent_relationship_types(runner),
    })[0]
    complete = state["status"] == "complete"
    if complete:
        report.status = "already-loaded"
    elif state["done"]:
        report.status = "resumed"
    if not complete:
        batch_size = int(state["batch_size"])  # the relationship batch plan of the run that started

    # Node properties (attributes, labels) and transaction nodes are MERGE/SET: written
    # every time, so a rerun that adds a users or labels table, or asks for transaction
    # nodes, takes effect. Relationship batches are additive: never twice per content.
    _run(runner, _node_writes(graph, batch_size), workers, progress)
    _run(runner, _label_writes(graph, batch_size), workers, progress)
    if not complete:
        planned = _relationship_writes(graph, prefix, batch_size, create_types=frozenset(state["create_types"]))
        report.batches_skipped = _run(runner, _schedule(planned, workers), workers, progress)
    if keep_transactions:
        _run(runner, _transaction_writes(graph.transactions, batch_size), workers, progress)
    if complete:
        return

    counts = {f"nodes_{k}": v for k, v in report.nodes.items()}
    counts.update({f"relationships_{k}": v for k, v in report.relationships.items()})
    runner.write(_FINISH_LOAD, {"load_id": report.load_id, "counts": counts, "prefix": prefix})


def _absent_relationship_types(runner: QueryRunner) -> list[str]:
    """The graph model's relationship types of which the database holds none.

    Only types the database knows are looked for, so the server has no unknown type to warn about.
    """
    types = [rel_type for rel_type, _, _ in RELATIONSHIPS.values()]
    known = {row["type"] for row in runner.read("CALL db.relationshipTypes() YIELD relationshipType AS type RETURN type")}
    checks = ", ".join(f"EXISTS {{ ()-[:{cypher.name(t)}]->() }} AS {cypher.name(t)}" for t in types if t in known)
    present = runner.read(f"RETURN {checks}")[0] if checks else {}
    return [t for t in types if not present.get(t, False)]


def _refreshing(runner: QueryRunner, load_id: str, progress: StoreProgress | None) -> StoreProgress:
    """``progress`` that also tells the load lock, every so often, that the load is alive."""
    last = time.monotonic()

    def tell(stage: str, items: int) -> None:
        nonlocal last
        if time.monotonic() - last > _LOCK_REFRESH_SECONDS:
            refresh_write_lock(runner, LOCK_NAME, load_id)
            last = time.monotonic()
        if progress is not None:
            progress(stage, items)

    return tell


class _SkippedAfterFailure(Exception):
    """A queued batch not sent because an earlier one failed (the earlier error is the one raised)."""


def _run(runner: QueryRunner, writes: Iterable[_Write], workers: int, progress: StoreProgress | None) -> int:
    """Run writes on ``workers`` threads; stop at the first failure and re-raise it.

    Once a batch has failed, batches already queued are not sent: each would wait out the
    driver's whole retry bound again before failing the same way.

    Returns the number of guarded batches that were found already applied.
    """
    skipped = 0
    lock = threading.Lock()
    failed = threading.Event()

    def execute(write: _Write) -> _Write:
        nonlocal skipped
        if failed.is_set():
            raise _SkippedAfterFailure
        try:
            records = runner.write(write.query, write.parameters)
        except BaseException:
            failed.set()
            raise
        if write.guarded and (not records or records[0].get("applied", 0) == 0):
            with lock:
                skipped += 1
        return write

    pending: set = set()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphrisk-load") as pool:
        try:
            for write in writes:
                pending.add(pool.submit(execute, write))
                if len(pending) >= 2 * workers:
                    pending = _collect(pending, progress, FIRST_EXCEPTION)
            _collect(pending, progress, None)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return skipped


def _collect(pending: set, progress: StoreProgress | None, until: str | None) -> set:
    """Wait for some (``FIRST_EXCEPTION``: at least one) or all futures; report, and re-raise the first real error."""
    done, rest = wait(pending, return_when=until or "ALL_COMPLETED")
    if until and not done:  # pragma: no cover - wait() returns at least one when asked
        return rest
    errors = [future.exception() for future in done if future.exception() is not None]
    real = [e for e in errors if not isinstance(e, _SkippedAfterFailure)]
    if errors:
        if real:
            raise real[0]
        # only skipped batches here: the failure itself is still pending
        done_rest = wait(rest, return_when="ALL_COMPLETED")[0]
        raise next((f.exception() for f in done_rest if f.exception() is not None
                    and not isinstance(f.exception(), _SkippedAfterFailure)), errors[0])
    for future in done:
        write = future.result()
        if progress is not None:
            progress(write.stage, write.size)
    return rest


def _node_writes(graph: TransactionGraph, batch_size: int) -> Iterable[_Write]:
    users = graph.users
    attribute_names = [c for c in users.columns if c != "user_id"]
    if attribute_names:
        ids = to_values(users["user_id"])
        columns = {name: to_values(users[name]) for name in attribute_names}
        rows = [
            {"id": user_id, "attributes": {name: columns[name][i] for name in attribute_names}}
            for i, user_id in enumerate(ids)
        ]
        for _, batch in _batches(rows, batch_size):
            yield _Write("users", _MERGE_USERS_WITH_ATTRIBUTES, {"rows": batch}, len(batch))
    else:
        yield from _node_id_writes("user", users["user_id"], batch_size)
    yield from _node_id_writes("merchant", graph.merchants["merchant_id"], batch_size)
    for kind in IDENTIFIER_TYPES:
        table = graph.identifiers.get(kind)
        if table is not None and len(table):
            yield from _node_id_writes(kind, table["entity_id"], batch_size)


def _node_id_writes(kind: str, ids: pd.Series, batch_size: int) -> Iterable[_Write]:
    node = NODE_TYPES[kind]
    query = _MERGE_NODES.format(label=cypher.name(node.label), key=cypher.name(node.key))
    for _, batch in _batches(to_values(ids), batch_size):
        yield _Write(f"{kind} nodes", query, {"ids": batch}, len(batch))


def _label_writes(graph: TransactionGraph, batch_size: int) -> Iterable[_Write]:
    if graph.labels is None or not len(graph.labels):
        return
    rows = to_rows(graph.labels, ["user_id", "is_fraud", "ring_id"])
    for _, batch in _batches(rows, batch_size):
        yield _Write("labels", _SET_LABELS, {"rows": batch}, len(batch))


def _relationship_writes(
    graph: TransactionGraph, prefix: str, batch_size: int, *, create_types: frozenset[str] = frozenset()
) -> list[_Write]:
    """Ledger-guarded batches per relationship table, each cut from rows sorted by user.

    Within a batch the rows are sorted by target, so every transaction locks targets
    (merchants, devices...) in the same order. Types in ``create_types`` are written with
    ``CREATE`` (this load is their only writer), the others are added with ``MERGE``.
    """
    users = graph.users["user_id"].to_numpy(dtype=object)
    tables = [("paid", graph.paid, "merchant", "PAID"), ("sent", graph.sent, "user", "SENT")]
    tables += [
        (f"used:{kind}", graph.used[graph.used["entity_type"] == kind], kind, "USED") for kind in IDENTIFIER_TYPES
    ]
    writes = []
    for name, edges, target, rel_type in tables:
        if not len(edges):
            continue
        node = NODE_TYPES[target]
        has_links = "link_count" in edges.columns
        columns = _EDGE_COLUMNS + (["link_count"] if has_links else [])
        fresh = rel_type in create_types
        template = _CREATE_RELATIONSHIPS if fresh else _ADD_RELATIONSHIPS
        extra = ""
        if has_links:
            extra = ",\n    r.link_count = " + ("row[7]" if fresh else "coalesce(r.link_count, 0) + row[7]")
        query = template.format(
            target_label=cypher.name(node.label), target_key=cypher.name(node.key), rel_type=cypher.name(rel_type),
            extra_set=extra,
        )
        for number, batch in _batches(to_rows(edges, columns), batch_size):
            rank = int(np.searchsorted(users, batch[0][0]))
            batch.sort(key=lambda row: row[1])
            parameters = {"batch_key": f"{prefix}{name}:{number}", "rows": batch}
            writes.append(_Write(rel_type, query, parameters, len(batch), guarded=True, user_rank=rank))
    return writes


def _schedule(writes: list[_Write], workers: int) -> list[_Write]:
    """Order relationship batches so that batches running at the same time share no users.

    With one worker the order is the plan's. With more, batches are ordered by the
    users they cover and taken alternately from both ends, so the two batches in flight
    cover users far apart and only meet once, in the middle; a rare deadlock there is a
    transient error the driver retries.
    """
    if workers == 1:
        return writes
    ordered = sorted(writes, key=lambda w: w.user_rank)
    front, back = 0, len(ordered) - 1
    scheduled = []
    while front <= back:
        scheduled.append(ordered[front])
        if back != front:
            scheduled.append(ordered[back])
        front, back = front + 1, back - 1
    return scheduled


def _transaction_writes(transactions: pd.DataFrame, batch_size: int) -> Iterable[_Write]:
    columns = ["transaction_id", "user_id", "timestamp", "amount", "is_fraud", "merchant_id", "counterparty_id", "device_id"]
    for _, batch in _batches(to_rows(transactions, columns), batch_size):
        yield _Write("transactions", _MERGE_TRANSACTIONS, {"rows": batch}, len(batch))
