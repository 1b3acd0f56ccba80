"""The loader's queries, checked with a runner that records instead of running (no server)."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.store.loader import load_graph

NASTY = "x'}) DETACH DELETE n //"


class RecordingRunner:
    """Records every query and its parameters; answers the loader's bookkeeping queries."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def write(self, query, parameters=None):
        self.calls.append((query, dict(parameters or {})))
        if "MERGE (load:Load" in query:
            return [{"status": "running", "batch_size": parameters["batch_size"], "done": 0,
                     "create_types": parameters["fresh_types"]}]
        if "MERGE (lock:WriteLock" in query:
            return [{"free": True, "holder": parameters["holder"], "heartbeat": None}]
        if "RETURN count(*) AS applied" in query:
            return [{"applied": len(parameters["rows"])}]
        return []

    def read(self, query, parameters=None):
        self.calls.append((query, dict(parameters or {})))
        if "db.relationshipTypes()" in query:
            return []  # an empty database: every relationship type is written with CREATE
        raise AssertionError(f"the loader reads only which relationship types exist, not {query!r}")


@pytest.fixture
def nasty_graph():
    tx = pd.DataFrame({
        "transaction_id": ["t1", "t2"], "timestamp": ["2024-01-01T00:00:00Z"] * 2,
        "user_id": [NASTY, "u2"], "amount": [1.0, 2.0], "merchant_id": [NASTY, "m2"], "device_id": ["d", NASTY],
    })
    return build_graph(tx)[0]


def test_values_never_appear_in_query_text(nasty_graph):
    runner = RecordingRunner()
    load_graph(runner, nasty_graph)
    assert runner.calls, "the loader wrote nothing"
    for query, _ in runner.calls:
        assert NASTY not in query
        assert "DETACH DELETE" not in query
    sent = [p for _, p in runner.calls if p]
    assert any(NASTY in str(p) for p in sent)


def test_writes_are_batched(nasty_graph):
    runner = RecordingRunner()
    load_graph(runner, nasty_graph, batch_size=1, workers=1)
    merges = [p["ids"] for q, p in runner.calls if q.startswith("UNWIND $ids") and "User" in q]
    assert merges == [["u2"], [NASTY]]  # sorted by id
    relationship_batches = [p["batch_key"].split(":", 1)[1] for q, p in runner.calls if "batch_key" in p]
    assert relationship_batches == ["paid:0", "paid:1", "used:device:0", "used:device:1"]


def test_constraints_come_first(nasty_graph):
    runner = RecordingRunner()
    load_graph(runner, nasty_graph)
    first_data_write = next(i for i, (q, _) in enumerate(runner.calls) if "MERGE" in q)
    constraints = [i for i, (q, _) in enumerate(runner.calls) if q.startswith("CREATE CONSTRAINT")]
    assert constraints and max(constraints) < first_data_write


@pytest.mark.parametrize("size", [0, -5])
def test_batch_size_and_workers_must_be_positive(nasty_graph, size):
    with pytest.raises(ValueError, match="batch_size"):
        load_graph(RecordingRunner(), nasty_graph, batch_size=size)
    with pytest.raises(ValueError, match="workers"):
        load_graph(RecordingRunner(), nasty_graph, workers=size)


def test_a_failing_batch_stops_the_load_with_its_error(nasty_graph):
    class Failing(RecordingRunner):
        def write(self, query, parameters=None):
            if "LoadBatch {batch_key" in query:
                raise ConnectionError("server went away")
            return super().write(query, parameters)

    runner = Failing()
    with pytest.raises(ConnectionError, match="server went away"):
        load_graph(runner, nasty_graph, batch_size=1, workers=2)
    assert not any("status = 'complete'" in q for q, _ in runner.calls)


def test_only_graph_model_names_enter_query_text():
    from graphrisk.store import cypher
    from graphrisk.store.constraints import CONSTRAINTS

    for constraint, label, key in CONSTRAINTS:
        assert cypher.name(constraint) and cypher.name(label) and cypher.name(key)
    for text in (NASTY, "User`) DETACH DELETE n //", "Users", ""):
        with pytest.raises(ValueError, match="not a name of graphrisk's graph model"):
            cypher.name(text)
