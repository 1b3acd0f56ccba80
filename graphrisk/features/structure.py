"""Structure features: degrees per relationship, sharing of identifiers, components, cores, clustering."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["structure_features"]

_PLURAL = {"address": "addresses"}


def structure_features(graph: TransactionGraph, projection: nx.Graph) -> pd.DataFrame:
    """Per-user structure features (see :data:`graphrisk.features.catalog.FEATURES`).

    Parameters
    ----------
    graph
        The transaction graph.
    projection
        The hub-capped identifier projection (:func:`graphrisk.graph.projection.identifier_projection`).
    """
    users = pd.Index(graph.users["user_id"], name="user_id")
    out = pd.DataFrame(index=users)
    out["merchants"] = graph.paid.groupby("src").size()
    out["payments"] = graph.paid.groupby("src")["count"].sum()
    out["sent_to"] = graph.sent.groupby("src").size()
    out["received_from"] = graph.sent.groupby("dst").size()
    used = graph.used
    for kind in IDENTIFIER_TYPES:
        out[_PLURAL.get(kind, f"{kind}s")] = used[used["entity_type"] == kind].groupby("src").size()
    users_on = used.groupby(["entity_type", "dst"])["src"].transform("size")
    per_user = used.assign(users_on=users_on).groupby("src")["users_on"]
    out["users_per_identifier_max"] = per_user.max()
    out["users_per_identifier_mean"] = per_user.mean()
    out = out.fillna(0.0)

    component_size = {}
    for component in nx.connected_components(projection):
        size = len(component)
        for user in component:
            component_size[user] = size
    out["component_size"] = pd.Series(component_size).reindex(users).fillna(1).astype(float)
    projection = projection.copy()
    projection.remove_edges_from(nx.selfloop_edges(projection))
    out["core_number"] = pd.Series(nx.core_number(projection)).reindex(users).fillna(0).astype(float)
    out["clustering"] = pd.Series(nx.clustering(projection)).reindex(users).fillna(0.0).astype(float)
    return out.astype(float)
