"""Money-flow features: how much a user sends and receives, and whether money passes through.

Mule accounts receive and forward about what they received, repeatedly, along chains and
cycles of other accounts; honest transfers are mostly one-way and occasional.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["flow_features"]


def flow_features(graph: TransactionGraph) -> pd.DataFrame:
    """Per-user transfer volumes, pass-through, repetition and transfer-network size.

    Columns: ``transfers_out``, ``transfers_in`` (counts), ``amount_out``, ``amount_in``,
    ``pass_through`` (``min(in, out) / max(in, out)`` of amounts: 1 when a user forwards
    what it receives), ``repeat_transfer_share`` (share of the user's transfer partners,
    either way, with more than one transfer) and ``transfer_component_size`` (accounts
    reachable through transfers in either direction, the user included).

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2", "3"], "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"],
    ...                    "user_id": ["a", "b", "b"], "amount": [100.0, 90.0, 5.0], "merchant_id": ["", "", "m"],
    ...                    "counterparty_id": ["b", "c", ""]})
    >>> f = flow_features(build_graph(tx)[0])
    >>> f.loc["b", ["amount_in", "amount_out", "pass_through", "transfer_component_size"]].tolist()
    [100.0, 90.0, 0.9, 3.0]
    """
    users = pd.Index(graph.users["user_id"], name="user_id")
    sent = graph.sent
    out = pd.DataFrame(index=users)
    out["transfers_out"] = sent.groupby("src")["count"].sum()
    out["transfers_in"] = sent.groupby("dst")["count"].sum()
    out["amount_out"] = sent.groupby("src")["amount"].sum()
    out["amount_in"] = sent.groupby("dst")["amount"].sum()
    out = out.fillna(0.0).astype(float)
    low = np.minimum(out["amount_in"], out["amount_out"])
    high = np.maximum(out["amount_in"], out["amount_out"])
    out["pass_through"] = (low / high.where(high > 0)).fillna(0.0)
    ends = pd.concat([sent[["src", "count"]].rename(columns={"src": "user"}),
                      sent[["dst", "count"]].rename(columns={"dst": "user"})])
    out["repeat_transfer_share"] = (ends["count"] > 1).groupby(ends["user"]).mean().reindex(users).fillna(0.0)
    src, dst = users.get_indexer(sent["src"]), users.get_indexer(sent["dst"])
    adjacency = coo_matrix((np.ones(len(src)), (src, dst)), shape=(len(users), len(users)))
    _, component = connected_components(adjacency, directed=False)
    out["transfer_component_size"] = np.bincount(component)[component].astype(float)
    return out.astype(float)
