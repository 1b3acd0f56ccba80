"""The PyTorch Geometric view of the hand-made sample."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from graphrisk import build_graph
from graphrisk.features import compute_features, entity_features
from graphrisk.graph.pyg import to_pyg


@pytest.fixture
def sample_graph(sample_paths):
    return build_graph(**sample_paths)[0]


def test_nodes_edges_and_reverse_edges(sample_graph):
    pyg = to_pyg(sample_graph)
    data = pyg.data
    data.validate(raise_on_error=True)
    assert {t: data[t].num_nodes for t in data.node_types} == {
        "user": 10, "merchant": 4, "device": 5, "card": 6, "ip": 3, "email": 2, "phone": 1
    }
    paid = data["user", "paid", "merchant"]
    assert paid.edge_index.shape == (2, 8)
    assert torch.equal(data["merchant", "rev_paid", "user"].edge_index, paid.edge_index.flip(0))
    # u1 paid m1 twice, 37.50 in all, one hour apart
    u1, m1 = pyg.ids["user"].get_loc("u1"), pyg.ids["merchant"].get_loc("m1")
    column = ((paid.edge_index[0] == u1) & (paid.edge_index[1] == m1)).nonzero().item()
    assert paid.edge_attr[column].tolist() == pytest.approx([2, 37.5, 3600], rel=1e-12)  # raw aggregates
    assert data["user", "sent", "user"].edge_index.shape == (2, 2)
    assert sum(data[e].edge_index.shape[1] for e in data.edge_types if e[1] == "used") == 26


def test_features_are_aligned_to_node_order(sample_graph):
    users = compute_features(sample_graph, families=["structure"])
    pyg = to_pyg(sample_graph, users.iloc[::-1], entity_features(sample_graph))
    x = pyg.data["user"].x
    assert x.shape == (10, users.shape[1])
    row = pyg.ids["user"].get_loc("u5")
    assert x[row].tolist() == pytest.approx(users.loc["u5"].tolist())
    merchants = pyg.data["merchant"].x
    assert merchants[pyg.ids["merchant"].get_loc("m3"), 0].item() == 3.0  # users column: u5, u6, u7


def test_missing_values_become_zero_and_no_features_give_a_constant(sample_graph):
    partial = pd.DataFrame({"f": [float("nan"), 2.0]}, index=["u1", "u2"])
    pyg = to_pyg(sample_graph, partial)
    x = pyg.data["user"].x
    assert x[pyg.ids["user"].get_loc("u1")].item() == 0.0
    assert x[pyg.ids["user"].get_loc("u2")].item() == 2.0
    assert x[pyg.ids["user"].get_loc("u9")].item() == 0.0
    assert torch.equal(pyg.data["device"].x, torch.ones((5, 1)))
