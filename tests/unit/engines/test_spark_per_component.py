"""The projection and its per-component NetworkX measures on Spark equal the local engine's (1e-9)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.engines.spark.per_component import PROJECTION_COLUMNS, projection_structure
from graphrisk.engines.spark.projection import identifier_pairs
from graphrisk.features.structure import structure_features
from graphrisk.graph.projection import identifier_projection
from graphrisk.synth import WorldConfig, generate_world


@pytest.fixture(scope="module")
def graph():
    world = generate_world(800, seed=5, config=WorldConfig(fraud_share=0.08))
    return build_graph(world.transactions, world.links, world.users)[0]


def _strings(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: table[c].astype(str) for c in columns})


def test_identifier_pairs_equal_the_networkx_projection(spark, convert, graph):
    to_spark, to_pandas = convert
    pairs = to_pandas(identifier_pairs(to_spark(spark, _strings(graph.used, ["src", "dst", "entity_type"])), hub_cap=5))
    local = identifier_projection(graph, hub_cap=5)
    expected = {(min(a, b), max(a, b)): w for a, b, w in local.edges(data="weight")}
    got = {(a, b): w for a, b, w in pairs.itertuples(index=False, name=None)}
    assert got.keys() == expected.keys() and len(got) > 50
    np.testing.assert_allclose([got[k] for k in expected], list(expected.values()), rtol=1e-12)
    with pytest.raises(ValueError, match="hub_cap"):
        identifier_pairs(to_spark(spark, _strings(graph.used, ["src", "dst", "entity_type"])), hub_cap=1)


def test_component_size_core_number_and_clustering_equal_the_local_engine(spark, convert, graph):
    to_spark, to_pandas = convert
    users = to_spark(spark, _strings(graph.users, ["user_id"]))
    pairs = identifier_pairs(to_spark(spark, _strings(graph.used, ["src", "dst", "entity_type"])))
    got = to_pandas(projection_structure(users, pairs)).set_index("user_id").sort_index()
    local = structure_features(graph, identifier_projection(graph))[list(PROJECTION_COLUMNS)]
    local.index = local.index.astype(str)
    local = local.sort_index()
    assert list(got.index) == list(local.index)
    assert local["component_size"].max() > 3 and local["clustering"].max() > 0  # the world has real rings
    np.testing.assert_allclose(got[list(PROJECTION_COLUMNS)].to_numpy(), local.to_numpy(), rtol=1e-9, atol=1e-12)
