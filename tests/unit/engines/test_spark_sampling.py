"""The training sample on Spark: the seeds read in it what they read in the whole graph, and hubs are capped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spark_frames import plain_rows, spark_model_inputs, table_of

from graphrisk import build_graph
from graphrisk.engines.spark.sampling import _expand, relationship_ends, seed_users, training_sample
from graphrisk.model import RiskDetector
from graphrisk.synth import WorldConfig, generate_world

#: Labelled users in the sample tests: few, so that their neighbourhoods are a part of the graph (~57%).
LABELLED = 12


@pytest.fixture(scope="module")
def world_and_graph():
    world = generate_world(700, seed=5, config=WorldConfig(fraud_share=0.12, users_per_merchant=5))
    return world, build_graph(world.transactions, world.links, world.users)[0]


@pytest.fixture(scope="module")
def model(world_and_graph):
    world, graph = world_and_graph
    return RiskDetector(epochs=10, min_epochs=5, patience=5, seed=0).fit(graph, world.known_labels)


@pytest.fixture(scope="module")
def spark_graph(spark, world_and_graph):
    world, graph = world_and_graph
    made = spark_model_inputs(spark, world, graph, shards=3)
    known = world.known_labels.sort_values("user_id").head(LABELLED)
    known = known.reindex(columns=["user_id", "is_fraud", "ring_id"]).astype({"is_fraud": int})
    labels = spark.createDataFrame(plain_rows(known),
                                   "user_id string, is_fraud int, ring_id string")
    return made["transactions"], made["links"], made["users"], labels, made["tables"], made["inputs"], known


def _sample(spark_graph, **options):
    transactions, links, users, labels, tables, inputs, _ = spark_graph
    return training_sample(transactions, links, users, labels, tables, inputs, **options)


def _risk(model: RiskDetector, graph, inputs: dict[str, pd.DataFrame], users: list[str]) -> np.ndarray:
    risk = pd.Series(model.predict_proba(graph, inputs=inputs)[:, 1], index=graph.users["user_id"].astype(str))
    return risk.loc[users].to_numpy()


def test_the_seeds_score_in_the_sample_as_in_the_whole_graph(spark_graph, world_and_graph, model):
    """With an uncapped fanout and hops = rounds, the sample holds everything the seeds read."""
    _, graph = world_and_graph
    known = spark_graph[-1]
    sample = _sample(spark_graph, hops=model.network_.rounds, fanout=10**6, unlabelled_share=0.0)
    sampled, _ = build_graph(sample.transactions, sample.links, sample.users, sample.labels)
    whole_inputs = {kind: table_of(frame).set_index("node_id").astype(float) for kind, frame in spark_graph[5].items()}
    seeds = sorted(known["user_id"].astype(str))
    np.testing.assert_allclose(_risk(model, sampled, sample.inputs, seeds), _risk(model, graph, whole_inputs, seeds),
                               rtol=1e-5, atol=1e-5)
    assert sample.counts["labelled"] == sample.counts["seeds"] == LABELLED
    assert len(sample.transactions) < 0.8 * len(graph.transactions)  # a part of the graph, not all of it
    assert sorted(sample.labels["user_id"]) == seeds
    assert set(sample.inputs) == set(whole_inputs)
    for kind, table in sample.inputs.items():  # the whole graph's inputs of the sample's nodes
        pd.testing.assert_frame_equal(table, whole_inputs[kind].loc[table.index], check_names=False,
                                      check_index_type=False)
    assert len(sample.inputs["user"]) == sample.counts["users"] < len(graph.users)


def test_one_hop_short_the_seeds_score_differently(spark_graph, world_and_graph, model):
    """The depth matters: the equality above is no accident."""
    _, graph = world_and_graph
    sample = _sample(spark_graph, hops=model.network_.rounds - 1, fanout=10**6, unlabelled_share=0.0)
    sampled, _ = build_graph(sample.transactions, sample.links, sample.users, sample.labels)
    whole_inputs = {kind: table_of(frame).set_index("node_id").astype(float) for kind, frame in spark_graph[5].items()}
    seeds = sorted(spark_graph[-1]["user_id"].astype(str))
    diff = np.abs(_risk(model, sampled, sample.inputs, seeds) - _risk(model, graph, whole_inputs, seeds))
    assert diff.max() > 1e-4  # ten times the tolerance of the equality (most seeds are legit: risk near 0)


def test_each_node_keeps_at_most_fanout_relationships_per_relation(spark, spark_graph, convert):
    _, _, _, _, tables, _, known = spark_graph
    ends = relationship_ends(tables).cache()
    seeds = spark.createDataFrame([(f"u:{u}",) for u in known["user_id"]], "node string")
    kept = _expand(ends, seeds, hops=2, fanout=3, seed=0)
    reached = convert[1](ends.join(kept, "pair", "left_semi"))
    all_ends = convert[1](ends)
    seed_nodes = {f"u:{u}" for u in known["user_id"]}
    first = reached[reached["node"].isin(seed_nodes)]
    per_relation = first.groupby(["node", "relation"]).size()
    degree = all_ends[all_ends["node"].isin(seed_nodes)].groupby(["node", "relation"]).size()
    # hop 1 from every seed: min(fanout, degree) relationships per relation, never more
    assert (per_relation.reindex(degree.index, fill_value=0) == degree.clip(upper=3)).all()
    assert (degree > 3).any()  # the cap was used
    # from a merchant (a hub): 3 of its payers, whatever their number
    merchants = spark.createDataFrame([(n,) for n in all_ends.loc[all_ends["node"].str.startswith("merchant:"), "node"]
                                       .unique()], "node string")
    from_merchants = convert[1](ends.join(_expand(ends, merchants, hops=1, fanout=3, seed=0), "pair", "left_semi"))
    payers = all_ends[all_ends["node"].str.startswith("merchant:")].groupby("node").size()
    kept = from_merchants[from_merchants["node"].str.startswith("merchant:")].groupby("node").size()
    assert (kept.reindex(payers.index, fill_value=0) == payers.clip(upper=3)).all() and payers.max() > 20


def test_seeds_are_every_labelled_user_and_a_stable_share_of_the_others(spark_graph, convert):
    _, _, users, labels, _, _, known = spark_graph
    first = convert[1](seed_users(users, labels, unlabelled_share=0.3, seed=7))
    again = convert[1](seed_users(users, labels, unlabelled_share=0.3, seed=7))
    assert sorted(first["user_id"]) == sorted(again["user_id"])
    assert set(known["user_id"]) == set(first.loc[first["labelled"], "user_id"])
    others = users.count() - LABELLED
    assert 0.22 < (~first["labelled"]).sum() / others < 0.38
    with pytest.raises(ValueError, match="between 0 and 1"):
        seed_users(users, labels, unlabelled_share=1.5, seed=0)
