"""Group tied candidates: connected components, with Louvain splitting of very large ones.

A component of the candidate tie graph is a ring when it has at least ``min_ring_size``
members. A component larger than ``max_ring_size`` is more likely several rings chained by
a few stray ties than one ring, so it is split into Louvain communities
(:func:`networkx.community.louvain_communities`, seeded) of the tie graph weighted by the
number of ties two members share; parts smaller than ``min_ring_size`` are dropped. A
community still larger than ``max_ring_size`` is kept whole: Louvain found no better cut.

Components are found on the bipartite candidate-tie graph (one edge per candidate and tie)
with :func:`scipy.sparse.csgraph.connected_components`, so the cost is linear in the tie
table; candidate pairs are only made inside the components that are split.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from graphrisk.graph.ordering import canonical_graph

__all__ = ["tie_groups"]


def tie_groups(
    ties: pd.DataFrame, *, min_ring_size: int = 2, max_ring_size: int = 60, seed: int = 0
) -> list[list[str]]:
    """Member lists of the groups of tied candidates.

    Parameters
    ----------
    ties
        One row per candidate and tie, columns ``user_id`` and ``tie``
        (see :func:`graphrisk.rings.ties.candidate_ties`).
    min_ring_size
        Smallest group kept.
    max_ring_size
        Components with more members are split with Louvain.
    seed
        Seed of the Louvain splits.

    Returns
    -------
    list of list of str
        Each group's sorted member ids; groups ordered by their first member.

    Examples
    --------
    >>> ties = pd.DataFrame({"user_id": ["a", "b", "b", "c", "x", "y", "z"],
    ...                      "tie": ["device:1", "device:1", "card:2", "card:2", "ip:3", "ip:3", "ip:4"]})
    >>> tie_groups(ties)
    [['a', 'b', 'c'], ['x', 'y']]
    >>> tie_groups(ties, min_ring_size=3)
    [['a', 'b', 'c']]
    """
    ties = ties[["user_id", "tie"]].drop_duplicates()
    if not len(ties):
        return []
    user_codes, users = pd.factorize(ties["user_id"], sort=True)
    tie_codes, tie_names = pd.factorize(ties["tie"], sort=True)
    n_users, n_nodes = len(users), len(users) + len(tie_names)
    adjacency = coo_array(
        (np.ones(len(ties), dtype=np.int8), (user_codes, n_users + tie_codes)), shape=(n_nodes, n_nodes)
    )
    _, labels = connected_components(adjacency, directed=False)
    component = labels[:n_users]
    sizes = np.bincount(component)

    groups: list[list[str]] = []
    order = np.argsort(component, kind="stable")  # users are sorted, so members stay sorted
    bounds = np.flatnonzero(np.diff(component[order])) + 1
    big: list[np.ndarray] = []
    for members in np.split(order, bounds):
        size = sizes[component[members[0]]]
        if size < min_ring_size:
            continue
        if size > max_ring_size:
            big.append(members)
            continue
        groups.append([str(u) for u in users[members]])
    if big:
        tie_component = component[user_codes]
        for members in big:
            inside = ties[tie_component == component[members[0]]]
            groups += _louvain_split(inside, seed=seed, min_ring_size=min_ring_size)
    return sorted(groups)


def _louvain_split(ties: pd.DataFrame, *, seed: int, min_ring_size: int) -> list[list[str]]:
    """Louvain communities of one component, weighted by the number of shared ties."""
    pairs = ties.merge(ties, on="tie", suffixes=("_a", "_b"))
    pairs = pairs[pairs["user_id_a"] < pairs["user_id_b"]]
    weights = pairs.groupby(["user_id_a", "user_id_b"]).size().sort_index()
    graph = nx.Graph()
    graph.add_nodes_from(sorted(ties["user_id"].unique()))
    graph.add_weighted_edges_from(
        zip(weights.index.get_level_values(0), weights.index.get_level_values(1), weights.to_numpy().tolist())
    )
    graph, ids = canonical_graph(graph)  # integer nodes: the split does not depend on the hash seed
    communities = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    return [sorted(str(ids[i]) for i in c) for c in communities if len(c) >= min_ring_size]
