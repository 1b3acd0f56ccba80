"""Read the graph back from Neo4j into a :class:`TransactionGraph` (read-only queries).

The result matches what :func:`graphrisk.build_graph` gives for the loaded input: the same
users, entities and aggregated relationships, sorted the same way; labels when they were
loaded; the transactions when the load kept transaction nodes (``--keep-transactions``),
else ``None``. User attributes come back as every ``User`` property that graphrisk does not
write itself, sorted by name.
"""

from __future__ import annotations

import pandas as pd

from graphrisk.graph.model import IDENTIFIER_TYPES, NODE_TYPES
from graphrisk.graph.transaction_graph import EDGE_COLUMNS, TransactionGraph
from graphrisk.store import cypher
from graphrisk.store.runner import QueryRunner

__all__ = ["read_graph", "RESERVED_USER_PROPERTIES"]

#: User properties written by graphrisk itself (not user attributes).
RESERVED_USER_PROPERTIES = frozenset(
    {"user_id", "label_is_fraud", "label_ring_id", "risk_score", "flagged", "ring_id", "scored_at", "model_version",
     "risk_reasons", "score_run", "verdict", "verdict_by", "verdict_at", "verdict_recorded_at"}
)

_USERS = "MATCH (u:User) RETURN u.user_id AS user_id, properties(u) AS p"
_IDS = "MATCH (n:{label}) RETURN n.{key} AS id"
_EDGES = """
MATCH (a:User)-[r:{rel_type}]->(b:{label})
RETURN a.user_id AS src, b.{key} AS dst, r.count AS count, r.amount AS amount,
       r.first_seen.epochMillis AS first_seen, r.last_seen.epochMillis AS last_seen,
       r.fraud_count AS fraud_count, r.link_count AS link_count
"""
_TRANSACTIONS = """
MATCH (u:User)-[:MADE]->(t:Transaction)
OPTIONAL MATCH (t)-[:AT]->(m:Merchant)
OPTIONAL MATCH (t)-[:TO]->(c:User)
OPTIONAL MATCH (t)-[:WITH]->(d:Device)
RETURN t.transaction_id AS transaction_id, t.timestamp.epochMillis AS timestamp, u.user_id AS user_id,
       t.amount AS amount, m.merchant_id AS merchant_id, d.device_id AS device_id,
       c.user_id AS counterparty_id, t.is_fraud AS is_fraud
"""


def _millis(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype("Float64"), unit="ms", utc=True).astype("datetime64[ns, UTC]")


def _edges(runner: QueryRunner, rel_type: str, target: str) -> pd.DataFrame:
    node = NODE_TYPES[target]
    rows = runner.read(_EDGES.format(rel_type=cypher.name(rel_type), label=cypher.name(node.label), key=cypher.name(node.key)))
    frame = pd.DataFrame(rows, columns=[*EDGE_COLUMNS, "link_count"])
    frame["src"] = frame["src"].astype("string")
    frame["dst"] = frame["dst"].astype("string")
    frame["count"] = frame["count"].astype("int64")
    frame["amount"] = frame["amount"].astype("float64")
    frame["first_seen"] = _millis(frame["first_seen"])
    frame["last_seen"] = _millis(frame["last_seen"])
    frame["fraud_count"] = frame["fraud_count"].astype("Int64")
    return frame


def read_graph(runner: QueryRunner) -> TransactionGraph:
    """Read users, merchants, identifiers, PAID/SENT/USED, labels and (if stored) transactions.

    Parameters
    ----------
    runner
        Where to read from; only read transactions are used.
    """
    users = pd.DataFrame(runner.read(_USERS), columns=["user_id", "p"])
    attributes = pd.DataFrame(
        [{k: v for k, v in p.items() if k not in RESERVED_USER_PROPERTIES} for p in users["p"]], index=users.index
    )
    user_table = pd.concat([users[["user_id"]].astype("string"), attributes[sorted(attributes.columns)]], axis=1)
    for name in user_table.columns[1:]:
        column = user_table[name]
        numeric = pd.to_numeric(column, errors="coerce")
        user_table[name] = numeric.astype("float64") if numeric.notna().sum() == column.notna().sum() else column.astype("string")
    user_table = user_table.sort_values("user_id", ignore_index=True)

    label_rows = [
        (u, p.get("label_is_fraud"), p.get("label_ring_id")) for u, p in zip(users["user_id"], users["p"])
        if p.get("label_is_fraud") is not None
    ]
    labels = None
    if label_rows:
        labels = pd.DataFrame(label_rows, columns=["user_id", "is_fraud", "ring_id"]).astype(
            {"user_id": "string", "is_fraud": "Int8", "ring_id": "string"}
        ).sort_values("user_id", ignore_index=True)

    merchant = NODE_TYPES["merchant"]
    merchants = pd.DataFrame(runner.read(_IDS.format(label=cypher.name(merchant.label), key=cypher.name(merchant.key))), columns=["id"])
    merchants = pd.DataFrame({"merchant_id": merchants["id"].sort_values().to_numpy()}, dtype="string")
    identifiers = {}
    for kind in IDENTIFIER_TYPES:
        node = NODE_TYPES[kind]
        ids = pd.DataFrame(runner.read(_IDS.format(label=cypher.name(node.label), key=cypher.name(node.key))), columns=["id"])
        identifiers[kind] = pd.DataFrame({"entity_id": ids["id"].sort_values().to_numpy()}, dtype="string")

    paid = _edges(runner, "PAID", "merchant").drop(columns="link_count").sort_values(["src", "dst"], ignore_index=True)
    sent = _edges(runner, "SENT", "user").drop(columns="link_count").sort_values(["src", "dst"], ignore_index=True)
    used_parts = []
    for kind in IDENTIFIER_TYPES:
        part = _edges(runner, "USED", kind)
        part.insert(0, "entity_type", kind)
        used_parts.append(part)
    used = pd.concat(used_parts, ignore_index=True)
    used["entity_type"] = used["entity_type"].astype("string")
    used["link_count"] = used["link_count"].fillna(0).astype("int64")
    used = used[["entity_type", *EDGE_COLUMNS, "link_count"]].sort_values(["entity_type", "src", "dst"], ignore_index=True)

    transactions = None
    tx_rows = runner.read(_TRANSACTIONS)
    if tx_rows:
        tx = pd.DataFrame(tx_rows)
        transactions = pd.DataFrame({
            "transaction_id": tx["transaction_id"].astype("string"),
            "timestamp": _millis(tx["timestamp"]),
            "user_id": tx["user_id"].astype("string"),
            "amount": tx["amount"].astype("float64"),
            "merchant_id": tx["merchant_id"].astype("string"),
            "device_id": tx["device_id"].astype("string"),
            "counterparty_id": tx["counterparty_id"].astype("string"),
            "is_fraud": tx["is_fraud"].astype("Int8"),
        }).sort_values(["timestamp", "transaction_id"], ignore_index=True)
    return TransactionGraph(
        users=user_table, merchants=merchants, identifiers=identifiers, paid=paid, sent=sent, used=used,
        labels=labels, transactions=transactions,
    )
