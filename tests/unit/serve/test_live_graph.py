"""The service's compressed adjacency lists every incoming edge."""

from __future__ import annotations

import numpy as np

from graphrisk.serve.live_graph import _Adjacency


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
