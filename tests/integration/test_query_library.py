"""Every shipped investigator query against a real Neo4j, with known answers.

A small hand-made world is loaded once for the module through the real loader, then
scores, rings and merges are written the way ``graphrisk.store.writeback`` writes them.

The world (dates in 2024; every account is a ``User``):

* ring R1 (active): r1, r2, r3 share device D1; r1, r2 card C1; r2, r3 email E1; they
  all paid merchant M_BAD and send money round a cycle r1 -> r2 -> r3 -> r1.
* ring R2 (active): s1, s2, s3 share IP I2; mule chain s1 -> s2 -> s3 -> s4 -> x1 (x1 is
  not a member); s1, s2 paid M_S.
* R0 was merged into R1, R00 into R0; R3 is dissolved.
* honest h1..h6 pay the popular M_BIG on the shared KIOSK device (r1 and s1 pay M_BIG
  too, r1 used the kiosk); h2, h3 share address A1; h5 and x1 share phone P1; h1 also
  paid M_BAD.
* new accounts: n1 (device D1, 03-20), n3 (KIOSK, 03-21), n4 (email E1, 03-22); n2 used
  D1 long ago (03-02).
* rings carry their data's span (first_seen/last_seen) and the scoring time (scored_at
  2024-04-01); R2 was first written by scoring on 2024-04-01 (its created_at), long after
  its last activity (02-06).
* verdicts: r2 fraud (alice, 03-20), h1 legit then unsure (bob, 03-21 and 03-25).

A second, generated world checks the path and group queries against NetworkX.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from neo4j.exceptions import ClientError

from graphrisk import build_graph
from graphrisk.cli.main import main
from graphrisk.feedback.store import record_verdict
from graphrisk.queries import EntityNotFound, convert_parameters, describe_query, list_queries, run_query
from graphrisk.store.loader import load_graph
from graphrisk.store.maintenance import clear_graph
from graphrisk.store.runner import connect
from graphrisk.synth import generate_world

pytestmark = pytest.mark.integration

# --- the hand-made world -----------------------------------------------------------------------

_TX = [
    # id, timestamp, user, amount, merchant, device, counterparty, card, ip
    ("t01", "2024-03-01T10:00:00Z", "r1", 200.0, "M_BAD", "D1", None, "C1", None),
    ("t02", "2024-03-01T11:00:00Z", "r2", 150.0, "M_BAD", "D1", None, "C1", None),
    ("t03", "2024-03-10T12:00:00Z", "r3", 120.0, "M_BAD", "D1", None, None, None),
    ("t04", "2024-03-02T09:00:00Z", "r1", 30.0, "M_BIG", "KIOSK", None, None, None),
    ("t05", "2024-03-03T09:00:00Z", "r1", 100.0, None, "D1", "r2", None, None),
    ("t06", "2024-03-04T09:00:00Z", "r2", 90.0, None, "D1", "r3", None, None),
    ("t07", "2024-03-11T09:00:00Z", "r3", 80.0, None, "D1", "r1", None, None),
    ("t08", "2024-02-01T09:00:00Z", "s1", 60.0, "M_S", None, None, None, "I2"),
    ("t09", "2024-02-01T10:00:00Z", "s2", 40.0, "M_S", None, None, None, "I2"),
    ("t10", "2024-02-02T09:00:00Z", "s1", 500.0, None, None, "s2", None, "I2"),
    ("t11", "2024-02-03T09:00:00Z", "s2", 450.0, None, None, "s3", None, "I2"),
    ("t12", "2024-02-04T09:00:00Z", "s3", 400.0, None, None, "s4", None, "I2"),
    ("t13", "2024-02-05T09:00:00Z", "s4", 390.0, None, "D4", "x1", None, None),
    ("t14", "2024-02-06T09:00:00Z", "s1", 35.0, "M_BIG", None, None, None, None),
    *[(f"th{i}", "2024-01-15T09:00:00Z", f"h{i}", 10.0, "M_BIG", "KIOSK", None, None, None) for i in range(1, 7)],
    ("t21", "2024-01-16T09:00:00Z", "h1", 25.0, "M_BAD", None, None, None, None),
    ("t22", "2024-01-20T09:00:00Z", "h2", 5.0, "M_H", None, None, None, None),
    ("t23", "2024-01-20T10:00:00Z", "h3", 5.0, "M_H", None, None, None, None),
    ("t24", "2024-01-25T09:00:00Z", "h4", 20.0, None, None, "h5", None, None),
]
_LINKS = [
    ("r2", "email", "E1", "2024-03-01T00:00:00Z"),
    ("r3", "email", "E1", "2024-03-10T00:00:00Z"),
    ("h2", "address", "A1", "2024-01-01T00:00:00Z"),
    ("h3", "address", "A1", "2024-01-01T00:00:00Z"),
    ("h5", "phone", "P1", "2024-01-05T00:00:00Z"),
    ("x1", "phone", "P1", "2024-01-05T00:00:00Z"),
    ("n1", "device", "D1", "2024-03-20T00:00:00Z"),
    ("n2", "device", "D1", "2024-03-02T00:00:00Z"),
    ("n3", "device", "KIOSK", "2024-03-21T00:00:00Z"),
    ("n4", "email", "E1", "2024-03-22T00:00:00Z"),
]
RISK = {"r1": 0.9, "r2": 0.85, "r3": 0.8, "s1": 0.75, "s2": 0.7, "s3": 0.65, "s4": 0.6, "x1": 0.5, "h1": 0.55,
        "h2": 0.05, "h3": 0.06, "h4": 0.07, "h5": 0.08, "h6": 0.09, "n1": 0.4, "n2": 0.2, "n3": 0.3, "n4": 0.35}
RING_OF = {"r1": "R1", "r2": "R1", "r3": "R1", "s1": "R2", "s2": "R2", "s3": "R2", "s4": "R2"}
_RINGS = [
    # ring_id, status, size, score, exposure, shared_entities, created_at, grown_at, merged_into, first_seen, last_seen
    ("R1", "active", 3, 0.85, 999.0, ["device:D1", "card:C1", "email:E1"], "2024-03-01", "2024-03-10", None,
     "2024-03-01T00:00:00", "2024-03-11T09:00:00"),
    ("R2", "active", 4, 0.7, 135.0, ["ip:I2"], "2024-04-01", None, None, "2024-02-01T09:00:00", "2024-02-06T09:00:00"),
    ("R0", "merged", 2, 0.6, 50.0, ["device:D9"], "2024-02-15", None, "R1", "2024-02-10", "2024-02-14"),
    ("R00", "merged", 2, 0.5, 10.0, ["card:C9"], "2024-01-20", None, "R0", "2024-01-10", "2024-01-19"),
    ("R3", "dissolved", 0, 0.3, 0.0, [], "2024-03-12", None, None, "2024-03-05", "2024-03-06"),
]
_MEMBERS = [("r1", "R1", "2024-03-01"), ("r2", "R1", "2024-03-01"), ("r3", "R1", "2024-03-10"),
            *[(f"s{i}", "R2", "2024-02-01") for i in range(1, 5)]]
_MERGES = [("R0", "R1", "2024-03-10"), ("R00", "R0", "2024-02-20")]

_WRITE_USERS = """
UNWIND $rows AS row
MATCH (u:User {user_id: row.user_id})
SET u.risk_score = row.risk_score, u.flagged = row.flagged, u.ring_id = row.ring_id,
    u.scored_at = datetime('2024-04-01T00:00:00Z'), u.model_version = 'test-1', u.risk_reasons = row.reasons
"""
_WRITE_RINGS = """
UNWIND $rows AS row
CREATE (r:Ring {ring_id: row.ring_id})
SET r.status = row.status, r.size = row.size, r.score = row.score, r.exposure = row.exposure,
    r.shared_entities = row.shared_entities, r.created_at = datetime(row.created_at),
    r.updated_at = datetime(row.created_at), r.grown_at = datetime(row.grown_at),
    r.merged_into = row.merged_into, r.model_version = 'test-1', r.first_seen = datetime(row.first_seen),
    r.last_seen = datetime(row.last_seen), r.scored_at = datetime('2024-04-01T00:00:00Z')
"""
_WRITE_MEMBERS = """
UNWIND $rows AS row
MATCH (u:User {user_id: row[0]}), (r:Ring {ring_id: row[1]})
CREATE (u)-[:MEMBER_OF {since: datetime(row[2])}]->(r)
"""
_WRITE_MERGES = """
UNWIND $rows AS row
MATCH (a:Ring {ring_id: row[0]}), (b:Ring {ring_id: row[1]})
CREATE (a)-[:MERGED_INTO {at: datetime(row[2])}]->(b)
"""
_WRITE_ENTITY_RISK = """
UNWIND $rows AS row
MATCH (x {device_id: row[0]}) SET x.risk_score = row[1], x.flagged_users = row[2]
"""


def _hand_made_graph():
    tx = pd.DataFrame(_TX, columns=["transaction_id", "timestamp", "user_id", "amount", "merchant_id", "device_id",
                                    "counterparty_id", "card_id", "ip"])
    links = pd.DataFrame(_LINKS, columns=["user_id", "entity_type", "entity_id", "timestamp"])
    users = pd.DataFrame({"user_id": sorted(RISK), "country": ["US"] * len(RISK)})
    graph, report = build_graph(tx, links, users)
    assert report.rows_rejected == 0
    return graph


def _write_scores(runner) -> None:
    users = [{"user_id": u, "risk_score": score, "flagged": u in RING_OF, "ring_id": RING_OF.get(u),
              "reasons": [f"reason of {u}"]} for u, score in RISK.items()]
    runner.write(_WRITE_USERS, {"rows": users})
    keys = ("ring_id", "status", "size", "score", "exposure", "shared_entities", "created_at", "grown_at", "merged_into",
            "first_seen", "last_seen")
    runner.write(_WRITE_RINGS, {"rows": [dict(zip(keys, ring)) for ring in _RINGS]})
    runner.write(_WRITE_MEMBERS, {"rows": _MEMBERS})
    runner.write(_WRITE_MERGES, {"rows": _MERGES})
    runner.write(_WRITE_ENTITY_RISK, {"rows": [["D1", 0.66, 3]]})
    runner.write("MATCH (m:Merchant {merchant_id: 'M_BAD'}) SET m.risk_score = 0.7, m.flagged_users = 3")
    record_verdict(runner, "r2", "fraud", by="alice", at="2024-03-20T10:00:00+00:00", note="pays r3 who pays r1")
    record_verdict(runner, "h1", "legit", by="bob", at="2024-03-21T10:00:00+00:00")
    record_verdict(runner, "h1", "unsure", by="bob", at="2024-03-25T10:00:00+00:00", note="second look")


@pytest.fixture(scope="module")
def world(neo4j_config):
    """A runner on the hand-made world (loaded once for this module; only read afterwards)."""
    with connect(neo4j_config) as runner:
        clear_graph(runner)
        load_graph(runner, _hand_made_graph())
        _write_scores(runner)
        yield runner
        clear_graph(runner)


def ask(runner, name: str, **values: str) -> list[dict]:
    """Run a shipped query with command-line style values, as ``graphrisk query`` does."""
    info = describe_query(name)
    return run_query(runner, info, convert_parameters(info, values))


def pick(rows: list[dict], *columns: str) -> list[tuple]:
    return [tuple(row[c] for c in columns) for row in rows]


def _counts(runner) -> tuple:
    """Nodes per label and relationships per type now in the database."""
    nodes = runner.read("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n ORDER BY label")
    rels = runner.read("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY type")
    return pick(nodes, "label", "n"), pick(rels, "type", "n")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


# --- one test (or a few) per query -------------------------------------------------------------


def test_every_shipped_query_is_tested_here():
    source = Path(__file__).read_text(encoding="utf-8")
    tested = {name for name in list_queries() if f'"{name}"' in source}
    assert tested == set(list_queries())


def test_shared_identifiers(world):
    rows = ask(world, "shared_identifiers", user_id="r2")
    assert [(r["user_id"], sorted(r["shared_identifiers"]), r["shared_count"]) for r in rows] == [
        ("r1", ["Card:C1", "Device:D1"], 2),
        ("r3", ["Device:D1", "Email:E1"], 2),
        ("n1", ["Device:D1"], 1),
        ("n2", ["Device:D1"], 1),
        ("n4", ["Email:E1"], 1),
    ]
    capped = ask(world, "shared_identifiers", user_id="r2", max_hub="3")  # D1 has 5 users
    assert pick(capped, "user_id", "shared_identifiers") == [("n4", ["Email:E1"]), ("r1", ["Card:C1"]),
                                                             ("r3", ["Email:E1"])]


def test_ring_summary(world):
    [row] = ask(world, "ring_summary", ring_id="R1")
    assert row["members"] == ["r1", "r2", "r3"] and row["members_now"] == 3 and row["size"] == 3
    assert row["mean_risk"] == pytest.approx(0.85)
    assert (row["exposure_paid"], row["sent_out"], row["received_in"]) == (500.0, 0.0, 0.0)
    assert row["shared_entities"] == ["device:D1", "merchant:M_BAD", "card:C1", "email:E1"]
    assert row["stored_shared_entities"] == ["device:D1", "card:C1", "email:E1"]
    assert (row["status"], row["score"], row["exposure"], row["merged_into"]) == ("active", 0.85, 999.0, None)
    assert row["grown_at"].to_native() == at("2024-03-10")

    [r2] = ask(world, "ring_summary", ring_id="R2")
    assert r2["members"] == ["s1", "s2", "s3", "s4"]
    assert (r2["exposure_paid"], r2["sent_out"], r2["received_in"]) == (135.0, 390.0, 0.0)
    assert r2["shared_entities"] == ["ip:I2", "merchant:M_S"]

    [merged] = ask(world, "ring_summary", ring_id="R0")
    assert (merged["members"], merged["mean_risk"], merged["exposure_paid"], merged["merged_into"]) == ([], None, 0.0, "R1")
    assert (row["first_seen"].to_native(), row["last_seen"].to_native()) == (at("2024-03-01"), at("2024-03-11T09:00:00"))
    assert row["scored_at"].to_native() == at("2024-04-01")
    with pytest.raises(EntityNotFound, match="^not found: ring nope$"):
        ask(world, "ring_summary", ring_id="nope")


def test_ring_members(world):
    rows = ask(world, "ring_members", ring_id="R1")
    assert pick(rows, "user_id", "risk_score", "flagged", "shared_with_members", "paid_amount",
                "sent_to_members", "received_from_members") == [
        ("r1", 0.9, True, ["card:C1", "device:D1"], 230.0, 100.0, 80.0),
        ("r2", 0.85, True, ["card:C1", "device:D1", "email:E1"], 150.0, 90.0, 100.0),
        ("r3", 0.8, True, ["device:D1", "email:E1"], 120.0, 80.0, 90.0),
    ]
    assert [r["since"].to_native() for r in rows] == [at("2024-03-01"), at("2024-03-01"), at("2024-03-10")]
    assert rows[0]["risk_reasons"] == ["reason of r1"]
    assert pick(rows, "user_id", "verdict", "verdict_by") == [("r1", None, None), ("r2", "fraud", "alice"),
                                                             ("r3", None, None)]
    assert rows[1]["verdict_at"].to_native() == at("2024-03-20T10:00:00")


@pytest.mark.parametrize(("name", "values", "message"), [
    ("ring_members", {"ring_id": "R9"}, "not found: ring R9"),
    ("ring_money_flow", {"ring_id": "R9"}, "not found: ring R9"),
    ("ring_history", {"ring_id": "R9"}, "not found: ring R9"),
    ("new_accounts_near_rings", {"since": "2024-03-01", "ring_id": "R9"}, "not found: ring R9"),
    ("review_queue", {"ring_id": "R9"}, "not found: ring R9"),
    ("shared_identifiers", {"user_id": "U0000789"}, "not found: user U0000789"),
    ("shortest_path", {"from_user": "n1", "to_user": "nobody"}, "not found: user nobody"),
    ("first_party_fraud_groups", {"user_id": "nobody"}, "not found: user nobody"),
    ("verdict_history", {"user_id": "nobody"}, "not found: user nobody"),
    ("ring_graph", {"ring_id": "R9"}, "not found: ring R9"),
    ("account_timeline", {"user_id": "nobody"}, "not found: user nobody"),
])
def test_an_unknown_id_is_an_error_not_an_empty_answer(world, name, values, message):
    with pytest.raises(EntityNotFound, match=f"^{message}$"):
        ask(world, name, **values)


def test_top_risk_users(world):
    rows = ask(world, "top_risk_users", limit="3")
    assert pick(rows, "user_id", "risk_score", "ring_id", "devices", "device_count", "merchants", "merchant_count",
                "paid_amount") == [
        ("r1", 0.9, "R1", ["D1", "KIOSK"], 2, ["M_BAD", "M_BIG"], 2, 230.0),
        ("r2", 0.85, "R1", ["D1"], 1, ["M_BAD"], 1, 150.0),
        ("r3", 0.8, "R1", ["D1"], 1, ["M_BAD"], 1, 120.0),
    ]
    one_each = ask(world, "top_risk_users", limit="1", max_items="1")
    assert pick(one_each, "user_id", "devices", "device_count", "merchants") == [("r1", ["D1"], 2, ["M_BAD"])]
    flagged = ask(world, "top_risk_users", flagged_only="true", min_score="0.5")
    assert [r["user_id"] for r in flagged] == ["r1", "r2", "r3", "s1", "s2", "s3", "s4"]  # h1 (0.55) is not flagged
    assert [r["user_id"] for r in ask(world, "top_risk_users", min_score="0.52")] == \
        ["r1", "r2", "r3", "s1", "s2", "s3", "s4", "h1"]
    verdicts = {r["user_id"]: (r["verdict"], r["verdict_by"]) for r in ask(world, "top_risk_users", limit="10")}
    assert verdicts["r2"] == ("fraud", "alice") and verdicts["h1"] == ("unsure", "bob") and verdicts["r1"] == (None, None)


def test_rings_since_uses_the_datas_own_times(world):
    # R2 was written by scoring on 2024-04-01 (created_at) but its members were last active on 02-06
    rows = ask(world, "rings_since", since="2024-03-05")
    assert pick(rows, "ring_id", "change", "active_members") == [("R1", "active", 2)]  # r3 (03-10) and r1 (03-11)
    assert (rows[0]["first_seen"].to_native(), rows[0]["last_seen"].to_native()) == (
        at("2024-03-01"), at("2024-03-11T09:00:00"))
    assert rows[0]["scored_at"].to_native() == at("2024-04-01")
    rows = ask(world, "rings_since", since="2024-03-01T00:00:00+00:00", statuses="active, dissolved")
    assert pick(rows, "ring_id", "change", "status") == [("R1", "started", "active"), ("R3", "started", "dissolved")]
    rows = ask(world, "rings_since", since="2024-02-05", statuses="active,merged")
    assert pick(rows, "ring_id", "change", "active_members") == [("R1", "started", 3), ("R0", "started", 0),
                                                                  ("R2", "active", 2)]  # s1 (02-06), s4 (02-05)
    assert ask(world, "rings_since", since="2024-03-12") == []


def test_top_rings(world):
    rows = ask(world, "top_rings")
    assert pick(rows, "ring_id", "size", "score", "flagged_members") == [("R1", 3, 0.85, 3), ("R2", 4, 0.7, 4)]
    rows = ask(world, "top_rings", statuses="active,merged,dissolved", min_size="0")
    assert [r["ring_id"] for r in rows] == ["R1", "R2", "R0", "R00", "R3"]
    assert [r["ring_id"] for r in ask(world, "top_rings", limit="1")] == ["R1"]
    assert rows[1]["last_seen"].to_native() == at("2024-02-06T09:00:00")
    assert rows[1]["scored_at"].to_native() == at("2024-04-01")


def test_shortest_path_and_hub_cap(world):
    [row] = ask(world, "shortest_path", from_user="h5", to_user="s2")
    assert row["hops"] == 3
    assert row["path"] == "user:h5 -PAID-> merchant:M_BIG <-PAID- user:s1 -SENT-> user:s2"
    assert (row["accounts"], row["entities"], row["risk_scores"]) == (["h5", "s1", "s2"], ["merchant:M_BIG"],
                                                                      [0.08, 0.75, 0.7])
    # M_BIG (8 payers) and the KIOSK (8 users) may not be crossed: the search finds a longer path
    [capped] = ask(world, "shortest_path", from_user="h5", to_user="s2", max_hub="5")
    assert capped["hops"] == 5
    assert capped["path"] == ("user:h5 -USED-> phone:P1 <-USED- user:x1 <-SENT- user:s4 <-SENT- user:s3 "
                              "<-SENT- user:s2")
    [used_only] = ask(world, "shortest_path", from_user="n1", to_user="x1", via="USED")
    assert used_only["path"] == ("user:n1 -USED-> device:D1 <-USED- user:r1 -USED-> device:KIOSK <-USED- user:h5 "
                                 "-USED-> phone:P1 <-USED- user:x1")
    assert ask(world, "shortest_path", from_user="n1", to_user="x1", via="USED", max_hops="5") == []
    assert ask(world, "shortest_path", from_user="n1", to_user="x1", via="USED", max_hub="7") == []
    assert ask(world, "shortest_path", from_user="n1", to_user="n1") == []


def test_risky_merchants(world):
    assert ask(world, "risky_merchants") == []  # no merchant has 10 payers
    rows = ask(world, "risky_merchants", min_payers="2", min_lift="1.5")
    base = 5 / 11  # r1, r2, r3, s1, s2 flagged among 11 paying accounts

    def z(risky, payers, p=base):
        return (risky - payers * p) / math.sqrt(payers * p * (1 - p))

    assert pick(rows, "merchant_id", "payers", "risky_payers", "amount", "risky_amount", "merchant_risk") == [
        ("M_S", 2, 2, 100.0, 100.0, None), ("M_BAD", 4, 3, 495.0, 470.0, 0.7)]
    assert [r["base_share"] for r in rows] == pytest.approx([base, base])
    assert [r["lift"] for r in rows] == pytest.approx([1 / base, 0.75 / base])
    assert [r["z_score"] for r in rows] == pytest.approx([z(2, 2), z(3, 4)])
    # with min_score 0.5 the unflagged h1 (0.55) counts as high-risk too: M_BAD is 4 of 4
    rows = ask(world, "risky_merchants", min_payers="3", min_lift="1.5", min_score="0.5")
    assert pick(rows, "merchant_id", "risky_payers") == [("M_BAD", 4)]
    assert rows[0]["z_score"] == pytest.approx(z(4, 4, 6 / 11))
    # with min_score 0.82 only r1 (0.9) and r2 (0.85) are high-risk: the flagged r3 (0.8) is not
    rows = ask(world, "risky_merchants", min_payers="3", min_lift="1.0", min_score="0.82")
    assert pick(rows, "merchant_id", "risky_payers") == [("M_BAD", 2)]
    assert rows[0]["base_share"] == pytest.approx(2 / 11)


def test_ring_money_flow(world):
    rows = ask(world, "ring_money_flow", ring_id="R1")
    assert pick(rows, "kind", "users", "amounts", "total_amount", "min_amount", "hops") == [
        ("cycle", ["r1", "r2", "r3", "r1"], [100.0, 90.0, 80.0], 270.0, 80.0, 3),
        ("transfer", ["r1", "r2"], [100.0], 100.0, 100.0, 1),
        ("transfer", ["r2", "r3"], [90.0], 90.0, 90.0, 1),
        ("transfer", ["r3", "r1"], [80.0], 80.0, 80.0, 1),
    ]
    assert (rows[0]["first_seen"].to_native(), rows[0]["last_seen"].to_native()) == (
        at("2024-03-03T09:00:00"), at("2024-03-11T09:00:00"))
    rows = ask(world, "ring_money_flow", ring_id="R2", limit="2")
    assert pick(rows, "kind", "users", "total_amount", "min_amount") == [
        ("chain", ["s1", "s2", "s3", "s4"], 1350.0, 400.0),  # s4 -> x1 leaves the ring
        ("transfer", ["s1", "s2"], 500.0, 500.0),
    ]


def test_new_accounts_near_rings(world):
    rows = ask(world, "new_accounts_near_rings", since="2024-03-15")
    assert pick(rows, "user_id", "ring_id", "shared_entities", "linked_members", "risk_score", "own_ring_id") == [
        ("n4", "R1", ["email:E1"], ["r2", "r3"], 0.35, None),
        ("n3", "R1", ["device:KIOSK"], ["r1"], 0.3, None),
        ("n1", "R1", ["device:D1"], ["r1", "r2", "r3"], 0.4, None),
    ]
    assert rows[0]["first_activity"].to_native() == at("2024-03-22")
    assert [r["user_id"] for r in ask(world, "new_accounts_near_rings", since="2024-03-15", max_hub="5")] == ["n4", "n1"]
    assert ask(world, "new_accounts_near_rings", since="2024-03-15", ring_id="R2") == []
    # earlier: members r1..r3 are new too but never listed; n2 (03-02) is
    rows = ask(world, "new_accounts_near_rings", since="2024-03-01")
    assert [r["user_id"] for r in rows] == ["n4", "n3", "n1", "n2"]


def test_first_party_fraud_groups(world):
    rows = ask(world, "first_party_fraud_groups")
    assert pick(rows, "anchor", "size", "depth", "flagged_members", "rings") == [
        ("s1", 3, 1, 3, ["R2"]),
        ("h1", 14, 3, 3, ["R1"]),
    ]
    assert rows[0]["shared_identifiers"] == ["ip:I2"]
    assert rows[1]["members"] == ["h1", "h2", "h3", "h4", "h5", "h6", "n1", "n2", "n3", "n4", "r1", "r2", "r3", "x1"]
    assert rows[1]["shared_identifiers"] == ["device:KIOSK", "device:D1", "email:E1", "address:A1", "card:C1",
                                             "phone:P1"]
    # the guide's rule on identity-like identifiers only, kiosk capped out
    kw = {"types": "device,card,email", "max_hub": "5"}
    [row] = ask(world, "first_party_fraud_groups", **kw)
    assert pick([row], "anchor", "members", "depth", "shared_identifiers", "flagged_members") == [
        ("n1", ["n1", "n2", "n4", "r1", "r2", "r3"], 2, ["device:D1", "email:E1", "card:C1"], 3)]
    assert row["mean_risk"] == pytest.approx((0.4 + 0.2 + 0.35 + 0.9 + 0.85 + 0.8) / 6)
    assert row["max_risk"] == 0.9
    # one hop: n4 reaches only r2 and r3, so the component comes out as two overlapping groups
    rows = ask(world, "first_party_fraud_groups", max_depth="1", **kw)
    assert pick(rows, "anchor", "members") == [("n1", ["n1", "n2", "r1", "r2", "r3"]), ("n4", ["n4", "r2", "r3"])]
    # time windows on the identifier uses
    assert ask(world, "first_party_fraud_groups", active_from="2024-03-15", **kw) == []
    rows = ask(world, "first_party_fraud_groups", active_until="2024-03-05", **kw)
    assert pick(rows, "anchor", "members", "shared_identifiers") == [
        ("n2", ["n2", "r1", "r2"], ["device:D1", "card:C1"])]
    # around one account, whatever its id
    rows = ask(world, "first_party_fraud_groups", user_id="s3", min_size="2")
    assert pick(rows, "anchor", "members") == [("s3", ["s1", "s2", "s3"])]
    assert ask(world, "first_party_fraud_groups", user_id="s4", min_size="1")[0]["members"] == ["s4"]


def test_user_risk_profile(world):
    [row] = ask(world, "user_risk_profile", user_id="r1")
    assert pick([row], "risk_score", "flagged", "risk_reasons", "model_version", "ring_id", "ring_status",
                "ring_size", "ring_score", "member_of", "identifiers", "merchants", "paid_amount", "sent_amount",
                "received_amount", "flagged_neighbours") == [
        (0.9, True, ["reason of r1"], "test-1", "R1", "active", 3, 0.85, ["R1"],
         ["card:C1", "device:D1", "device:KIOSK"], 2, 230.0, 100.0, 80.0, ["r2", "r3"])]
    assert row["member_since"].to_native() == at("2024-03-01")
    assert (row["first_activity"].to_native(), row["last_activity"].to_native()) == (
        at("2024-03-01T10:00:00"), at("2024-03-11T09:00:00"))
    [n3] = ask(world, "user_risk_profile", user_id="n3")
    assert pick([n3], "ring_id", "ring_status", "member_of", "identifiers", "merchants", "paid_amount",
                "flagged_neighbours") == [(None, None, [], ["device:KIOSK"], 0, 0.0, ["r1"])]
    assert ask(world, "user_risk_profile", user_id="n3", max_hub="5")[0]["flagged_neighbours"] == []
    assert pick([row], "verdict", "verdict_by", "ring_first_seen") == [(None, None, row["ring_first_seen"])]
    assert row["ring_last_seen"].to_native() == at("2024-03-11T09:00:00")
    [h1] = ask(world, "user_risk_profile", user_id="h1")
    assert (h1["verdict"], h1["verdict_by"], h1["verdict_at"].to_native()) == ("unsure", "bob", at("2024-03-25T10:00"))
    with pytest.raises(EntityNotFound, match="^not found: user nobody$"):
        ask(world, "user_risk_profile", user_id="nobody")


def test_ring_history(world):
    rows = ask(world, "ring_history", ring_id="R1")
    assert pick(rows, "ring_id", "relation", "distance", "status", "merged_into", "members_now") == [
        ("R00", "merged_in", -2, "merged", "R0", 0),
        ("R0", "merged_in", -1, "merged", "R1", 0),
        ("R1", "self", 0, "active", None, 3),
    ]
    assert rows[1]["merged_at"].to_native() == at("2024-03-10") and rows[2]["merged_at"] is None
    rows = ask(world, "ring_history", ring_id="R00")
    assert pick(rows, "ring_id", "relation", "distance") == [("R00", "self", 0), ("R0", "successor", 1),
                                                            ("R1", "successor", 2)]
    assert pick(ask(world, "ring_history", ring_id="R2"), "ring_id", "relation") == [("R2", "self")]


def test_flagged_shared_identifiers(world):
    rows = ask(world, "flagged_shared_identifiers")
    assert pick(rows, "identifier", "users", "flagged_users", "flagged_accounts", "rings", "identifier_risk") == [
        ("ip:I2", 3, 3, ["s1", "s2", "s3"], ["R2"], None),
        ("device:D1", 5, 3, ["r1", "r2", "r3"], ["R1"], 0.66),
        ("card:C1", 2, 2, ["r1", "r2"], ["R1"], None),
        ("email:E1", 3, 2, ["r2", "r3"], ["R1"], None),
    ]
    assert [r["flagged_share"] for r in rows] == pytest.approx([1.0, 0.6, 1.0, 2 / 3])
    assert [r["identifier"] for r in ask(world, "flagged_shared_identifiers", types="device")] == ["device:D1"]
    assert [r["identifier"] for r in ask(world, "flagged_shared_identifiers", max_hub="4")] == \
        ["ip:I2", "card:C1", "email:E1"]
    assert [r["identifier"] for r in ask(world, "flagged_shared_identifiers", min_flagged="3")] == ["ip:I2", "device:D1"]


def test_high_risk_sent_chains(world):
    rows = ask(world, "high_risk_sent_chains")  # the r1 -> r2 -> r3 -> r1 cycle has no start
    assert pick(rows, "users", "amounts", "hops", "total_amount", "min_transfer") == [
        (["s1", "s2", "s3", "s4"], [500.0, 450.0, 400.0], 3, 1350.0, 400.0)]
    rows = ask(world, "high_risk_sent_chains", min_score="0.5")  # x1 (0.5, not flagged) joins
    assert pick(rows, "users", "risk_scores") == [(["s1", "s2", "s3", "s4", "x1"], [0.75, 0.7, 0.65, 0.6, 0.5])]
    rows = ask(world, "high_risk_sent_chains", min_amount="420")
    assert pick(rows, "users", "total_amount") == [(["s1", "s2", "s3"], 950.0)]
    # min_score filters: every account on a chain has at least that score, flagged or not (s4 is 0.6)
    rows = ask(world, "high_risk_sent_chains", min_score="0.62")
    assert pick(rows, "users", "risk_scores") == [(["s1", "s2", "s3"], [0.75, 0.7, 0.65])]
    assert ask(world, "high_risk_sent_chains", min_score="0.72") == []  # s1 alone is no chain
    for row in ask(world, "high_risk_sent_chains", min_score="0.3"):
        assert min(row["risk_scores"]) >= 0.3


def test_review_queue(world):
    rows = ask(world, "review_queue")
    # flagged and no verdict: r2 (fraud, by alice) has left the queue; ring R1 (exposure 999) before R2 (135)
    assert pick(rows, "user_id", "risk_score", "ring_id", "ring_exposure") == [
        ("r1", 0.9, "R1", 999.0), ("r3", 0.8, "R1", 999.0),
        ("s1", 0.75, "R2", 135.0), ("s2", 0.7, "R2", 135.0), ("s3", 0.65, "R2", 135.0), ("s4", 0.6, "R2", 135.0)]
    assert rows[0]["risk_reasons"] == ["reason of r1"]
    assert {"user_id", "risk_score", "ring_id", "ring_exposure", "risk_reasons"} <= set(rows[0])
    assert [r["user_id"] for r in ask(world, "review_queue", ring_id="R2", limit="2")] == ["s1", "s2"]


def test_verdict_history(world):
    rows = ask(world, "verdict_history")
    assert pick(rows, "user_id", "verdict", "by", "note", "current") == [
        ("h1", "unsure", "bob", "second look", True), ("h1", "legit", "bob", None, False),
        ("r2", "fraud", "alice", "pays r3 who pays r1", True)]
    assert rows[0]["at"].to_native() == at("2024-03-25T10:00:00")
    assert pick(ask(world, "verdict_history", user_id="r2"), "user_id", "verdict") == [("r2", "fraud")]
    assert pick(ask(world, "verdict_history", by="bob", since="2024-03-22"), "verdict") == [("unsure",)]
    assert ask(world, "verdict_history", by="carol") == []



def test_review_queue_says_how_long_the_whole_queue_is(world):
    assert {row["waiting"] for row in ask(world, "review_queue", limit="2")} == {6}
    assert {row["waiting"] for row in ask(world, "review_queue", ring_id="R2", limit="1")} == {4}


def test_ring_list_sorts_and_filters(world):
    rows = ask(world, "ring_list")
    # R1: r2 has a verdict (fraud), r1 and r3 none -> partial; R2: no verdict
    assert pick(rows, "ring_id", "exposure", "size", "risk", "members", "reviewed", "confirmed_fraud",
                "review_state") == [("R1", 999.0, 3, 0.85, 3, 1, 1, "partial"), ("R2", 135.0, 4, 0.7, 4, 0, 0, "unreviewed")]
    assert [r["ring_id"] for r in ask(world, "ring_list", sort="size")] == ["R2", "R1"]
    assert [r["ring_id"] for r in ask(world, "ring_list", sort="risk")] == ["R1", "R2"]
    assert [r["ring_id"] for r in ask(world, "ring_list", review="unreviewed")] == ["R2"]
    assert [r["ring_id"] for r in ask(world, "ring_list", review="reviewed")] == []
    assert [r["ring_id"] for r in ask(world, "ring_list", min_size="4")] == ["R2"]
    assert [r["ring_id"] for r in ask(world, "ring_list", statuses="merged", min_size="0")] == ["R0", "R00"]


def test_ring_graph_draws_members_shared_entities_and_transfers(world):
    (row,) = ask(world, "ring_graph", ring_id="R1")
    assert [(m["key"], m["risk"], m["verdict"]) for m in row["members"]] == [
        ("r1", 0.9, None), ("r2", 0.85, "fraud"), ("r3", 0.8, None)]
    # the kiosk (only r1 of the ring) and M_BIG (only r1) tie no two members
    assert [(e["id"], e["members"]) for e in row["entities"]] == [
        ("card:C1", 2), ("device:D1", 3), ("email:E1", 2), ("merchant:M_BAD", 3)]
    sent = sorted((e["source"], e["target"], e["amount"], e["first_seen"].to_native())
                  for e in row["edges"] if e["kind"] == "sent")
    assert sent == [("user:r1", "user:r2", 100.0, at("2024-03-03T09:00:00")),
                    ("user:r2", "user:r3", 90.0, at("2024-03-04T09:00:00")),
                    ("user:r3", "user:r1", 80.0, at("2024-03-11T09:00:00"))]
    paid = {(e["source"], e["amount"]) for e in row["edges"] if e["kind"] == "paid"}
    assert paid == {("user:r1", 200.0), ("user:r2", 150.0), ("user:r3", 120.0)}
    assert len([e for e in row["edges"] if e["kind"] == "used"]) == 2 + 3 + 2
    assert ask(world, "ring_graph", ring_id="R1", max_hub="4")[0]["entities"] == [
        {"id": "card:C1", "kind": "card", "key": "C1", "members": 2, "risk": None},
        {"id": "email:E1", "kind": "email", "key": "E1", "members": 2, "risk": None},
        {"id": "merchant:M_BAD", "kind": "merchant", "key": "M_BAD", "members": 3, "risk": 0.7}]


def test_account_neighbours_expands_any_kind_of_node(world):
    rows = ask(world, "account_neighbours", kind="device", key="D1")
    assert pick(rows, "id", "risk", "tie", "direction") == [
        ("user:r1", 0.9, "used", "in"), ("user:r2", 0.85, "used", "in"), ("user:r3", 0.8, "used", "in"),
        ("user:n1", 0.4, "used", "in"), ("user:n2", 0.2, "used", "in")]
    r3 = {row["id"]: row for row in ask(world, "account_neighbours", kind="user", key="r3")}
    assert (r3["user:r1"]["tie"], r3["user:r1"]["direction"], r3["user:r1"]["amount"]) == ("sent", "out", 80.0)
    assert (r3["user:r2"]["tie"], r3["user:r2"]["direction"], r3["user:r2"]["amount"]) == ("sent", "in", 90.0)
    assert len(ask(world, "account_neighbours", kind="user", key="r3", limit="2")) == 2
    assert ask(world, "account_neighbours", kind="card", key="D1") == []  # D1 is a device


def test_account_timeline_in_the_order_of_the_data(world):
    rows = ask(world, "account_timeline", user_id="r1")
    assert pick(rows, "activity", "counterpart", "amount") == [
        # an identifier's amount: what the account's transactions through it came to (t01 and t05 on D1)
        ("paid", "merchant:M_BAD", 200.0), ("used", "card:C1", 200.0), ("used", "device:D1", 300.0),
        ("paid", "merchant:M_BIG", 30.0), ("used", "device:KIOSK", 30.0),
        ("sent", "user:r2", 100.0), ("received", "user:r3", 80.0)]
    assert rows[0]["first_seen"].to_native() == at("2024-03-01T10:00:00")
    assert rows[-1]["counterpart_risk"] == 0.8

# --- the command line against the server -------------------------------------------------------


def test_cli_runs_a_query_as_json(world, neo4j_config, capsys):
    status = main(["query", "shared_identifiers", "--param", "user_id=r2", "--param", "max_hub=3",
                   "--format", "json", "--uri", neo4j_config.uri])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    rows = json.loads(captured.out)
    assert [(r["user_id"], r["shared_identifiers"]) for r in rows] == [("n4", ["Email:E1"]), ("r1", ["Card:C1"]),
                                                                        ("r3", ["Email:E1"])]


def test_cli_prints_dates_and_lists_readably(world, neo4j_config, capsys):
    assert main(["query", "ring_members", "--param", "ring_id=R1", "--format", "json", "--uri", neo4j_config.uri]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["since"] == "2024-03-01T00:00:00Z" and rows[0]["shared_with_members"] == ["card:C1", "device:D1"]

    assert main(["query", "ring_members", "--param", "ring_id=R1", "--format", "csv", "--uri", neo4j_config.uri]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "user_id,risk_score,flagged,risk_reasons,verdict,verdict_by,verdict_at,since," \
                       "shared_with_members,paid_amount,sent_to_members,received_from_members"
    assert lines[1].startswith('r1,0.9,true,"[""reason of r1""]",,,,2024-03-01T00:00:00Z,')
    assert len(lines) == 4

    assert main(["query", "ring_members", "--param", "ring_id=R1", "--limit", "2", "--uri", neo4j_config.uri]) == 0
    captured = capsys.readouterr()
    table = captured.out.splitlines()
    assert table[0].split() == ["user_id", "risk_score", "flagged", "risk_reasons", "verdict", "verdict_by",
                                "verdict_at", "since", "shared_with_members", "paid_amount", "sent_to_members",
                                "received_from_members"]
    assert table[2].split()[:6] == ["r1", "0.9", "true", "reason", "of", "r1"]
    assert "2024-03-01T00:00:00Z" in table[2]
    assert "card:C1, device:D1" in table[2]
    assert table[-1] == "(3 rows)" and len(table) == 5
    assert "showing 2 of 3 rows" in captured.err


def test_cli_says_an_unknown_id_is_not_found(world, neo4j_config, capsys):
    assert main(["query", "ring_members", "--param", "ring_id=R1x", "--uri", neo4j_config.uri]) == 1
    captured = capsys.readouterr()
    assert captured.err == "graphrisk query: error: not found: ring R1x\n" and captured.out == ""
    status = main(["query", "shared_identifiers", "--param", "user_id=U0000789", "--format", "csv",
                   "--uri", neo4j_config.uri])
    assert status == 1 and capsys.readouterr().err == "graphrisk query: error: not found: user U0000789\n"


def test_cli_csv_with_no_rows_prints_its_header(world, neo4j_config, capsys):
    # h6 exists and shares only the kiosk, which max_hub=2 leaves out: no row
    assert main(["query", "shared_identifiers", "--param", "user_id=h6", "--param", "max_hub=2", "--format", "csv",
                 "--uri", neo4j_config.uri]) == 0
    assert capsys.readouterr().out == "user_id,shared_identifiers,shared_count\n"
    assert main(["query", "shared_identifiers", "--param", "user_id=h6", "--param", "max_hub=2", "--format", "json",
                 "--uri", neo4j_config.uri]) == 0
    assert capsys.readouterr().out == "[]\n"


def test_a_query_on_a_missing_property_prints_no_notification(world, neo4j_config, tmp_path):
    path = tmp_path / "typo.cypher"
    path.write_text("MATCH (u:User) RETURN max(u.fraud_count) AS fraud_count, count(u.no_such) AS n\n", encoding="utf-8")
    env = {**os.environ, "NEO4J_URI": neo4j_config.uri}
    done = subprocess.run([sys.executable, "-m", "graphrisk", "query", "--file", str(path), "--format", "json"],
                          capture_output=True, text=True, env=env, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"fraud_count": None, "n": 0}]
    assert done.stderr == ""


def test_cli_refuses_a_writing_file_before_sending_it(world, neo4j_config, tmp_path, capsys):
    before = _counts(world)
    path = tmp_path / "evil.cypher"
    path.write_text("// Mark everyone\nMATCH (u:User) SET u.flagged = true RETURN count(u) AS n\n", encoding="utf-8")
    status = main(["query", "--file", str(path), "--uri", neo4j_config.uri])
    err = capsys.readouterr().err
    assert status == 1
    assert err == "graphrisk query: error: query 'evil' is refused: line 2: SET writes to the database; " \
                  "only read-only queries may run\n"
    assert _counts(world) == before
    assert world.read("MATCH (u:User {flagged: true}) RETURN count(u) AS n")[0]["n"] == len(RING_OF)


def test_cli_runs_a_custom_read_file(world, neo4j_config, tmp_path, capsys):
    path = tmp_path / "ring_size.cypher"
    path.write_text("// Members of a ring\n//\n// Parameters:\n//   $ring_id  STRING  the ring (required)\n"
                    "MATCH (:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(u) RETURN count(u) AS members\n",
                    encoding="utf-8")
    assert main(["query", "--file", str(path), "--param", "ring_id=R2", "--format", "json",
                 "--uri", neo4j_config.uri]) == 0
    assert json.loads(capsys.readouterr().out) == [{"members": 4}]


def test_the_read_transaction_refuses_what_the_static_check_lets_through(world, neo4j_config, tmp_path, capsys,
                                                                         monkeypatch):
    before = _counts(world)
    with pytest.raises(ClientError, match="Writing in read access mode not allowed"):
        world.read("CREATE (:Intruder) RETURN 1 AS one")
    # the CLI with the static check switched off: the server still refuses, exit 1, nothing written
    import graphrisk.cli.query as cli_query
    import graphrisk.queries as queries

    monkeypatch.setattr(cli_query, "check_read_only", lambda text: None)
    monkeypatch.setattr(queries, "check_read_only", lambda text: None)
    path = tmp_path / "sneaky.cypher"
    path.write_text("MERGE (i:Intruder {name: 'x'}) RETURN i.name AS name\n", encoding="utf-8")
    status = main(["query", "--file", str(path), "--uri", neo4j_config.uri])
    err = capsys.readouterr().err
    assert status == 1 and "Writing in read access mode not allowed" in err and err.count("\n") == 1
    assert _counts(world) == before


# --- a generated world, checked against NetworkX ------------------------------------------------


@pytest.fixture(scope="module")
def generated(neo4j_config):
    """A runner on a generated world of 400 users, and its graph read back as NetworkX."""
    world = generate_world(400, seed=7)
    graph = build_graph(world.transactions, world.links, world.users)[0]
    with connect(neo4j_config) as runner:
        clear_graph(runner)
        load_graph(runner, graph)
        rows = runner.read(
            "MATCH (u:User)-[r:USED|PAID|SENT]->(x) "
            "RETURN u.user_id AS user, type(r) AS type, labels(x)[0] AS label, "
            "coalesce(x.user_id, x.merchant_id, x.device_id, x.card_id, x.ip_id, x.email_id, x.phone_id, "
            "x.address_id) AS key"
        )
        nxg = nx.MultiGraph()
        for row in rows:
            nxg.add_edge(("User", row["user"]), (row["label"], row["key"]), type=row["type"])
        yield runner, nxg, world
        clear_graph(runner)


def _capped(nxg: nx.MultiGraph, max_hub: int, types: set[str] | None = None) -> nx.MultiGraph:
    """The graph without hubs (non-user nodes with more than ``max_hub`` relationships)."""
    keep = [n for n in nxg if n[0] == "User" or nxg.degree(n) <= max_hub]
    sub = nxg.subgraph(keep)
    if types is None:
        return sub
    return nx.MultiGraph((a, b, d) for a, b, d in sub.edges(data=True) if d["type"] in types)


def test_shortest_path_lengths_match_networkx(generated):
    runner, nxg, world = generated
    users = sorted(world.labels["user_id"])
    fraud = sorted(world.labels.loc[world.labels["is_fraud"] == 1, "user_id"])
    pairs = [(fraud[0], fraud[i]) for i in range(1, 6)] + [(users[i], users[-1 - i]) for i in range(0, 40, 8)]
    hops = {}
    for max_hub in (50, 8):
        capped = _capped(nxg, max_hub)
        for a, b in pairs:
            rows = ask(runner, "shortest_path", from_user=a, to_user=b, max_hub=str(max_hub))
            try:
                expected = nx.shortest_path_length(capped, ("User", a), ("User", b))
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                expected = None
            expected = expected if expected is not None and expected <= 10 else None
            assert (rows[0]["hops"] if rows else None) == expected, (a, b, max_hub)
            if rows:  # the path shown has as many steps as the length found
                assert len(rows[0]["path"].split(" ")[::2]) == expected + 1
            hops[max_hub, a, b] = expected
    assert sum(hops[50, a, b] is not None for a, b in pairs) >= 5, "most pairs should be connected"
    assert any(hops[50, a, b] != hops[8, a, b] for a, b in pairs), "the lower cap should change some answers"


def test_first_party_groups_match_connected_components(generated):
    runner, nxg, _ = generated
    max_hub = 20
    used = _capped(nxg, max_hub, {"USED"})
    expected = {}
    for component in nx.connected_components(used):
        members = sorted(key for label, key in component if label == "User")
        hops = nx.eccentricity(used.subgraph(component)) if len(members) >= 3 else {}
        # exact when every member is within 4 shared identifiers (8 relationships) of the anchor
        if len(members) >= 3 and hops[("User", members[0])] <= 8:
            expected[members[0]] = members
    rows = ask(runner, "first_party_fraud_groups", max_hub=str(max_hub), max_depth="4", limit="1000")
    found = {row["anchor"]: row["members"] for row in rows}
    assert expected, "the generated world should have linked groups"
    for anchor, members in expected.items():
        assert found.get(anchor) == members
    # every reported group lies inside one component
    component_of = {key: i for i, c in enumerate(nx.connected_components(used)) for label, key in c}
    for members in found.values():
        assert len({component_of[m] for m in members}) == 1
