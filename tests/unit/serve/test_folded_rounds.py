"""The service's shortcuts give the network's own numbers: folded SAGE rounds and compressed adjacency."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphrisk.model.network import HeteroRiskNet
from graphrisk.serve.folded_rounds import FoldedSageRounds
from graphrisk.serve.live_graph import _Adjacency

EDGE_TYPES = [("user", "paid", "merchant"), ("merchant", "rev_paid", "user"), ("user", "used", "device"),
              ("device", "rev_used", "user"), ("user", "sent", "user"), ("user", "rev_sent", "user")]
SIZES = {"user": 40, "merchant": 7, "device": 12}


def _edges(rng: np.random.Generator, edge_type, count: int) -> np.ndarray:
    return np.vstack([rng.integers(0, SIZES[edge_type[0]], count), rng.integers(0, SIZES[edge_type[2]], count)])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_folded_rounds_equal_the_networks_propagate(seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    network = HeteroRiskNet({k: 5 for k in SIZES}, EDGE_TYPES, hidden=16, layers=2).eval()
    present = EDGE_TYPES[:4] + EDGE_TYPES[5:]  # ("user", "sent", "user") has no edge: no root term either
    rounds = [[et for et in present if et in conv.convs] for conv in network.convs]
    folded = FoldedSageRounds(network, rounds)
    h = {k: torch.randn(n, 16) for k, n in SIZES.items()}
    edges = {et: _edges(rng, et, int(rng.integers(0, 60))) for et in present}
    edges[("merchant", "rev_paid", "user")] = np.zeros((2, 0), dtype=np.int64)  # present, but none arrive here
    with torch.inference_mode():
        for round_index, relations in enumerate(rounds):
            expected = network.propagate(round_index, h, {et: torch.from_numpy(edges[et]) for et in relations})
            targets = sorted({et[2] for et in relations})
            got = folded.propagate(round_index, h, {et: (edges[et][0], edges[et][1]) for et in relations}, targets)
            for kind in targets:
                torch.testing.assert_close(got[kind], expected[kind], atol=1e-5, rtol=1e-5)


def test_folding_refuses_another_operator():
    network = HeteroRiskNet({k: 5 for k in SIZES}, EDGE_TYPES, hidden=8, conv="gat")
    with pytest.raises(ValueError, match="sage"):
        FoldedSageRounds(network, [EDGE_TYPES, EDGE_TYPES])


def test_adjacency_lists_every_incoming_edge_old_and_new():
    rng = np.random.default_rng(4)
    ends, others = rng.integers(0, 9, 50), rng.integers(0, 30, 50)
    adjacency = _Adjacency(ends, others, nodes=10)  # node 9 has no edge yet
    adjacency.add(3, 50, 7)
    adjacency.add(11, 51, 2)  # a node newer than the compressed rows
    expected = {(e, int(o), int(n)) for e, (n, o) in enumerate(zip(ends, others))} | {(50, 7, 3), (51, 2, 11)}
    nodes = np.array([0, 3, 9, 11, 3])
    edge_ids, sources, targets = adjacency.incoming(np.unique(nodes))
    got = set(zip(edge_ids.tolist(), sources.tolist(), targets.tolist()))
    assert got == {edge for edge in expected if edge[2] in set(nodes.tolist())}
    assert len(got) == len(edge_ids)
    assert all(len(a) == 0 for a in adjacency.incoming(np.array([], dtype=np.int64)))
