"""Features checked against values worked out by hand on tiny graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.features import TrainingLabels, compute_features, export_features, feature_table
from graphrisk.features.label_aware import label_features
from graphrisk.graph.projection import identifier_projection, merchant_projection


def _tx(rows):
    frame = pd.DataFrame(rows, columns=["transaction_id", "timestamp", "user_id", "amount", "merchant_id", "device_id"])
    return build_graph(frame)[0]


@pytest.fixture
def tiny():
    # a, b, c share device d1 (a triangle in the projection); c and e share d2; f is alone.
    # a and b pay m1 five minutes apart; c pays m1 two hours later.
    return _tx([
        ["t1", "2024-01-01T10:00:00Z", "a", 10.0, "m1", "d1"],
        ["t2", "2024-01-01T10:05:00Z", "b", 20.0, "m1", "d1"],
        ["t3", "2024-01-01T12:05:00Z", "c", 30.0, "m1", "d1"],
        ["t4", "2024-01-02T12:00:00Z", "c", 50.0, "m2", "d2"],
        ["t5", "2024-01-03T12:00:00Z", "e", 5.0, "m2", "d2"],
        ["t6", "2024-01-04T12:00:00Z", "f", 7.0, "m3", "d3"],
        ["t7", "2024-01-04T12:00:00Z", "a", 2.0, "m3", "d1"],
        ["t8", "2024-01-10T12:00:00Z", "a", 3.0, "m3", "d1"],
    ])


def test_projection_weights_and_structure(tiny):
    projection = identifier_projection(tiny)
    # d1 has 3 users: each pair weighs 1 / (3 - 1); d2 has 2 users: weight 1
    assert sorted((a, b, w) for a, b, w in projection.edges(data="weight")) == [
        ("a", "b", 0.5), ("a", "c", 0.5), ("b", "c", 0.5), ("c", "e", 1.0)
    ]
    f = compute_features(tiny, families=["structure"])
    assert f.loc["a", ["merchants", "payments", "devices"]].tolist() == [2.0, 3.0, 1.0]
    assert f.loc["c", "users_per_identifier_max"] == 3.0
    assert f.loc["c", "users_per_identifier_mean"] == 2.5
    assert f["component_size"].to_dict() == {"a": 4.0, "b": 4.0, "c": 4.0, "e": 4.0, "f": 1.0}
    assert f["core_number"].to_dict() == {"a": 2.0, "b": 2.0, "c": 2.0, "e": 1.0, "f": 0.0}
    # c's neighbours a, b, e: one link (a-b) among three possible
    assert f.loc["c", "clustering"] == pytest.approx(1 / 3)
    assert f.loc["a", "clustering"] == 1.0


def test_community_features():
    # two triangles joined by one weak edge, and a loner
    g = nx.Graph()
    g.add_weighted_edges_from([("a", "b", 1.0), ("b", "c", 1.0), ("a", "c", 1.0),
                               ("x", "y", 1.0), ("y", "z", 1.0), ("x", "z", 1.0), ("c", "x", 0.1)])
    g.add_node("f")
    from graphrisk.features.community import community_features

    f = community_features(g, seed=3)
    assert f.loc[["a", "b", "c"], "louvain_community"].nunique() == 1
    assert f.loc["a", "louvain_community"] != f.loc["x", "louvain_community"]
    assert f.loc["a", ["louvain_size", "louvain_density", "louvain_weight_share"]].tolist() == [3.0, 1.0, 1.0]
    assert f.loc["c", "louvain_weight_share"] == pytest.approx(2.0 / 2.1)
    assert f.loc["f", ["louvain_size", "louvain_density", "louvain_weight_share", "label_propagation_size"]].tolist() == [
        1.0, 0.0, 0.0, 1.0]
    assert f["louvain_community"].nunique() == 3
    assert f.loc[["a", "x"], "label_propagation_size"].tolist() == [3.0, 3.0]


def test_centrality_features(tiny):
    f = compute_features(tiny, families=["centrality"])
    assert f["pagerank"].sum() == pytest.approx(1.0)
    assert f.loc["c", "betweenness"] > f.loc["a", "betweenness"] == 0.0  # c bridges to e
    assert f.loc["a", "eigenvector"] == pytest.approx(f.loc["b", "eigenvector"])
    assert f.loc["f", "eigenvector"] == 0.0


def test_temporal_features(tiny):
    f = compute_features(tiny, families=["temporal"], coactivity_window="1h")
    assert f.loc["a", ["tx_count", "amount_sum", "amount_max", "active_days"]].tolist() == [3.0, 15.0, 10.0, 3.0]
    # a's gaps: 3 days 2 h, then 6 days -> burstiness (sd - mean) / (sd + mean)
    gaps = np.array([3 * 86400 + 7200, 6 * 86400], dtype=float)
    expected = (gaps.std() - gaps.mean()) / (gaps.std() + gaps.mean())
    assert f.loc["a", "burstiness"] == pytest.approx(expected)
    assert f.loc["b", "burstiness"] == 0.0  # fewer than three transactions
    # within one hour at m1: a and b (five minutes apart); c came two hours later
    assert f.loc["a", "coactive_payments"] == 2.0  # b at m1, and f at m3 (below)
    assert f.loc["b", "coactive_payments"] == 1.0 and f.loc["c", "coactive_payments"] == 0.0
    # m3: f and a pay at the same second on 2024-01-04
    assert f.loc["f", ["coactive_payments", "coactive_partners", "coactivity_concentration"]].tolist() == [1.0, 1.0, 1.0]
    assert f.loc["a", "coactive_partners"] == 2.0 and f.loc["a", "coactivity_concentration"] == 0.5


def test_hub_is_capped_and_projection_stays_bounded():
    n = 3_000
    rows = [[f"t{i}", "2024-01-01T00:00:00Z", f"u{i}", 1.0, "m", "kiosk" if i < n - 40 else "shared40"] for i in range(n)]
    graph = _tx(rows)
    projection = identifier_projection(graph, hub_cap=50)
    assert projection.graph["skipped_hubs"] == 1
    assert projection.number_of_edges() == 40 * 39 // 2
    assert merchant_projection(graph, hub_cap=50).number_of_edges() == 0


def test_same_seed_same_features_on_a_generated_world():
    from graphrisk.synth import generate_world

    world = generate_world(600, seed=2)
    graph = build_graph(world.transactions, world.links, world.users)[0]
    first = compute_features(graph, seed=5)
    second = compute_features(graph, seed=5)
    pd.testing.assert_frame_equal(first, second)
    assert not first.isna().any().any()


def test_label_features_never_see_evaluation_labels():
    g = nx.path_graph(["a", "b", "c", "d", "e"])
    labels = pd.DataFrame({"user_id": list("abcde"), "is_fraud": [1, 0, 0, 1, 0]})
    flipped = labels.assign(is_fraud=[1, 0, 1, 0, 1])  # only evaluation users c, d, e differ
    with_truth = label_features(g, TrainingLabels(labels, ["a", "b"]))
    with_flip = label_features(g, TrainingLabels(flipped, ["a", "b"]))
    pd.testing.assert_frame_equal(with_truth, with_flip)
    assert with_truth.loc["b", "known_fraud_neighbor_share"] == 0.5
    assert with_truth["distance_to_known_fraud"].tolist() == [7.0, 1.0, 2.0, 3.0, 4.0]
    with pytest.raises(TypeError, match="TrainingLabels"):
        label_features(g, labels)
    with pytest.raises(ValueError, match="train_users is empty"):
        TrainingLabels(labels, [])


def test_label_family_through_compute_features(tiny):
    labels = pd.DataFrame({"user_id": ["a", "e"], "is_fraud": [1, 1]})
    f = compute_features(tiny, families=[], training_labels=TrainingLabels(labels, ["a"]))
    assert f.loc["b", "known_fraud_neighbor_share"] == 0.5
    assert f.loc["e", "distance_to_known_fraud"] == 2.0  # e's own label is not a training label


def test_bad_arguments_name_the_problem(tiny):
    with pytest.raises(ValueError, match="unknown feature families \\['graphs'\\]"):
        compute_features(tiny, families=["graphs"])
    with pytest.raises(TypeError, match="TransactionGraph"):
        compute_features(pd.DataFrame())
    frame = pd.DataFrame({"transaction_id": ["1"], "timestamp": ["2024-01-01"], "user_id": ["a"], "amount": [1]})
    without = build_graph(frame, keep_transactions=False)[0]
    with pytest.raises(ValueError, match="keep_transactions=True"):
        compute_features(without, families=["temporal"])


def test_export_round_trip(tiny, tmp_path):
    f = compute_features(tiny, families=["structure"])
    pd.testing.assert_frame_equal(pd.read_parquet(export_features(f, tmp_path / "f.parquet")), f, check_index_type=False)
    back = pd.read_csv(export_features(f, tmp_path / "f.csv"), index_col="user_id")
    assert back.index.tolist() == f.index.tolist()
    with pytest.raises(ValueError, match="use .parquet or .csv"):
        export_features(f, tmp_path / "f.xlsx")


def test_catalogue_documents_every_column(tiny):
    f = compute_features(tiny, training_labels=TrainingLabels(pd.DataFrame({"user_id": ["a"], "is_fraud": [1]}), ["a"]))
    names = set(feature_table()["name"])
    documented = {n for n in f.columns if n in names or n.startswith("merchant_louvain_")
                  or n.startswith("amount_") or n in {"cards", "ips", "emails", "phones", "addresses"}}
    assert documented == set(f.columns)


def test_entity_features(tiny):
    from graphrisk.features import entity_features

    tables = entity_features(tiny)
    m1 = tables["merchant"].loc["m1"]
    assert m1[["users", "transactions", "amount_sum", "max_user_share"]].tolist() == [3.0, 3.0, 60.0, pytest.approx(1 / 3)]
    assert m1["span_days"] == pytest.approx(125 / (24 * 60))  # 10:00 to 12:05
    d1 = tables["device"].loc["d1"]
    assert d1[["users", "transactions", "links"]].tolist() == [3.0, 5.0, 0.0]
    assert d1["max_user_share"] == pytest.approx(3 / 5)  # a made three of d1's five payments
    assert set(tables) == {"merchant", "device", "card", "ip", "email", "phone", "address"}


def test_pagerank_and_eigenvector_by_hand():
    from graphrisk.features.centrality import centrality_features

    f = centrality_features(nx.path_graph(["a", "b", "c"]))
    # PR_b = 0.05 + 0.85 (PR_a + PR_c), PR_a = 0.05 + 0.85 PR_b / 2  =>  PR_b = 0.135 / 0.2775
    assert f.loc["b", "pagerank"] == pytest.approx(0.135 / 0.2775, abs=1e-6)
    assert f.loc["a", "pagerank"] == pytest.approx(0.05 + 0.425 * 0.135 / 0.2775, abs=1e-6)
    # principal eigenvector of the path: (1, sqrt 2, 1) / 2
    assert f["eigenvector"].tolist() == pytest.approx([0.5, 2**-0.5, 0.5], abs=1e-6)
    # betweenness from every source (k = n): b is on the only a-c shortest path, normalised by (n-1)(n-2)/2
    assert f["betweenness"].tolist() == pytest.approx([0.0, 1.0, 0.0])


def test_velocity_and_age_at_first_transaction(tiny):
    f = compute_features(tiny, families=["temporal"])
    span_a = 9 + 2 / 24  # 2024-01-01 10:00 to 2024-01-10 12:00
    assert f.loc["a", "velocity_per_day"] == pytest.approx(3 / span_a)
    assert f.loc["b", "velocity_per_day"] == 1.0  # one payment: span counted as one day
    tx = tiny.transactions.assign(timestamp=tiny.transactions["timestamp"].astype(str))
    users = pd.DataFrame({"user_id": ["a", "b", "c", "e", "f"], "account_age_days": [100, 50, 10, 5, 1]})
    with_ages = compute_features(build_graph(tx, users=users)[0], families=["temporal"])
    # the data ends at a's last payment, 9 days 2 hours after a's first
    assert with_ages.loc["a", "age_at_first_tx_days"] == pytest.approx(100 - span_a)


def test_merchant_projection_features(tiny):
    from graphrisk.features.community import community_features

    projection = merchant_projection(tiny)
    # m1: a, b, c (weight 1/2 per pair); m2: c, e (1); m3: f, a (1)
    assert sorted((min(a, b), max(a, b), w) for a, b, w in projection.edges(data="weight")) == [
        ("a", "b", 0.5), ("a", "c", 0.5), ("a", "f", 1.0), ("b", "c", 0.5), ("c", "e", 1.0)
    ]
    f = compute_features(tiny, families=["community", "centrality"], seed=4)
    expected = community_features(projection, seed=4, prefix="merchant_", label_propagation=False)
    pd.testing.assert_frame_equal(f[expected.columns], expected.reindex(f.index), check_index_type=False)
    assert f["merchant_pagerank"].sum() == pytest.approx(1.0)
    assert f.loc["a", "merchant_pagerank"] == f["merchant_pagerank"].max()  # a touches three users


def test_transfer_and_identifier_counts_on_the_sample(sample_paths):
    graph = build_graph(**sample_paths)[0]
    f = compute_features(graph, families=["structure"])
    # transfers in the sample: u5 -> u8 and u6 -> u8
    assert f.loc[["u5", "u6", "u8"], "sent_to"].tolist() == [1.0, 1.0, 0.0]
    assert f.loc["u8", "received_from"] == 2.0
    # u5: device dX, card cX, ip 10.9.9.9 and email ring@example.com
    assert f.loc["u5", ["devices", "cards", "ips", "emails", "phones", "addresses"]].tolist() == [1, 1, 1, 1, 0, 0]
    assert f.loc["u5", "users_per_identifier_max"] == 3.0  # dX, cX and the ip are shared by u5, u6, u7


def test_flow_features_see_money_passing_through():
    """a -> b -> c forwarded within an hour, twice; d sends to e once and e keeps it."""
    from graphrisk.features.flow import flow_features

    rows = [("1", "2024-01-01T10:00:00Z", "a", 500.0, "b"), ("2", "2024-01-01T10:40:00Z", "b", 480.0, "c"),
            ("3", "2024-01-02T10:00:00Z", "a", 500.0, "b"), ("4", "2024-01-02T10:30:00Z", "b", 480.0, "c"),
            ("5", "2024-01-03T10:00:00Z", "d", 50.0, "e"), ("6", "2024-01-05T10:00:00Z", "e", 20.0, "")]
    tx = pd.DataFrame(rows, columns=["transaction_id", "timestamp", "user_id", "amount", "counterparty_id"])
    tx["merchant_id"] = ["", "", "", "", "", "m"]
    graph = build_graph(tx)[0]
    flow = flow_features(graph)
    assert flow.loc["b", ["transfers_in", "transfers_out", "amount_in", "amount_out"]].tolist() == [2, 2, 1000, 960]
    assert flow.loc["b", "pass_through"] == pytest.approx(0.96)
    assert flow.loc["b", "repeat_transfer_share"] == 1.0 and flow.loc["e", "repeat_transfer_share"] == 0.0
    assert flow.loc[["a", "b", "c", "d", "e"], "transfer_component_size"].tolist() == [3, 3, 3, 2, 2]
    temporal = compute_features(graph, families=["temporal"])
    assert temporal.loc["b", "quick_forward_share"] == 1.0  # both forwarded within 6 h
    assert temporal.loc["a", "quick_forward_share"] == 0.0  # a never received anything
    assert temporal.loc["e", "quick_forward_share"] == 0.0
