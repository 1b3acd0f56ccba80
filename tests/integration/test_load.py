"""Loading into a real Neo4j: exact counts, idempotence, resume, additivity."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.errors import StoreError
from graphrisk.store.constraints import CONSTRAINTS
from graphrisk.store.loader import load_graph
from graphrisk.store.write_lock import acquire_write_lock, release_write_lock

pytestmark = pytest.mark.integration

# Hand-counted from graphrisk/samples/*.csv (see tests/unit/graph/test_build.py for the derivation).
SAMPLE_NODES = {
    "User": 10, "Merchant": 4, "Device": 5, "Card": 6, "IP": 3, "Email": 2, "Phone": 1, "Load": 1,
}
SAMPLE_RELATIONSHIPS = {"PAID": 8, "SENT": 2, "USED": 26}

ALL_RELATIONSHIPS = (
    "MATCH (a:User)-[r]->(b) "
    "RETURN a.user_id AS a, labels(b)[0] AS label, [k IN keys(b) WHERE k ENDS WITH '_id' | b[k]][0] AS b, "
    "type(r) AS type, properties(r) AS p"
)


def sorted_rows(rows):
    return sorted(rows, key=lambda row: (row["a"], row["label"], row["b"], row["type"]))


def test_sample_loads_with_exact_counts(runner, db_counts, sample_paths):
    graph, _ = build_graph(**sample_paths)
    report = load_graph(runner, graph)
    assert report.status == "loaded"
    assert db_counts() == (SAMPLE_NODES, SAMPLE_RELATIONSHIPS)


def test_relationship_properties_are_aggregated_per_pair(runner, sample_paths):
    graph, _ = build_graph(**sample_paths)
    load_graph(runner, graph)
    [paid] = runner.read("MATCH (:User {user_id: $u})-[r:PAID]->(:Merchant {merchant_id: $m}) RETURN properties(r) AS r",
                         {"u": "u1", "m": "m1"})
    r = paid["r"]
    assert (r["count"], r["amount"]) == (2, 37.5)
    assert r["first_seen"].to_native() == datetime(2024, 3, 1, 9, tzinfo=timezone.utc)
    assert r["last_seen"].to_native() == datetime(2024, 3, 1, 10, tzinfo=timezone.utc)
    assert r["fraud_count"] == 0
    [used] = runner.read("MATCH (:User {user_id: 'u7'})-[r:USED]->(:Device {device_id: 'dX'}) RETURN properties(r) AS r")
    assert (used["r"]["count"], used["r"]["link_count"], used["r"]["amount"]) == (1, 1, 99.0)
    [unlabelled] = runner.read("MATCH (:User {user_id: 'u8'})-[r:PAID]->() RETURN properties(r) AS r")
    assert "fraud_count" not in unlabelled["r"]


def test_user_attributes_and_labels_are_stored(runner, sample_paths):
    graph, _ = build_graph(**sample_paths)
    load_graph(runner, graph)
    rows = runner.read(
        "MATCH (u:User) RETURN u.user_id AS id, u.country AS country, u.account_age_days AS age, "
        "u.label_is_fraud AS fraud, u.label_ring_id AS ring ORDER BY id"
    )
    by_id = {row["id"]: row for row in rows}
    assert by_id["u5"] == {"id": "u5", "country": "NG", "age": 3.0, "fraud": 1, "ring": "R1"}
    assert by_id["u10"]["country"] == "GB" and by_id["u10"]["fraud"] is None
    assert by_id["u1"]["fraud"] == 0
    assert "u99" not in by_id  # its label was rejected: unknown user


def test_reload_is_idempotent(runner, db_counts, sample_paths):
    graph, _ = build_graph(**sample_paths)
    load_graph(runner, graph)
    first = db_counts()
    sums_before = runner.read("MATCH ()-[r]->() RETURN sum(r.count) AS c, sum(r.amount) AS a")
    again = load_graph(runner, graph)
    assert again.status == "already-loaded"
    assert db_counts() == first
    assert runner.read("MATCH ()-[r]->() RETURN sum(r.count) AS c, sum(r.amount) AS a") == sums_before


def test_different_loads_add_up(runner):
    def tx(ids, user, amount):
        return pd.DataFrame({
            "transaction_id": ids, "timestamp": ["2024-01-01T00:00:00Z"] * len(ids),
            "user_id": [user] * len(ids), "amount": [amount] * len(ids), "merchant_id": ["m"] * len(ids),
        })

    load_graph(runner, build_graph(tx(["a", "b"], "u", 1.0))[0])
    load_graph(runner, build_graph(tx(["c"], "u", 5.0))[0])
    [row] = runner.read("MATCH (:User {user_id: 'u'})-[r:PAID]->(:Merchant) RETURN r.count AS c, r.amount AS a")
    assert row == {"c": 3, "a": 7.0}
    assert runner.read("MATCH (l:Load) RETURN count(l) AS n") == [{"n": 2}]


class _StopAfter:
    """Passes writes through to the real runner and raises after ``limit`` of them (a crash mid-load)."""

    def __init__(self, runner, limit: int) -> None:
        self.runner, self.limit, self.writes = runner, limit, 0
        self.lock = threading.Lock()

    def write(self, query, parameters=None):
        with self.lock:
            if self.writes >= self.limit:
                raise ConnectionError("simulated crash")
            self.writes += 1
        return self.runner.write(query, parameters)

    def read(self, query, parameters=None):
        return self.runner.read(query, parameters)


# The sample with batch_size=2 takes one write per constraint, then the load lock, the Load
# node, 20 node and label batches, 19 relationship batches, the finish and the lock's
# release; stop in each phase.
BEFORE_RELATIONSHIPS = len(CONSTRAINTS) + 2 + 20


@pytest.mark.parametrize("stop_after", [5, 20, BEFORE_RELATIONSHIPS + 1, BEFORE_RELATIONSHIPS + 13,
                                        BEFORE_RELATIONSHIPS + 19])
def test_interrupted_load_resumes_to_exact_counts(runner, db_counts, sample_paths, stop_after):
    graph, _ = build_graph(**sample_paths)
    with pytest.raises(ConnectionError):
        load_graph(_StopAfter(runner, stop_after), graph, batch_size=2)
    report = load_graph(runner, graph, batch_size=2)
    relationship_batches_done = min(max(stop_after - BEFORE_RELATIONSHIPS, 0), 19)
    assert report.status == ("resumed" if relationship_batches_done else "loaded")
    assert report.batches_skipped == relationship_batches_done
    assert db_counts() == (SAMPLE_NODES, SAMPLE_RELATIONSHIPS)
    totals = runner.read(
        "MATCH ()-[r]->() RETURN sum(r.count) AS c, sum(r.amount) AS a, sum(coalesce(r.link_count, 0)) AS l"
    )
    # 12 valid transactions: PAID 10 (1598.25), SENT 2 (950.0), USED device 12 (2548.25),
    # card 10 (1598.25), ip 8 (1174.5); 5 links
    assert totals == [{"c": 42, "a": pytest.approx(7869.25), "l": 5}]


def test_resume_after_interruption_matches_a_clean_load(runner, sample_paths):
    graph, _ = build_graph(**sample_paths)
    load_graph(runner, graph, batch_size=2)
    clean = sorted_rows(runner.read(
        ALL_RELATIONSHIPS
    ))
    runner.autocommit("MATCH (n) DETACH DELETE n")
    with pytest.raises(ConnectionError):
        load_graph(_StopAfter(runner, 25), graph, batch_size=2)
    load_graph(runner, graph, batch_size=2)
    resumed = sorted_rows(runner.read(
        ALL_RELATIONSHIPS
    ))
    assert resumed == clean


def test_transaction_nodes_are_optional(runner, sample_paths):
    graph, _ = build_graph(**sample_paths)
    load_graph(runner, graph, keep_transactions=True)
    rows = runner.read("MATCH (t:Transaction) RETURN count(t) AS n")
    assert rows == [{"n": 12}]
    assert runner.read("MATCH (:Transaction {transaction_id: 't09'})-[:TO]->(u:User) RETURN u.user_id AS u") == [{"u": "u8"}]


def test_adding_labels_later_sets_them_without_adding_relationships_again(runner, db_counts, sample_paths):
    load_graph(runner, build_graph(sample_paths["transactions"], sample_paths["links"])[0])
    before = db_counts()
    totals = "MATCH ()-[r]->() RETURN sum(r.count) AS c, sum(r.amount) AS a"
    sums = runner.read(totals)
    again = load_graph(runner, build_graph(**sample_paths)[0])
    assert again.status == "already-loaded"
    assert db_counts()[1] == before[1]
    assert runner.read(totals) == sums
    assert runner.read("MATCH (u:User {label_is_fraud: 1}) RETURN count(u) AS n") == [{"n": 3}]
    assert runner.read("MATCH (u:User {user_id: 'u10'}) RETURN u.country AS c") == [{"c": "GB"}]


def test_transaction_nodes_can_be_asked_for_on_a_rerun(runner, db_counts, sample_paths):
    graph = build_graph(**sample_paths)[0]
    load_graph(runner, graph)
    relationships = db_counts()[1]
    load_graph(runner, graph, keep_transactions=True)
    assert runner.read("MATCH (t:Transaction) RETURN count(t) AS n") == [{"n": 12}]
    assert {k: v for k, v in db_counts()[1].items() if k in relationships} == relationships


def test_ledger_is_kept_so_an_overlapping_run_cannot_add_again(runner, sample_paths):
    graph = build_graph(**sample_paths)[0]
    load_graph(runner, graph, batch_size=2)
    [ledger] = runner.read("MATCH (b:LoadBatch) RETURN count(b) AS n")
    assert ledger["n"] == 19  # one per relationship batch
    # a run that started before the first completed replays its batches: all are skipped
    from graphrisk.store import loader

    writes = loader._relationship_writes(graph, f"{graph.content_id}:", 2)
    applied = [runner.write(w.query, w.parameters)[0]["applied"] for w in writes]
    assert applied == [0] * 19


def _payments(ids, user, amount, merchant="m"):
    return pd.DataFrame({
        "transaction_id": ids, "timestamp": ["2024-01-01T00:00:00Z"] * len(ids),
        "user_id": [user] * len(ids), "amount": [amount] * len(ids), "merchant_id": [merchant] * len(ids),
    })


def test_a_first_load_creates_and_a_later_load_merges(runner):
    first = load_graph(runner, build_graph(_payments(["a", "b"], "u", 1.0))[0])
    second = load_graph(runner, build_graph(_payments(["c"], "u", 5.0))[0])
    [a, b] = runner.read("MATCH (l:Load) RETURN l.load_id AS id, l.create_types AS types ORDER BY l.started_at")
    assert (a["id"], b["id"]) == (first.load_id, second.load_id)
    assert a["types"] == ["PAID", "SENT", "USED"]  # an empty database: this load is the only writer
    assert b["types"] == ["SENT", "USED"]  # PAID existed: added with MERGE, onto the same pair
    assert runner.read("MATCH ()-[r:PAID]->() RETURN count(r) AS n, sum(r.count) AS c") == [{"n": 1, "c": 3}]


def test_a_resume_after_another_load_merges_instead_of_creating(runner, db_counts):
    # load A is cut off after one of its two PAID batches; load B then adds a payment on A's
    # second pair; A's resume must add onto B's relationship, not create a second one.
    a = build_graph(_payments(["a1", "a2"], "u1", 1.0, "m1").assign(user_id=["u1", "u2"]))[0]
    with pytest.raises(ConnectionError):  # constraints, lock, Load node, 3 node batches, 1 of 2 PAID batches
        load_graph(_StopAfter(runner, len(CONSTRAINTS) + 2 + 3 + 1), a, batch_size=1)
    assert runner.read("MATCH ()-[r:PAID]->() RETURN count(r) AS n") == [{"n": 1}]
    release_write_lock(runner, "load", a.content_id)  # as another load does with a stale lock (10 minutes)
    load_graph(runner, build_graph(_payments(["b1"], "u2", 5.0, "m1"))[0])
    resumed = load_graph(runner, a, batch_size=1)
    assert resumed.status == "resumed"
    rows = runner.read("MATCH (u:User)-[r:PAID]->() RETURN u.user_id AS u, r.count AS c, r.amount AS a ORDER BY u")
    assert rows == [{"u": "u1", "c": 1, "a": 1.0}, {"u": "u2", "c": 2, "a": 6.0}]


def test_a_load_while_another_runs_is_refused_in_one_line(runner):
    acquire_write_lock(runner, "load", "another-load-id", activity="load")
    try:
        with pytest.raises(StoreError, match=r"^another load \(run another-load\) is writing to Neo4j") as failure:
            load_graph(runner, build_graph(_payments(["a"], "u", 1.0))[0])
        assert "\n" not in str(failure.value)
    finally:
        release_write_lock(runner, "load", "another-load-id")
    assert load_graph(runner, build_graph(_payments(["a"], "u", 1.0))[0]).status == "loaded"
