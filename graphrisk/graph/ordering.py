"""A node and edge order that does not depend on the process: the same features in every run.

NetworkX algorithms iterate nodes, neighbours and sets of nodes. For string ids the
order of a set changes with Python's per-process hash seed, so a seeded Louvain, label
propagation or sampled betweenness could give different answers in two runs of the same
job. :func:`canonical_graph` relabels a graph to integers ``0..n-1`` in sorted id order
and inserts its edges sorted, so every iteration order is fixed by the data alone.
"""

from __future__ import annotations

import networkx as nx

__all__ = ["canonical_graph"]


def canonical_graph(graph: nx.Graph) -> tuple[nx.Graph, list]:
    """``graph`` relabelled to sorted integers, with edges inserted in sorted order.

    Returns
    -------
    (networkx.Graph, list)
        The relabelled graph (edge attributes kept) and the original id of each integer
        node (``ids[i]`` is node ``i``).

    Examples
    --------
    >>> g = nx.Graph([("b", "a", {"weight": 2.0}), ("c", "b")])
    >>> h, ids = canonical_graph(g)
    >>> ids, list(h.edges(data="weight"))
    (['a', 'b', 'c'], [(0, 1, 2.0), (1, 2, None)])
    """
    ids = sorted(graph.nodes, key=str)
    index = {node: i for i, node in enumerate(ids)}
    out = nx.Graph()
    out.add_nodes_from(range(len(ids)))
    edges = sorted(
        (min(index[u], index[v]), max(index[u], index[v]), data) for u, v, data in graph.edges(data=True)
    )
    out.add_edges_from(edges)
    return out, ids
