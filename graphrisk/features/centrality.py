"""Centrality features: PageRank, sampled betweenness, eigenvector centrality where it converges."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

from graphrisk.graph.ordering import canonical_graph

__all__ = ["centrality_features"]


def _eigenvector_per_component(graph: nx.Graph, *, max_iter: int = 200, tol: float = 1e-8) -> dict:
    """Eigenvector centrality of every connected component at once (unit length per component).

    Power iteration on ``A + I`` (same eigenvectors as ``A``, no oscillation on bipartite
    components) with one sparse product per step; components that have not converged
    after ``max_iter`` steps get ``NaN``.
    """
    nodes = list(graph.nodes)
    if not nodes:
        return {}
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight="weight", format="csr")
    _, component = connected_components(adjacency, directed=False)
    x = np.ones(len(nodes))
    change = np.full(len(nodes), np.inf)
    for _ in range(max_iter):
        y = adjacency @ x + x
        y /= np.sqrt(np.bincount(component, weights=y * y))[component]
        change = np.abs(y - x)
        x = y
        if change.max() < tol:
            break
    unconverged = np.flatnonzero(np.bincount(component, weights=(change >= tol).astype(float)) > 0)
    for number in unconverged:
        # nearly equal leading eigenvalues (two similar cliques joined weakly) make the power
        # iteration crawl: solve that component's eigenproblem directly
        members = np.flatnonzero(component == number)
        sub = adjacency[members][:, members]
        try:
            if len(members) <= 2_000:
                _, vectors = np.linalg.eigh(sub.toarray())
                vector = vectors[:, -1]
            else:
                _, vectors = eigsh(sub.astype(float), k=1, which="LA")
                vector = vectors[:, 0]
            x[members] = np.abs(vector) / np.linalg.norm(vector)
        except (np.linalg.LinAlgError, ArpackNoConvergence):
            x[members] = np.nan
    return dict(zip(nodes, x.tolist()))


def centrality_features(projection: nx.Graph, *, seed: int = 0, betweenness_k: int = 256, prefix: str = "") -> pd.DataFrame:
    """PageRank (weighted, SciPy power iteration), approximate betweenness from ``betweenness_k``
    seeded sample sources, and eigenvector centrality within each connected component
    (``NaN`` where the power iteration does not converge; 0 for isolated users).

    Examples
    --------
    >>> g = nx.path_graph(["a", "b", "c"])
    >>> f = centrality_features(g, seed=0)
    >>> float(f.loc["b", "betweenness"]) > float(f.loc["a", "betweenness"])
    True
    """
    if betweenness_k < 1:
        raise ValueError(f"betweenness_k must be >= 1, got {betweenness_k}")
    users = pd.Index(list(projection.nodes), name="user_id")
    if projection.number_of_nodes() == 0:
        return pd.DataFrame(index=users, columns=[f"{prefix}pagerank", f"{prefix}betweenness", f"{prefix}eigenvector"], dtype=float)
    pagerank = nx.pagerank(projection, weight="weight")
    # integer nodes in sorted order: the sampled sources do not depend on the process's hash seed
    linked, ids = canonical_graph(projection.subgraph([n for n, d in projection.degree() if d > 0]))
    k = min(betweenness_k, linked.number_of_nodes())
    sampled = nx.betweenness_centrality(linked, k=k, seed=seed, normalized=True) if k > 1 else {}
    betweenness = {ids[i]: value for i, value in sampled.items()}
    eigenvector = {ids[i]: value for i, value in _eigenvector_per_component(linked).items()}
    return pd.DataFrame(
        {
            f"{prefix}pagerank": pd.Series(pagerank).reindex(users).astype(float),
            f"{prefix}betweenness": pd.Series(betweenness, dtype=float).reindex(users).fillna(0.0),
            f"{prefix}eigenvector": pd.Series({**dict.fromkeys(users, 0.0), **eigenvector}, dtype=float).reindex(users),
        },
        index=users,
    )
