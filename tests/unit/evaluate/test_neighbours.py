"""Neighbour-aggregated features on a hand-made graph with exact means."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.evaluate import neighbour_aggregate_features


@pytest.fixture
def path_graph():
    """A path a - b - c - d: an email (links), a small merchant, a transfer c -> d."""
    tx = pd.DataFrame(
        {
            "transaction_id": ["t1", "t2", "t3", "t4", "t5"],
            "timestamp": ["2024-01-01T10:00:00Z"] * 5,
            "user_id": ["a", "b", "c", "c", "d"],
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],
            "merchant_id": ["m1", "m2", "m2", None, "m3"],
            "device_id": ["dev_a", None, None, None, None],
            "counterparty_id": [None, None, None, "d", None],
        }
    )
    links = pd.DataFrame({"user_id": ["a", "b"], "entity_type": ["email", "email"], "entity_id": ["e1", "e1"]})
    return build_graph(tx, links)[0]


def _features(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"f": list(values.values())}, index=pd.Index(list(values), name="user_id"))


def test_one_and_two_hop_means_are_exact(path_graph):
    out = neighbour_aggregate_features(path_graph, _features({"a": 1.0, "b": 2.0, "c": 4.0, "d": 8.0}))
    assert list(out.columns) == ["f", "f__n1", "f__n2"]
    assert out["f"].tolist() == [1.0, 2.0, 4.0, 8.0]
    assert out["f__n1"].tolist() == [2.0, 2.5, 5.0, 4.0]
    # mean of the neighbours' 1-hop means: a <- b; b <- (a, c); c <- (b, d); d <- c
    assert out["f__n2"].tolist() == [2.5, 3.5, 3.25, 5.0]


def test_users_without_a_row_count_as_zero_and_rows_keep_their_order(path_graph):
    out = neighbour_aggregate_features(path_graph, _features({"c": 4.0, "outsider": 7.0, "b": 2.0}))
    assert out.index.tolist() == ["c", "outsider", "b"]
    assert out.loc["c", "f__n1"] == 1.0  # (b=2 + d=0) / 2
    assert out.loc["outsider", "f__n1"] == 0.0  # not in the graph: no neighbours


def test_entities_above_the_hub_cap_make_no_neighbours():
    tx = pd.DataFrame(
        {
            "transaction_id": ["t1", "t2", "t3"],
            "timestamp": ["2024-01-01T10:00:00Z"] * 3,
            "user_id": ["a", "b", "c"],
            "amount": [1.0, 1.0, 1.0],
            "device_id": ["kiosk"] * 3,
        }
    )
    graph = build_graph(tx)[0]
    x = _features({"a": 1.0, "b": 2.0, "c": 6.0})
    assert neighbour_aggregate_features(graph, x, hub_cap=2)["f__n1"].tolist() == [0.0, 0.0, 0.0]
    assert neighbour_aggregate_features(graph, x, hub_cap=3)["f__n1"].tolist() == [4.0, 3.5, 1.5]


def test_bad_features_are_rejected(path_graph):
    with pytest.raises(ValueError, match="missing or infinite"):
        neighbour_aggregate_features(path_graph, _features({"a": float("nan")}))
    with pytest.raises(TypeError, match="numeric"):
        neighbour_aggregate_features(path_graph, pd.DataFrame({"s": ["x"]}, index=["a"]))
    with pytest.raises(ValueError, match="hub_cap"):
        neighbour_aggregate_features(path_graph, _features({"a": 1.0}), hub_cap=1)
