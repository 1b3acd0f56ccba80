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


def canonical_graph(graph: nx.Graph, *, weight_scale: float | None = None) -> tuple[nx.Graph, list]:
    """``graph`` relabelled to sorted integers, with edges inserted in sorted order.

    Parameters
    ----------
    graph
        Any undirected graph.
    weight_scale
        When given, ``weight`` becomes the integer ``max(1, round(weight * weight_scale))``
        (missing weights count as 1). NetworkX 3.6's Louvain can loop forever on float
        weights, when round-off makes two equal gains look different (networkx issue
        #8739, fixed after 3.6.1); on integer weights its sums are exact.

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
    >>> list(canonical_graph(g, weight_scale=1000)[0].edges(data="weight"))
    [(0, 1, 2000), (1, 2, 1000)]
    """
    ids = sorted(graph.nodes, key=str)
    index = {node: i for i, node in enumerate(ids)}
    out = nx.Graph()
    out.add_nodes_from(range(len(ids)))
    edges = sorted(
        (min(index[u], index[v]), max(index[u], index[v]), data) for u, v, data in graph.edges(data=True)
    )
    if weight_scale is not None:
        edges = [(u, v, {**data, "weight": max(1, round(data.get("weight", 1.0) * weight_scale))})
                 for u, v, data in edges]
    out.add_edges_from(edges)
    return out, ids
