"""Graph views for NetworkX: the heterogeneous graph and weighted user-user projections.

Shared hubs explode projections: a kiosk used by 10,000 users alone makes 50M pairs. Every
projection therefore skips entities used by more than ``hub_cap`` users (their number is
reported in the graph attribute ``skipped_hubs``), and down-weights the pairs made through
an entity of degree ``d`` by ``1 / (d - 1)``, so a user's total weight through one entity
is at most 1. The number of pairs is then at most ``sum(min(d, hub_cap)^2) / 2`` over the
entities, whatever the input.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["identifier_projection", "merchant_projection", "to_networkx", "DEFAULT_HUB_CAP"]

#: Entities used by more users than this are left out of projections.
DEFAULT_HUB_CAP = 50


def _project(pairs: pd.DataFrame, users: pd.Series, hub_cap: int) -> nx.Graph:
    """Weighted user-user graph from (entity, user) incidence rows."""
    if hub_cap < 2:
        raise ValueError(f"hub_cap must be >= 2, got {hub_cap}")
    graph = nx.Graph()
    graph.add_nodes_from(users.tolist())
    incidence = pairs.drop_duplicates()
    degree = incidence.groupby("entity", observed=True)["user"].transform("size")
    graph.graph["skipped_hubs"] = int(incidence.loc[degree > hub_cap, "entity"].nunique())
    kept = incidence[(degree > 1) & (degree <= hub_cap)].assign(weight=1.0 / (degree[(degree > 1) & (degree <= hub_cap)] - 1))
    if kept.empty:
        return graph
    left = kept.rename(columns={"user": "a"})
    right = kept[["entity", "user"]].rename(columns={"user": "b"})
    joined = left.merge(right, on="entity")
    joined = joined[joined["a"] < joined["b"]]
    weights = joined.groupby(["a", "b"], observed=True)["weight"].sum()
    graph.add_weighted_edges_from(
        zip(weights.index.get_level_values(0), weights.index.get_level_values(1), weights.to_numpy().tolist())
    )
    return graph


def identifier_projection(
    graph: TransactionGraph, *, hub_cap: int = DEFAULT_HUB_CAP, types: tuple[str, ...] = IDENTIFIER_TYPES
) -> nx.Graph:
    """Users joined when they share a device or another identifier (hub-capped, down-weighted).

    Examples
    --------
    >>> import pandas as pd
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2", "3"], "timestamp": ["2024-01-01"] * 3,
    ...                    "user_id": ["a", "b", "c"], "amount": [1, 1, 1], "device_id": ["d", "d", "e"]})
    >>> projection = identifier_projection(build_graph(tx)[0])
    >>> sorted(projection.edges(data="weight"))
    [('a', 'b', 1.0)]
    """
    used = graph.used[graph.used["entity_type"].isin(types)]
    pairs = pd.DataFrame({"entity": used["entity_type"] + ":" + used["dst"], "user": used["src"]})
    return _project(pairs, graph.users["user_id"], hub_cap)


def merchant_projection(graph: TransactionGraph, *, hub_cap: int = DEFAULT_HUB_CAP) -> nx.Graph:
    """Users joined when they paid the same (small) merchant; big merchants are left out."""
    pairs = pd.DataFrame({"entity": graph.paid["dst"], "user": graph.paid["src"]})
    return _project(pairs, graph.users["user_id"], hub_cap)


def to_networkx(graph: TransactionGraph) -> nx.MultiDiGraph:
    """The heterogeneous graph: nodes are ``(type, id)`` tuples with a ``type`` attribute;
    edges carry the aggregated ``count``, ``amount`` and a ``type`` (PAID, SENT, USED)."""
    g = nx.MultiDiGraph()
    g.add_nodes_from((("user", u) for u in graph.users["user_id"]), type="user")
    g.add_nodes_from((("merchant", m) for m in graph.merchants["merchant_id"]), type="merchant")
    for kind, table in graph.identifiers.items():
        g.add_nodes_from(((kind, e) for e in table["entity_id"]), type=kind)
    for name, table in (("PAID", graph.paid), ("SENT", graph.sent), ("USED", graph.used)):
        if not len(table):
            continue
        targets = (
            list(zip(table["entity_type"], table["dst"])) if name == "USED"
            else [("merchant" if name == "PAID" else "user", d) for d in table["dst"]]
        )
        sources = [("user", s) for s in table["src"]]
        g.add_edges_from(
            (s, t, {"type": name, "count": int(c), "amount": float(a)})
            for s, t, c, a in zip(sources, targets, table["count"].to_numpy(), table["amount"].to_numpy())
        )
    return g


