"""Every feature family on Spark against the local engine on the same graph."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spark_frames import spark_links, spark_transactions, spark_users, table_of

from graphrisk import build_graph, compute_features
from graphrisk.engines.spark.entities import entity_family
from graphrisk.engines.spark.features import spark_features
from graphrisk.engines.spark.relationships import relationships
from graphrisk.engines.spark.shards import assign_shards
from graphrisk.features.entities import entity_features
from graphrisk.synth import WorldConfig, generate_world


@pytest.fixture(scope="module")
def world_and_graph():
    world = generate_world(700, seed=11, config=WorldConfig(fraud_share=0.1))
    return world, build_graph(world.transactions, world.links, world.users)[0]


@pytest.fixture(scope="module")
def on_spark(spark, world_and_graph):
    world, graph = world_and_graph
    transactions = spark_transactions(spark, graph.transactions).cache()
    users = spark_users(spark, graph.users)
    tables = relationships(transactions, spark_links(spark, world.links), users)
    tables = {name: frame.cache() for name, frame in tables.items()}
    tables["users"] = users
    shards = assign_shards(users, tables["paid"], tables["sent"], tables["used"], shards=3, merchant_hub_cap=20,
                           transfers=False)  # the feature job's shards
    return tables, shards, transactions


@pytest.fixture(scope="module")
def both(on_spark, world_and_graph):
    _, graph = world_and_graph
    tables, shards, transactions = on_spark
    got = table_of(spark_features(tables, shards, transactions=transactions, buckets=3)).set_index("user_id")
    local = compute_features(graph)
    local.index = local.index.astype(str)
    return got.sort_index(), local.sort_index()


def test_same_columns_in_the_same_order_for_every_user(both):
    got, local = both
    assert list(got.columns) == list(local.columns)
    assert list(got.index) == list(local.index)


DETERMINISTIC = ["merchants", "payments", "sent_to", "received_from", "devices", "cards", "users_per_identifier_max",
                 "users_per_identifier_mean", "component_size", "core_number", "clustering", "transfers_out",
                 "amount_out", "pass_through", "repeat_transfer_share", "transfer_component_size", "tx_count",
                 "amount_sum", "amount_mean", "amount_max", "amount_std", "active_days", "velocity_per_day",
                 "burstiness", "age_at_first_tx_days", "coactive_payments", "coactive_partners",
                 "coactivity_concentration", "quick_forward_share"]


def test_deterministic_families_equal_the_local_engine(both):
    got, local = both
    assert set(DETERMINISTIC) <= set(local.columns)
    for column in DETERMINISTIC:
        assert local[column].nunique() > 1, f"{column} is constant here: the test would prove nothing"
    np.testing.assert_allclose(got[DETERMINISTIC].to_numpy(), local[DETERMINISTIC].to_numpy(), rtol=1e-9, atol=1e-9)


def test_pagerank_and_eigenvector_equal_up_to_the_iterations_tolerance(both):
    """NetworkX stops PageRank when the changes sum to under n * 1e-6: about 1% per user, in either engine."""
    got, local = both
    for column, rtol in (("pagerank", 2e-2), ("merchant_pagerank", 2e-2), ("eigenvector", 1e-3)):
        np.testing.assert_allclose(got[column].to_numpy(), local[column].to_numpy(), rtol=rtol, atol=1e-6,
                                   err_msg=column)


def test_a_shards_pagerank_rescaled_is_the_whole_graphs():
    """The rescaling rule, with the iterations run to 1e-13: exact."""
    import networkx as nx

    from graphrisk.engines.spark.communities import pagerank_scale

    whole = nx.disjoint_union_all([nx.path_graph(5), nx.complete_graph(4), nx.star_graph(6), nx.empty_graph(7)])
    whole.add_weighted_edges_from([(0, 1, 3.0)])
    expected = nx.pagerank(whole, weight="weight", tol=1e-13, max_iter=10_000)
    linked = sum(1 for _, d in whole.degree() if d > 0)
    shards = [list(range(0, 9)) + [21, 22], list(range(9, 21))]  # isolated users 16-22 on both sides
    for members in shards:
        shard = whole.subgraph(members)
        scale = pagerank_scale(shard, linked, whole.number_of_nodes())
        got = {n: v * scale for n, v in nx.pagerank(shard, weight="weight", tol=1e-13, max_iter=10_000).items()}
        np.testing.assert_allclose([got[n] for n in members], [expected[n] for n in members], rtol=1e-9)


def test_communities_stay_inside_projection_components(both):
    got, local = both
    # per shard Louvain finds its own communities: each one lies inside one projection component
    inside = got.groupby("louvain_community")["component_size"].nunique()
    assert (inside == 1).all()
    assert got["louvain_community"].nunique() == len(got.groupby("louvain_community"))
    assert (got["louvain_size"] <= got["component_size"]).all()


def test_shards_keep_components_whole(on_spark):
    _, shards, _ = on_spark
    table = table_of(shards.users)
    assert table.groupby("component")["shard"].nunique().max() == 1
    assert shards.count == 3 and shards.largest >= shards.largest_component > 1


def test_entity_features_equal_the_local_engine(on_spark, world_and_graph):
    _, graph = world_and_graph
    tables, _, _ = on_spark
    local = entity_features(graph)
    got = entity_family(tables["paid"], tables["used"], buckets=3)
    for kind, frame in got.items():
        table = table_of(frame).set_index("node_id").astype(float).sort_index()
        expected = local[kind].sort_index()
        expected.index = expected.index.astype(str)
        assert list(table.index) == list(expected.index), kind
        assert list(table.columns) == list(expected.columns), kind
        np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-9, err_msg=kind)
    assert len(local["merchant"]) > 10 and pd.notna(local["device"]["links"]).all()


def test_betweenness_with_every_source_equals_the_local_engine(on_spark, world_and_graph):
    """Sampling aside (every source taken), per-shard betweenness rescaled is the whole graph's."""
    _, graph = world_and_graph
    tables, shards, _ = on_spark
    got = table_of(spark_features(tables, shards, families=["centrality"], betweenness_k=100_000))
    got = got.set_index("user_id").sort_index()
    local = compute_features(graph, families=["centrality"], betweenness_k=100_000)
    local.index = local.index.astype(str)
    local = local.sort_index()
    assert (local["betweenness"] > 0).sum() > 20
    np.testing.assert_allclose(got["betweenness"].to_numpy(), local["betweenness"].to_numpy(), rtol=1e-9, atol=1e-12)
