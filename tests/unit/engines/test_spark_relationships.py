"""Relationship tables built on Spark from validated rows equal build_graph's, and so do the features on them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spark_frames import LINKS, TRANSACTIONS, plain_rows

from graphrisk import build_graph
from graphrisk.engines.spark import AGGREGATE_COLUMNS, aggregate_features
from graphrisk.engines.spark.relationships import relationships
from graphrisk.features.flow import flow_features
from graphrisk.features.structure import structure_features
from graphrisk.graph.projection import identifier_projection
from graphrisk.synth import WorldConfig, generate_world


@pytest.fixture(scope="module")
def world_and_graph():
    world = generate_world(600, seed=6, config=WorldConfig(fraud_share=0.08))
    return world, build_graph(world.transactions, world.links, world.users)[0]


@pytest.fixture(scope="module")
def built(spark, world_and_graph):
    world, graph = world_and_graph
    names = [c.split()[0] for c in TRANSACTIONS.split(", ")]
    rows = graph.transactions.reindex(columns=names)
    links = world.links.assign(timestamp=pd.to_datetime(world.links["timestamp"], utc=True, format="ISO8601"))
    users = spark.createDataFrame([(u,) for u in world.users["user_id"]], "user_id string")
    return relationships(spark.createDataFrame(plain_rows(rows), TRANSACTIONS),
                         spark.createDataFrame(plain_rows(links[["user_id", "entity_type", "entity_id", "timestamp"]]), LINKS),
                         users)


def _table(frame, keys: list[str]) -> pd.DataFrame:
    rows = [row.asDict() for row in frame.collect()]
    return pd.DataFrame(rows, columns=frame.columns).sort_values(keys, ignore_index=True)


@pytest.mark.parametrize("name,keys", [("paid", ["src", "dst"]), ("sent", ["src", "dst"]),
                                       ("used", ["entity_type", "src", "dst"])])
def test_relationships_equal_build_graph(built, world_and_graph, name, keys):
    _, graph = world_and_graph
    local = getattr(graph, name).astype({k: str for k in keys}).sort_values(keys, ignore_index=True)
    got = _table(built[name], keys)
    assert len(got) == len(local) > 0
    assert got[keys].to_numpy().tolist() == local[keys].astype(str).to_numpy().tolist()
    assert (got["count"].to_numpy() == local["count"].to_numpy()).all()
    np.testing.assert_allclose(got["amount"].astype(float), local["amount"].astype(float), rtol=1e-12)
    for column in ("first_seen", "last_seen"):
        assert (pd.to_datetime(got[column], utc=True) == local[column]).all(), column
    assert got["fraud_count"].fillna(-1).astype(int).tolist() == local["fraud_count"].fillna(-1).astype(int).tolist()
    if name == "used":
        assert got["link_count"].tolist() == local["link_count"].tolist() and local["link_count"].sum() > 0


def test_features_from_spark_relationships_equal_the_local_engine(built, world_and_graph):
    _, graph = world_and_graph
    features = aggregate_features(built["users"], built["paid"], built["sent"], built["used"])
    got = _table(features, ["user_id"]).set_index("user_id")
    local = structure_features(graph, identifier_projection(graph)).join(flow_features(graph))[list(AGGREGATE_COLUMNS)]
    local.index = local.index.astype(str)
    local = local.sort_index()
    assert list(got.index) == list(local.index)
    np.testing.assert_allclose(got[list(AGGREGATE_COLUMNS)].to_numpy(), local.to_numpy(), rtol=1e-9, atol=1e-9)
