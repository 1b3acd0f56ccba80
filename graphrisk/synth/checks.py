"""Checks that a generated world is hard for tabular models but recoverable from the graph."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from graphrisk.synth.world import World

__all__ = ["evidence_graph", "ring_recoverability"]


def evidence_graph(world: World, *, hub_cap: int = 30, merchant_cap: int = 50, window_hours: float = 3.0) -> nx.Graph:
    """A user-user graph of what rings leave behind, with honest hubs left out.

    Two users are joined when they share an identifier (device, card, phone, address,
    email) seen with at most ``hub_cap`` users, when one sent money to the other, or when
    they paid the same small merchant (at most ``merchant_cap`` payers) within
    ``window_hours`` of each other.
    """
    graph = nx.Graph()
    graph.add_nodes_from(world.users["user_id"])
    tx = world.transactions
    identifiers = [tx[["user_id", c]].rename(columns={c: "entity_id"}).assign(entity_type=c)
                   for c in ("device_id", "card_id")]
    links = world.links[["user_id", "entity_id", "entity_type"]].copy()
    links["entity_type"] = links["entity_type"].replace({"device": "device_id"})
    seen = pd.concat([*identifiers, links], ignore_index=True)
    seen = seen[seen["entity_id"].fillna("") != ""].drop_duplicates()
    sizes = seen.groupby(["entity_type", "entity_id"])["user_id"].transform("size")
    small = seen[(sizes > 1) & (sizes <= hub_cap)].sort_values(["entity_type", "entity_id"])
    same = (small["entity_id"].to_numpy()[1:] == small["entity_id"].to_numpy()[:-1]) & (
        small["entity_type"].to_numpy()[1:] == small["entity_type"].to_numpy()[:-1]
    )
    users = small["user_id"].to_numpy()
    graph.add_edges_from(zip(users[:-1][same], users[1:][same]))

    transfers = tx[tx["counterparty_id"].fillna("") != ""]
    graph.add_edges_from(zip(transfers["user_id"], transfers["counterparty_id"]))

    paid = tx[tx["merchant_id"].fillna("") != ""][["user_id", "merchant_id", "timestamp"]].copy()
    payers = paid.groupby("merchant_id")["user_id"].transform("nunique")
    paid = paid[payers <= merchant_cap]
    paid["t"] = pd.to_datetime(paid["timestamp"], utc=True, format="ISO8601")
    paid = paid.sort_values(["merchant_id", "t"])
    m = paid["merchant_id"].to_numpy()
    t = paid["t"].to_numpy()
    u = paid["user_id"].to_numpy()
    close = (m[1:] == m[:-1]) & ((t[1:] - t[:-1]) <= np.timedelta64(int(window_hours * 3600), "s")) & (u[1:] != u[:-1])
    graph.add_edges_from(zip(u[:-1][close], u[1:][close]))
    return graph


def ring_recoverability(world: World, **graph_options) -> pd.DataFrame:
    """For every ring: the share of its members in one connected component of the
    evidence graph, and the share of fraudsters in that component (its purity)."""
    graph = evidence_graph(world, **graph_options)
    component_of = {}
    for number, component in enumerate(nx.connected_components(graph)):
        for user in component:
            component_of[user] = number
    labels = world.labels.assign(component=world.labels["user_id"].map(component_of))
    fraud_share = labels.groupby("component")["is_fraud"].mean()
    rows = []
    for ring_id, members in labels[labels["ring_id"] != ""].groupby("ring_id"):
        main = members["component"].value_counts()
        rows.append(
            {
                "ring_id": ring_id,
                "ring_type": members["ring_type"].iloc[0],
                "size": len(members),
                "largest_share": main.iloc[0] / len(members),
                "purity": float(fraud_share[main.index[0]]),
            }
        )
    return pd.DataFrame(rows)
