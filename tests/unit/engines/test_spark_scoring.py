"""Shard scoring on Spark equals whole-graph scoring from the same node inputs (1e-5), rings included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spark_frames import spark_links, spark_model_inputs, spark_transactions, spark_users, table_of

from graphrisk import build_graph
from graphrisk.engines.spark.relationships import relationships
from graphrisk.engines.spark.scoring import score_shards
from graphrisk.model import RiskDetector
from graphrisk.synth import WorldConfig, generate_world


@pytest.fixture(scope="module")
def world_and_graph():
    world = generate_world(900, seed=21, config=WorldConfig(fraud_share=0.12))
    return world, build_graph(world.transactions, world.links, world.users)[0]


@pytest.fixture(scope="module")
def model_dir(world_and_graph, tmp_path_factory):
    world, graph = world_and_graph
    detector = RiskDetector(epochs=15, min_epochs=5, patience=5, seed=0).fit(graph, world.known_labels)
    assert detector.network_.rounds == 2
    return detector.save(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def scored(spark, world_and_graph, model_dir):
    world, graph = world_and_graph
    made = spark_model_inputs(spark, world, graph, shards=4)
    inputs, shards = made["inputs"], made["shards"]
    result = score_shards(model_dir, made["transactions"], made["links"], inputs, shards, rounds=2, reasons=2)
    local_inputs = {kind: table_of(frame).set_index("node_id").astype(float) for kind, frame in inputs.items()}
    return result, local_inputs, shards


def test_shard_scores_equal_whole_graph_scores_from_the_same_inputs(scored, world_and_graph, model_dir):
    result, inputs, shards = scored
    _, graph = world_and_graph
    local = RiskDetector.load(model_dir).score_users(graph, reasons=2, inputs=inputs, drift=False)
    expected = local.scores.set_index("user_id").sort_index()
    got = table_of(result.scores).set_index("user_id").sort_index()
    assert list(got.index) == list(expected.index.astype(str))  # every user once
    np.testing.assert_allclose(got["risk_score"], expected["risk_score"], rtol=1e-5, atol=1e-5)
    assert (got["flagged"].to_numpy() == expected["flagged"].to_numpy()).all()
    assert expected["flagged"].sum() > 5 and expected["risk_score"].std() > 0.05  # the comparison means something
    assert got["ring_id"].tolist() == expected["ring_id"].tolist()
    assert got[["reason_1", "reason_2"]].to_numpy().tolist() == expected[["reason_1", "reason_2"]].to_numpy().tolist()
    assert shards.count == 4


def test_rings_equal_whole_graph_rings(scored, world_and_graph, model_dir):
    result, inputs, _ = scored
    _, graph = world_and_graph
    local = RiskDetector.load(model_dir).score_users(graph, reasons=2, inputs=inputs, drift=False).rings.table
    got = table_of(result.rings).sort_values("ring_id", ignore_index=True)
    local = local.sort_values("ring_id", ignore_index=True)
    assert len(local) >= 2
    assert got["ring_id"].tolist() == local["ring_id"].tolist()
    assert [list(m) for m in got["members"]] == [list(m) for m in local["members"]]
    assert [list(m) for m in got["shared_entities"]] == [list(m) for m in local["shared_entities"]]
    np.testing.assert_allclose(got["score"], local["score"], rtol=1e-5)
    np.testing.assert_allclose(got["exposure"], local["exposure"], rtol=1e-9)


def test_a_halo_one_round_short_changes_the_scores(spark, scored, world_and_graph, model_dir):
    """The halo is needed: with one round less some users' scores move (so the equality above is no accident)."""
    result, inputs, shards = scored
    _, graph = world_and_graph
    local = RiskDetector.load(model_dir).score_users(graph, reasons=0, inputs=inputs, drift=False).scores
    world, _ = world_and_graph
    transactions = spark_transactions(spark, graph.transactions)
    links = spark_links(spark, world.links)
    inputs_spark = {kind: _to_spark(spark, table) for kind, table in inputs.items()}
    short = score_shards(model_dir, transactions, links, inputs_spark, shards, rounds=1, reasons=0)
    got = table_of(short.scores).set_index("user_id").sort_index()
    diff = np.abs(got["risk_score"].to_numpy() - local.set_index("user_id").sort_index()["risk_score"].to_numpy())
    assert diff.max() > 1e-3


def _to_spark(spark, table: pd.DataFrame):
    from spark_frames import plain_rows

    frame = table.rename_axis("node_id").reset_index()
    schema = ", ".join(["node_id string", *(f"`{c}` double" for c in table.columns)])
    return spark.createDataFrame(plain_rows(frame), schema)


def test_layerwise_risk_equals_whole_graph_risk_from_the_same_inputs(spark, scored, world_and_graph, model_dir):
    """One round at a time over the whole graph: no neighbourhood gathered, the same risk."""
    from graphrisk.engines.spark.propagation import layerwise_risk

    _, inputs, _ = scored
    world, graph = world_and_graph
    transactions = spark_transactions(spark, graph.transactions)
    users = spark_users(spark, graph.users)
    tables = relationships(transactions, spark_links(spark, world.links), users)
    tables["users"] = users
    inputs_spark = {kind: _to_spark(spark, table) for kind, table in inputs.items()}
    got = table_of(layerwise_risk(model_dir, tables, inputs_spark, buckets=3)).set_index("user_id").sort_index()
    expected = RiskDetector.load(model_dir).predict_proba(graph, inputs=inputs)[:, 1]
    expected = pd.Series(expected, index=graph.users["user_id"].astype(str)).sort_index()
    assert list(got.index) == list(expected.index)
    np.testing.assert_allclose(got["risk_score"].to_numpy(), expected.to_numpy(), rtol=1e-5, atol=1e-5)


def test_rings_of_flagged_users_on_the_driver_equal_whole_graph_rings(spark, world_and_graph):
    """Only the relationships that can tie flagged users are collected: the same rings, evidence and exposure."""
    from graphrisk.engines.spark.rings import rings_of_flagged
    from graphrisk.rings import group_rings

    world, graph = world_and_graph
    users = graph.users["user_id"].astype(str)
    risk = pd.Series(np.linspace(0, 1, len(users)), index=users)  # any risk will do: the rule is what is tested
    fraud = set(world.labels.loc[world.labels["is_fraud"] == 1, "user_id"])
    risk[users.isin(fraud).to_numpy()] = 0.95
    flagged = risk >= 0.8
    expected = group_rings(graph, risk, flagged).table
    transactions = spark_transactions(spark, graph.transactions)
    tables = relationships(transactions, spark_links(spark, world.links), spark_users(spark, graph.users))
    chosen = spark.createDataFrame([(u, float(r)) for u, r in risk[flagged].items()], "user_id string, risk_score double")
    got = rings_of_flagged(tables, chosen).table
    assert len(expected) >= 5 and expected["shared_entities"].map(len).max() >= 2
    assert got["ring_id"].tolist() == expected["ring_id"].tolist()
    assert got["members"].map(list).tolist() == expected["members"].map(list).tolist()
    assert got["shared_entities"].map(list).tolist() == expected["shared_entities"].map(list).tolist()
    np.testing.assert_allclose(got["exposure"], expected["exposure"], rtol=1e-9)
    np.testing.assert_allclose(got["score"], expected["score"], rtol=1e-12)
