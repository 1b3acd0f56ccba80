"""Folded SAGE rounds give the network's own numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphrisk.model.network import HeteroRiskNet

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
    rounds = [[et for et in present if et in network.round_relations(i)] for i in range(network.rounds)]
    folded = network.fold(rounds)
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


def test_an_operator_that_does_not_fold_says_so():
    network = HeteroRiskNet({k: 5 for k in SIZES}, EDGE_TYPES, hidden=8, conv="gat")
    assert network.fold([EDGE_TYPES, EDGE_TYPES]) is None
