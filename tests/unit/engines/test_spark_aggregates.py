"""The aggregation feature families on Spark equal the local engine's (1e-9)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.engines.spark import AGGREGATE_COLUMNS, aggregate_features
from graphrisk.features.flow import flow_features
from graphrisk.features.structure import structure_features
from graphrisk.graph.projection import identifier_projection
from graphrisk.synth import WorldConfig, generate_world


@pytest.fixture(scope="module")
def graph():
    world = generate_world(800, seed=4, config=WorldConfig(fraud_share=0.08))
    return build_graph(world.transactions, world.links, world.users)[0]


def _frame(spark, to_spark, table: pd.DataFrame, columns: list[str]):
    plain = pd.DataFrame({c: table[c].astype(str) if c in ("src", "dst", "entity_type", "user_id")
                          else table[c].astype(float) for c in columns})
    return to_spark(spark, plain)


def test_structure_counts_and_flow_equal_the_local_engine(spark, convert, graph):
    to_spark, to_pandas = convert
    frames = {
        "users": _frame(spark, to_spark, graph.users, ["user_id"]),
        "paid": _frame(spark, to_spark, graph.paid, ["src", "dst", "count", "amount"]),
        "sent": _frame(spark, to_spark, graph.sent, ["src", "dst", "count", "amount"]),
        "used": _frame(spark, to_spark, graph.used, ["src", "dst", "entity_type"]),
    }
    got = to_pandas(aggregate_features(**frames)).set_index("user_id").sort_index()
    local = structure_features(graph, identifier_projection(graph)).join(flow_features(graph))
    local.index = local.index.astype(str)
    local = local[list(AGGREGATE_COLUMNS)].sort_index()
    assert list(got.columns) == list(AGGREGATE_COLUMNS) and list(got.index) == list(local.index)
    assert local["transfer_component_size"].max() > 2 and local["users_per_identifier_max"].max() > 1  # not trivial
    np.testing.assert_allclose(got.to_numpy(), local.to_numpy(), rtol=1e-9, atol=1e-9)
