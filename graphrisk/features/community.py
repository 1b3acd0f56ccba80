"""Community features: Louvain (seeded) and label propagation on a user projection."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from graphrisk.graph.ordering import canonical_graph

__all__ = ["community_features", "WEIGHT_SCALE"]

#: Projection weights are rounded to multiples of 1/WEIGHT_SCALE for the community algorithms.
WEIGHT_SCALE = 1000


def _numbered(communities: list[set]) -> dict:
    """Community number per node, numbered by size (largest first) then smallest member."""
    ordered = sorted(communities, key=lambda c: (-len(c), min(map(str, c))))
    return {node: number for number, members in enumerate(ordered) for node in members}


def community_features(
    projection: nx.Graph, *, seed: int = 0, prefix: str = "", label_propagation: bool = True
) -> pd.DataFrame:
    """Louvain community id, size, internal density and inside-weight share; label-propagation size.

    Isolated users are communities of one (density 0, share 0). ``label_propagation=False``
    skips the second view (it costs more than Louvain on dense projections).

    Examples
    --------
    >>> g = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")])
    >>> g.add_node("e")
    >>> f = community_features(g, seed=1)
    >>> float(f.loc["e", "louvain_size"]), float(f.loc["a", "louvain_density"])
    (1.0, 1.0)
    """
    # integer nodes in sorted order: the result does not depend on the process's hash seed;
    # integer weights (1/1000 resolution): NetworkX 3.6's Louvain can loop forever on float round-off
    linked, ids = canonical_graph(projection.subgraph([n for n, d in projection.degree() if d > 0]),
                                  weight_scale=WEIGHT_SCALE)
    louvain = [{ids[i] for i in c} for c in nx.community.louvain_communities(linked, weight="weight", seed=seed)] \
        if linked.number_of_nodes() else []
    number = _numbered(louvain)
    users = pd.Index(list(projection.nodes), name="user_id")
    community = pd.Series(number, dtype="float64").reindex(users)
    next_id = len(louvain)
    isolated = community.isna()
    community[isolated] = np.arange(next_id, next_id + isolated.sum())
    size = community.map(community.value_counts())

    edges = nx.to_pandas_edgelist(projection)
    if edges.empty:
        edges = pd.DataFrame({"source": [], "target": [], "weight": []})
    if "weight" not in edges.columns:
        edges["weight"] = 1.0
    ca = edges["source"].map(community).to_numpy()
    cb = edges["target"].map(community).to_numpy()
    inside = ca == cb
    w = edges["weight"].to_numpy(dtype=float)
    internal_edges = pd.Series(ca[inside]).value_counts()
    total = (pd.Series(w).groupby(edges["source"].to_numpy()).sum()
             .add(pd.Series(w).groupby(edges["target"].to_numpy()).sum(), fill_value=0.0)).reindex(users).fillna(0.0)
    inner = (pd.Series(w[inside]).groupby(edges["source"].to_numpy()[inside]).sum()
             .add(pd.Series(w[inside]).groupby(edges["target"].to_numpy()[inside]).sum(), fill_value=0.0))
    pairs = size * (size - 1) / 2
    density = (community.map(internal_edges).fillna(0.0) / pairs.where(pairs > 0)).fillna(0.0)
    share = (inner.reindex(users).fillna(0.0) / total.where(total > 0)).fillna(0.0)

    out = pd.DataFrame(
        {
            f"{prefix}louvain_community": community.astype(float),
            f"{prefix}louvain_size": size.astype(float),
            f"{prefix}louvain_density": density.astype(float),
            f"{prefix}louvain_weight_share": share.astype(float),
        },
        index=users,
    )
    if label_propagation:
        lpa = list(nx.community.fast_label_propagation_communities(linked, weight="weight", seed=seed)) \
            if linked.number_of_nodes() else []
        sizes = {ids[i]: float(len(c)) for c in lpa for i in c}
        out[f"{prefix}label_propagation_size"] = pd.Series(sizes, dtype="float64").reindex(users).fillna(1.0)
    return out
