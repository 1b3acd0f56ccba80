"""The one encoder: every input the network reads comes from it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from graphrisk import build_graph
from graphrisk.errors import ModelError
from graphrisk.graph.pyg import EDGE_AGGREGATES, to_pyg
from graphrisk.model.encoding import GraphEncoder, edge_features


@pytest.fixture(scope="module")
def sample_graph(tmp_path_factory):
    tx = pd.DataFrame({
        "transaction_id": [str(i) for i in range(6)],
        "timestamp": ["2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "2024-01-01T00:00:00Z",
                      "2024-01-02T12:00:00Z", "2024-01-02T00:00:00Z", "2024-01-05T00:00:00Z"],
        "user_id": ["a", "a", "b", "c", "c", "d"], "amount": [10.0, 30.0, 5.0, 7.0, 8.0, 100.0],
        "merchant_id": ["m1", "m1", "m1", "m2", None, "m2"], "device_id": ["d1", "d1", "d1", None, None, "d2"],
        "counterparty_id": [None, None, None, None, "a", None],
    })
    return build_graph(tx)[0]


def test_edge_inputs_are_the_one_function_of_the_aggregates(sample_graph):
    encoder = GraphEncoder().fit(sample_graph)
    raw = to_pyg(sample_graph).data
    encoded = encoder.transform(sample_graph).pyg.data
    assert list(EDGE_AGGREGATES) == ["count", "amount", "span_seconds"]
    for edge_type in encoder.edge_types_:
        aggregates = raw[edge_type].edge_attr.numpy()
        expected = edge_features(aggregates[:, 0], aggregates[:, 1], aggregates[:, 2])
        np.testing.assert_array_equal(encoded[edge_type].edge_attr.numpy(), expected)
    paid = raw["user", "paid", "merchant"]
    a_m1 = ((paid.edge_index[0] == 0) & (paid.edge_index[1] == 0)).nonzero().item()
    assert paid.edge_attr[a_m1].tolist() == [2.0, 40.0, 2 * 86_400.0]  # two payments, 40 in all, two days apart
    assert encoded["user", "paid", "merchant"].edge_attr[a_m1].tolist() == pytest.approx(
        [np.log1p(2), np.log1p(40), np.log1p(2)])


def test_node_inputs_are_scaled_and_unknown_nodes_get_the_training_mean(sample_graph):
    encoder = GraphEncoder().fit(sample_graph)
    inputs = encoder.node_inputs(sample_graph)
    full = encoder.transform(sample_graph, inputs=inputs).pyg
    scaled = encoder.scale("user", inputs["user"])
    np.testing.assert_allclose(full.data["user"].x.numpy(), scaled.reindex(full.ids["user"]).to_numpy(), rtol=1e-6)
    partial = {**inputs, "user": inputs["user"].drop(index=["b"])}
    part = encoder.transform(sample_graph, inputs=partial).pyg
    row = full.ids["user"].get_loc("b")
    assert torch.equal(part.data["user"].x[row], encoder.blank_inputs("user", 1)[0])
    assert torch.count_nonzero(encoder.blank_inputs("user", 3)) == 0  # the mean is 0 after scaling
    others = [i for i in range(len(full.ids["user"])) if i != row]
    assert torch.equal(part.data["user"].x[others], full.data["user"].x[others])


def test_state_round_trips_and_a_missing_column_is_refused(sample_graph):
    encoder = GraphEncoder(seed=3).fit(sample_graph)
    again = GraphEncoder.from_dict(encoder.to_dict(), profile=encoder.profile_)
    assert again.seed == 3 and again.edge_types_ == encoder.edge_types_ and again.in_dims == encoder.in_dims
    inputs = encoder.node_inputs(sample_graph)
    torch.testing.assert_close(again.transform(sample_graph, inputs=inputs).pyg.data["user"].x,
                               encoder.transform(sample_graph, inputs=inputs).pyg.data["user"].x)
    column = encoder.scalers_["user"].columns[0]
    with pytest.raises(ModelError, match=f"another input schema.*{column}"):
        encoder.transform(sample_graph, inputs={**inputs, "user": inputs["user"].drop(columns=[column])})
    with pytest.raises(ModelError, match="edge features"):
        GraphEncoder.from_dict({**encoder.to_dict(), "edge_features": ["count"]})
    with pytest.raises(ModelError, match="not fitted"):
        GraphEncoder().transform(sample_graph)


def test_relations_the_model_never_saw_are_dropped_with_a_note(sample_graph):
    encoder = GraphEncoder().fit(sample_graph)
    encoder.edge_types_ = [et for et in encoder.edge_types_ if "sent" not in et[1]]
    encoded = encoder.transform(sample_graph)
    assert not any("sent" in et[1] for et in encoded.pyg.data.edge_types)
    fewer = GraphEncoder().fit(sample_graph)
    fewer.edge_types_ = [*fewer.edge_types_, ("user", "used", "phone"), ("phone", "rev_used", "user")]
    assert any("absent here" in note for note in fewer.transform(sample_graph).notes)


def test_a_missing_or_negative_span_counts_as_zero_days():
    features = edge_features(np.array([1.0, 2.0, 2.0]), np.array([5.0, 5.0, 5.0]),
                             np.array([np.nan, -3600.0, 43_200.0]))
    assert features[:, 2].tolist() == pytest.approx([0.0, 0.0, np.log1p(0.5)])
    assert features.dtype == np.float32


def test_the_live_graph_gives_the_batch_edge_inputs(sample_graph):
    from graphrisk.serve.live_graph import LiveGraph

    encoder = GraphEncoder().fit(sample_graph)
    encoded = encoder.transform(sample_graph).pyg
    live = LiveGraph(sample_graph, encoded, encoder.node_types, encoder.edge_types_)
    index, attrs = live.full_edges()
    assert set(index) == set(encoded.data.edge_types)
    for edge_type in index:
        batch = dict(zip(map(tuple, encoded.data[edge_type].edge_index.t().tolist()),
                         encoded.data[edge_type].edge_attr.tolist()))
        served = dict(zip(map(tuple, index[edge_type].t().tolist()), attrs[edge_type].tolist()))
        assert served.keys() == batch.keys()
        for pair, values in served.items():
            assert values == pytest.approx(batch[pair], rel=1e-6), (edge_type, pair)


def test_a_relation_absent_from_the_whole_graph_does_not_move_other_users_scores(fitted, world_graph):
    """Every relation adds its self term to the nodes it points to: an absent one is added empty."""
    from graphrisk.features.node_inputs import node_inputs

    transactions = world_graph.transactions
    without = transactions[transactions["counterparty_id"].isna()]
    transfer = transactions[transactions["counterparty_id"].notna()].head(1)
    inputs = node_inputs(world_graph)
    alone = fitted.predict_proba(build_graph(without)[0], inputs=inputs)[:, 1]
    graph = build_graph(pd.concat([without, transfer]))[0]
    with_one = pd.Series(fitted.predict_proba(graph, inputs=inputs)[:, 1], index=graph.users["user_id"])
    others = build_graph(without)[0].users["user_id"]
    near = set(transfer[["user_id", "counterparty_id"]].to_numpy().ravel())
    far = ~others.isin(near).to_numpy()
    assert far.sum() > 1000
    np.testing.assert_allclose(alone[far], with_one.reindex(others).to_numpy()[far], rtol=1e-6, atol=1e-7)
    encoded = fitted.encoder_.transform(build_graph(without)[0], inputs=inputs)
    assert ("user", "sent", "user") in encoded.pyg.data.edge_types
    assert any("absent" in note for note in encoded.notes)  # still reported
