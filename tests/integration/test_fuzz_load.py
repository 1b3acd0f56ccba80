"""Property-based loading into a real Neo4j: the database holds exactly what was loaded, and a reload changes nothing.

Each example draws a transactions table from :mod:`fuzz_strategies` (``tests/fuzz_strategies.py``:
random mixes of good and bad rows, ids with padding, quotes, newlines, unicode and Cypher
such as ``x'}) DETACH DELETE n //``), writes it as CSV or Parquet, builds the graph, loads it
into an emptied database with a drawn batch size and number of workers, and compares
the database with the graph:

* every row is loaded or rejected, as the oracle says (the rejects' reasons are checked in
  ``tests/unit/loaders/test_fuzz_canonical.py``);
* the ``User``, ``Merchant`` and identifier node ids equal the graph's tables, verbatim;
* ``PAID``, ``SENT`` and ``USED`` hold one relationship per aggregated pair, with the
  graph's ``count``, ``fraud_count``, ``link_count``, ``first_seen``/``last_seen`` (epoch
  milliseconds) exactly and its ``amount`` to float precision;
* with ``keep_transactions``, one ``Transaction`` node per loaded row with its relationships;
* building and loading the same file again reports ``already-loaded`` and changes nothing.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from fuzz_strategies import Table, oracle, tables, write_csv, write_parquet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphrisk import build_graph
from graphrisk.graph.model import IDENTIFIER_TYPES, NODE_TYPES
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.store.loader import load_graph
from graphrisk.store.maintenance import clear_graph

pytestmark = pytest.mark.integration

# Pinned like every random choice in the tests; each example is a few round trips to Neo4j.
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Every node label and id property, by label (the ledger's ``LoadBatch`` is left out, as in ``count_nodes``).
_IDS = """
MATCH (n) WHERE NOT n:LoadBatch AND NOT n:Load
RETURN head(labels(n)) AS label,
       coalesce(n.user_id, n.merchant_id, n.device_id, n.card_id, n.ip_id, n.email_id, n.phone_id, n.address_id,
                n.transaction_id) AS id
"""

#: Every aggregated relationship with its properties.
_RELATIONSHIPS = """
MATCH (a:User)-[r:PAID|SENT|USED]->(b)
RETURN type(r) AS type, head(labels(b)) AS label, a.user_id AS src,
       coalesce(b.user_id, b.merchant_id, b.device_id, b.card_id, b.ip_id, b.email_id, b.phone_id, b.address_id) AS dst,
       r.count AS count, r.amount AS amount, r.fraud_count AS fraud_count, r.link_count AS link_count,
       r.first_seen.epochMillis AS first_seen, r.last_seen.epochMillis AS last_seen
"""

#: Every transaction node with what it points to.
_TRANSACTIONS = """
MATCH (u:User)-[:MADE]->(t:Transaction)
OPTIONAL MATCH (t)-[:AT]->(m:Merchant)
OPTIONAL MATCH (t)-[:TO]->(c:User)
OPTIONAL MATCH (t)-[:WITH]->(d:Device)
RETURN t.transaction_id AS id, u.user_id AS user, t.amount AS amount, t.timestamp.epochMillis AS timestamp,
       t.is_fraud AS is_fraud, m.merchant_id AS merchant, c.user_id AS counterparty, d.device_id AS device
"""

_LABELS = {name: node.label for name, node in NODE_TYPES.items()}
_REL_TYPES = {"paid": "PAID", "sent": "SENT", "used": "USED"}


def _millis(value) -> int | None:
    return None if pd.isna(value) else int(value.value // 1_000_000)


def _optional(value):
    return None if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else value


def expected_relationships(graph: TransactionGraph) -> dict[tuple[str, str, str], dict]:
    """The graph's aggregated relationships keyed like the database's: ``(type, src, target label + id)``."""
    expected = {}
    for name, rel_type in _REL_TYPES.items():
        for row in getattr(graph, name).to_dict("records"):
            target = _LABELS["user" if name == "sent" else "merchant" if name == "paid" else row["entity_type"]]
            expected[(rel_type, row["src"], f"{target}:{row['dst']}")] = {
                "count": int(row["count"]), "amount": float(row["amount"]),
                "fraud_count": _optional(row["fraud_count"]),
                "link_count": int(row["link_count"]) if name == "used" else None,
                "first_seen": _millis(row["first_seen"]), "last_seen": _millis(row["last_seen"]),
            }
    return expected


def snapshot(runner, db_counts) -> dict:
    """Everything graphrisk wrote, as plain values."""
    ids: dict[str, set] = {}
    for row in runner.read(_IDS):
        ids.setdefault(row["label"], set()).add(row["id"])
    relationships = {}
    for row in runner.read(_RELATIONSHIPS):
        key = (row.pop("type"), row.pop("src"), f"{row.pop('label')}:{row.pop('dst')}")
        assert key not in relationships, f"two relationships for one pair: {key}"
        relationships[key] = row
    transactions = {row.pop("id"): row for row in runner.read(_TRANSACTIONS)}
    nodes, relationship_counts = db_counts()
    return {"nodes": nodes, "relationship_counts": relationship_counts, "ids": ids, "relationships": relationships,
            "transactions": transactions}


def check_database(runner, db_counts, graph: TransactionGraph, *, keep_transactions: bool) -> dict:
    """Compare the database with ``graph``; return the snapshot."""
    stored = snapshot(runner, db_counts)
    want_ids = {"User": set(graph.users["user_id"]), "Merchant": set(graph.merchants["merchant_id"])}
    for kind in IDENTIFIER_TYPES:
        want_ids[_LABELS[kind]] = set(graph.identifiers[kind]["entity_id"])
    tx = graph.transactions
    if keep_transactions:
        want_ids["Transaction"] = set(tx["transaction_id"])
    want_ids = {label: ids for label, ids in want_ids.items() if ids}
    assert stored["ids"] == want_ids  # verbatim: padding stripped by validation, nothing else changed
    assert stored["nodes"] == {**{label: len(ids) for label, ids in want_ids.items()}, "Load": 1}

    want = expected_relationships(graph)
    got = stored["relationships"]
    assert set(got) == set(want)
    for key, properties in want.items():
        assert got[key] == {**properties, "amount": pytest.approx(properties["amount"], rel=1e-12, abs=1e-300)}, key

    counts = {rel_type: len(getattr(graph, name)) for name, rel_type in _REL_TYPES.items()}
    if keep_transactions:
        present = {c: int(tx[c].notna().sum()) for c in ("merchant_id", "counterparty_id", "device_id")}
        counts.update(MADE=len(tx), AT=present["merchant_id"], TO=present["counterparty_id"], WITH=present["device_id"])
        for row in tx.to_dict("records"):
            assert stored["transactions"][row["transaction_id"]] == {
                "user": row["user_id"], "amount": row["amount"], "timestamp": _millis(row["timestamp"]),
                "is_fraud": _optional(row["is_fraud"]), "merchant": _optional(row["merchant_id"]),
                "counterparty": _optional(row["counterparty_id"]), "device": _optional(row["device_id"]),
            }
    assert stored["relationship_counts"] == {t: n for t, n in counts.items() if n}
    return stored


def load_twice(runner, db_counts, path: Path, *, keep_transactions: bool, batch_size: int,
               workers: int) -> TransactionGraph:
    """Load ``path`` into an emptied database, check it, load it again and check nothing changed."""
    clear_graph(runner)
    graph, report = build_graph(path, keep_transactions=True)
    stored = load_graph(runner, graph, batch_size=batch_size, workers=workers, keep_transactions=keep_transactions)
    assert stored.status == "loaded"
    # every row is loaded or in the rejects
    assert report.rows_read == report.rows_loaded + report.rows_rejected
    assert (report.rows_loaded, report.rows_rejected) == (len(graph.transactions), len(report.rejects))
    first = check_database(runner, db_counts, graph, keep_transactions=keep_transactions)

    again, _ = build_graph(path, keep_transactions=True, chunk_rows=3)  # another chunking: the same content
    assert again.content_id == graph.content_id
    assert load_graph(runner, again, batch_size=batch_size, workers=workers,
                      keep_transactions=keep_transactions).status == "already-loaded"
    assert snapshot(runner, db_counts) == first
    return graph


@st.composite
def _inputs(draw) -> tuple[bool, Table]:
    """``(parquet, table)``: mostly with every optional column, so that most examples have relationships."""
    parquet = draw(st.booleans())
    all_columns = draw(st.sampled_from([True, True, False]))
    return parquet, draw(tables(parquet=parquet, min_rows=3, max_rows=10, all_columns=all_columns))


@SETTINGS
@given(drawn=_inputs(), keep_transactions=st.booleans(), batch_size=st.sampled_from([1, 4, 10_000]), workers=st.sampled_from([1, 2]))
def test_the_database_holds_exactly_what_was_loaded(runner, db_counts, drawn, keep_transactions, batch_size, workers):
    parquet, table = drawn
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("transactions.parquet" if parquet else "transactions.csv")
        if parquet:
            write_parquet(table, path)
        else:
            write_csv(table, path, quote_all=False, bom=False, padded_header=False)
        graph = load_twice(runner, db_counts, path, keep_transactions=keep_transactions, batch_size=batch_size,
                           workers=workers)
        expected = oracle(table, 1 if parquet else 2)
        assert len(graph.transactions) == len(expected.loaded)
        assert graph.transactions["transaction_id"].tolist() == [r["transaction_id"].value for r in expected.loaded]


CYPHER_IDS = ["x'}) DETACH DELETE n //", '"}) MATCH (n) DETACH DELETE n //', "'; CALL db.clearQueryCaches(); //",
              "{user_id: 'z'}) SET n.x = 1 //", "`backtick` MERGE", "a\\'b", "$user_id", "line\nbreak 'quote'"]


@pytest.mark.parametrize("keep_transactions", [False, True])
def test_ids_shaped_like_cypher_are_stored_verbatim(runner, db_counts, tmp_path, keep_transactions):
    n = len(CYPHER_IDS)
    path = tmp_path / "transactions.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["transaction_id", "timestamp", "user_id", "amount", "merchant_id", "device_id",
                         "counterparty_id", "card_id", "ip", "is_fraud"])
        for i, text in enumerate(CYPHER_IDS):
            other = CYPHER_IDS[(i + 1) % n]
            writer.writerow([text, f"2024-01-0{1 + i % 9}T00:00:00Z", text, i + 0.5, other, text, other, other, text,
                             i % 2])
    graph = load_twice(runner, db_counts, path, keep_transactions=keep_transactions, batch_size=3, workers=2)
    assert graph.node_counts["user"] == n and graph.edge_counts == {"paid": n, "sent": n, "used": 3 * n}
    stored = {row["id"] for row in runner.read("MATCH (u:User) RETURN u.user_id AS id")}
    assert stored == set(CYPHER_IDS)  # nothing deleted, nothing changed


@pytest.mark.parametrize("rows", ["none", "all rejected"])
def test_an_input_with_no_valid_row_loads_an_empty_graph(runner, db_counts, tmp_path, rows):
    path = tmp_path / "transactions.parquet"
    frame = pd.DataFrame({"transaction_id": ["t1", ""], "timestamp": ["never", "2024-01-01"], "user_id": ["u1", "u2"],
                          "amount": ["1e308", "5"]})
    (frame.iloc[:0] if rows == "none" else frame).to_parquet(path)
    graph = load_twice(runner, db_counts, path, keep_transactions=True, batch_size=10, workers=1)
    assert graph.transactions.empty and graph.node_counts["user"] == 0
    assert db_counts() == ({"Load": 1}, {})
