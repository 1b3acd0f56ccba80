"""Shipped investigator queries run read-only against the real Neo4j with known answers."""

from __future__ import annotations

import pytest

from graphrisk import build_graph
from graphrisk.queries import list_queries, read_query
from graphrisk.store.loader import load_graph

pytestmark = pytest.mark.integration


def test_shared_identifiers_finds_the_ring(runner, sample_paths):
    load_graph(runner, build_graph(**sample_paths)[0])
    rows = runner.read(read_query("shared_identifiers"), {"user_id": "u5", "max_hub": None})
    assert [(r["user_id"], r["shared_count"]) for r in rows] == [("u6", 4), ("u7", 3)]
    assert sorted(rows[0]["shared_identifiers"]) == ["Card:cX", "Device:dX", "Email:ring@example.com", "IP:10.9.9.9"]


def test_hub_cap_drops_widely_shared_identifiers(runner, sample_paths):
    load_graph(runner, build_graph(**sample_paths)[0])
    rows = runner.read(read_query("shared_identifiers"), {"user_id": "u5", "max_hub": 2})
    assert [(r["user_id"], r["shared_count"]) for r in rows] == [("u6", 1)]  # only the email has 2 users


def test_queries_are_listed():
    assert "shared_identifiers" in list_queries()
    with pytest.raises(ValueError, match="unknown query"):
        read_query("nope")
