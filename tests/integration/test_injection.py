"""Ids shaped like Cypher are data, never code: every value travels as a parameter."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.store.loader import load_graph

pytestmark = pytest.mark.integration

NASTY_IDS = [
    "x'}) DETACH DELETE n //",
    'y"}) MATCH (n) DETACH DELETE n RETURN 1 //',
    "{user_id: 'z'}",
    "`backtick` MERGE",
    "a\\'b",
    "MATCH (n) RETURN n",
    "ünïcødé ✓ 用户",
    "$param",
]


def test_cypher_shaped_ids_round_trip_exactly(runner, db_counts):
    n = len(NASTY_IDS)
    tx = pd.DataFrame({
        "transaction_id": [f"t{i}" for i in range(n)],
        "timestamp": ["2024-01-01T00:00:00Z"] * n,
        "user_id": NASTY_IDS,
        "amount": [1.0] * n,
        "merchant_id": list(reversed(NASTY_IDS)),
        "device_id": NASTY_IDS,
    })
    users = pd.DataFrame({"user_id": NASTY_IDS, "note}) DETACH DELETE n //": ["x"] * n})
    graph, report = build_graph(tx, users=users)
    assert report.rows_rejected == 0
    load_graph(runner, graph)
    stored_users = {row["id"] for row in runner.read("MATCH (u:User) RETURN u.user_id AS id")}
    stored_merchants = {row["id"] for row in runner.read("MATCH (m:Merchant) RETURN m.merchant_id AS id")}
    assert stored_users == set(NASTY_IDS) == stored_merchants
    nodes, relationships = db_counts()
    assert nodes == {"User": n, "Merchant": n, "Device": n, "Load": 1}
    assert relationships == {"PAID": n, "USED": n}
    [row] = runner.read(
        "MATCH (u:User {user_id: $id}) RETURN u[$key] AS note", {"id": NASTY_IDS[0], "key": "note}) DETACH DELETE n //"}
    )
    assert row == {"note": "x"}
