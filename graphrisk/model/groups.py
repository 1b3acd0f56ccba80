"""Connected groups of users: what a split must keep on one side when ring ids are unknown."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["connected_groups"]


def connected_groups(graph: TransactionGraph, *, hub_cap: int = 50) -> pd.Series:
    """Group id per user: users joined through shared identifiers or transfers.

    Identifiers with more than ``hub_cap`` users (kiosks, public IPs) and merchants join
    nobody; otherwise one big honest hub would put most users in one group.

    Returns
    -------
    pandas.Series
        ``user_id`` -> integer group id (users alone in their group get their own id).

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2", "3"], "timestamp": ["2024-01-01"] * 3,
    ...                    "user_id": ["a", "b", "c"], "amount": [1.0, 1.0, 1.0], "merchant_id": ["m"] * 3,
    ...                    "device_id": ["d", "d", "e"]})
    >>> groups = connected_groups(build_graph(tx)[0])
    >>> bool(groups["a"] == groups["b"]), bool(groups["a"] == groups["c"])
    (True, False)
    """
    users = pd.Index(graph.users["user_id"].astype(str))
    n = len(users)
    used = graph.used[["src", "dst", "entity_type"]].astype(str)
    entity = used["entity_type"] + ":" + used["dst"]
    degree = entity.map(entity.value_counts())
    used = used[(degree > 1) & (degree <= hub_cap)]
    entity = entity[used.index]
    codes, uniques = pd.factorize(entity)
    rows = [users.get_indexer(used["src"]), users.get_indexer(graph.sent["src"].astype(str))]
    cols = [n + codes, users.get_indexer(graph.sent["dst"].astype(str))]
    row, col = np.concatenate(rows), np.concatenate(cols)
    size = n + len(uniques)
    adjacency = coo_matrix((np.ones(len(row)), (row, col)), shape=(size, size))
    _, label = connected_components(adjacency, directed=False)
    return pd.Series(label[:n], index=pd.Index(users, name="user_id"), name="group")
