"""``ring_money_flow`` on long cycles and on a dense ring, against a real Neo4j.

The world: ring C14 is one cycle of 14 transfers (c01 -> c02 -> ... -> c14 -> c01), ring
C8 one of 8 (d1 -> ... -> d8 -> d1) with an outsider o1 on a detour (d4 -> o1 -> d6) that
must not be crossed, and ring DENSE has 25 members who all send to each other
(600 transfers).
"""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.queries import convert_parameters, describe_query, run_query
from graphrisk.store.loader import load_graph
from graphrisk.store.maintenance import clear_graph
from graphrisk.store.runner import connect

pytestmark = pytest.mark.integration

C14 = [f"c{i:02d}" for i in range(1, 15)]
C8 = [f"d{i}" for i in range(1, 9)]
DENSE = [f"z{i:02d}" for i in range(1, 26)]


def _cycle(members: list[str], start_amount: float) -> list[tuple]:
    return [(members[i], members[(i + 1) % len(members)], start_amount - i) for i in range(len(members))]


def _transfers() -> list[tuple]:
    dense = [(a, b, 10.0) for a in DENSE for b in DENSE if a != b]
    return [*_cycle(C14, 1000.0), *_cycle(C8, 500.0), ("d4", "o1", 50.0), ("o1", "d6", 49.0), *dense]


_RINGS = """
UNWIND $rows AS row
MERGE (r:Ring {ring_id: row.ring}) SET r.status = 'active'
WITH r, row
MATCH (u:User {user_id: row.user})
MERGE (u)-[:MEMBER_OF]->(r)
"""


@pytest.fixture(scope="module")
def cycles(neo4j_config):
    transfers = _transfers()
    tx = pd.DataFrame({
        "transaction_id": [f"t{i}" for i in range(len(transfers))],
        "timestamp": [f"2024-03-01T{i % 24:02d}:00:00Z" for i in range(len(transfers))],
        "user_id": [a for a, _, _ in transfers], "counterparty_id": [b for _, b, _ in transfers],
        "amount": [amount for _, _, amount in transfers],
    })
    graph, report = build_graph(tx)
    assert report.rows_rejected == 0
    members = [{"ring": "C14", "user": u} for u in C14] + [{"ring": "C8", "user": u} for u in C8] + \
              [{"ring": "DENSE", "user": u} for u in DENSE]
    with connect(neo4j_config) as runner:
        clear_graph(runner)
        load_graph(runner, graph)
        runner.write(_RINGS, {"rows": members})
        yield runner
        clear_graph(runner)


def flow(runner, **values: str) -> list[dict]:
    info = describe_query("ring_money_flow")
    return run_query(runner, info, convert_parameters(info, values))


def test_a_14_account_cycle_is_found_with_the_default_length(cycles):
    rows = flow(cycles, ring_id="C14")
    assert [r["kind"] for r in rows] == ["cycle"] + ["transfer"] * 14
    assert rows[0]["users"] == [*C14, "c01"] and rows[0]["hops"] == 14
    assert rows[0]["min_amount"] == 987.0 and rows[0]["total_amount"] == sum(1000.0 - i for i in range(14))
    # a bound below its length leaves the single transfers only
    assert [r["kind"] for r in flow(cycles, ring_id="C14", max_cycle_length="13")] == ["transfer"] * 14


def test_an_8_account_cycle_is_found_through_members_only(cycles):
    rows = flow(cycles, ring_id="C8")
    assert [(r["kind"], r["users"]) for r in rows if r["kind"] != "transfer"] == [("cycle", [*C8, "d1"])]
    assert all("o1" not in r["users"] for r in rows)  # the detour through an outsider is never crossed
    assert [r["kind"] for r in flow(cycles, ring_id="C8", max_cycle_length="8")].count("cycle") == 1
    assert [r["kind"] for r in flow(cycles, ring_id="C8", max_cycle_length="7")].count("cycle") == 0


def test_a_dense_ring_answers_with_bounded_rows(cycles):
    # one bounded shortest-path search per closing transfer keeps the work small; its speed
    # is not asserted here (no timed tests): an exhaustive search would not finish at all
    rows = flow(cycles, ring_id="DENSE")
    assert len(rows) == 200 and all(r["kind"] == "cycle" for r in rows)  # 300 two-account cycles, capped
    for row in rows:  # each cycle listed once, from its smallest member, every account once
        assert row["users"][0] == row["users"][-1] == min(row["users"])
        assert len(set(row["users"][:-1])) == len(row["users"]) - 1
    assert len({tuple(r["users"]) for r in rows}) == len(rows)
    assert len(flow(cycles, ring_id="DENSE", limit="1000")) == 300 + 600
