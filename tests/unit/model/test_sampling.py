"""The neighbour sampler: with fan-outs above every degree, a mini-batch gives the full-graph scores."""

from __future__ import annotations

import numpy as np
import torch

from graphrisk.model import RiskDetector
from graphrisk.model.sampling import NeighbourSampler


def test_unbounded_fanout_reproduces_full_batch_logits(fitted, world_graph):
    pyg = fitted.encoder_.transform(world_graph).pyg
    network = fitted.network_.eval()
    data = pyg.data
    with torch.no_grad():
        full = network(data.x_dict, data.edge_index_dict, data.edge_attr_dict)
    seeds = np.array([0, 17, 5, 1200, 2999])
    batch = NeighbourSampler(data, fanouts=[10**6, 10**6], seed=0).sample(seeds)
    assert batch["user"].n_id[: len(seeds)].tolist() == seeds.tolist()
    with torch.no_grad():
        part = network(batch.x_dict, batch.edge_index_dict, batch.edge_attr_dict)[: len(seeds)]
    assert torch.allclose(part, full[torch.from_numpy(seeds)], atol=1e-4)


def test_batch_edges_map_back_to_real_edges(fitted, world_graph):
    data = fitted.encoder_.transform(world_graph).pyg.data
    batch = NeighbourSampler(data, fanouts=[3, 2], seed=1).sample(np.arange(50))
    for edge_type in batch.edge_types:
        src_type, _, dst_type = edge_type
        local = batch[edge_type].edge_index
        mapped = torch.stack([batch[src_type].n_id[local[0]], batch[dst_type].n_id[local[1]]])
        real = {tuple(pair) for pair in data[edge_type].edge_index.t().tolist()}
        assert {tuple(pair) for pair in mapped.t().tolist()} <= real
        # a node is expanded once, at its own hop: never more than the largest fan-out per relation
        assert torch.bincount(local[1]).max() <= 3


def test_settings_are_checked_when_fitting(world_graph, train_labels):
    import pytest

    detector = RiskDetector(fanouts=(10,))  # scikit-learn's rule: the constructor only stores
    with pytest.raises(ValueError, match="one positive entry per layer"):
        detector.fit(world_graph, train_labels)
    assert RiskDetector(layers=3).settings.fanouts == (15, 10, 10)
    with pytest.raises(ValueError, match="unknown conv"):
        RiskDetector(conv="transformer").fit(world_graph, train_labels)
