"""Risk of devices, merchants and other identifiers, from the risk of the accounts that use them."""

from __future__ import annotations

import pandas as pd

from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["entity_risk", "ENTITY_RISK_COLUMNS"]

#: Columns of :func:`entity_risk`.
ENTITY_RISK_COLUMNS = ["entity_type", "entity_id", "users", "flagged_users", "risk_score"]


def entity_risk(graph: TransactionGraph, scores: pd.DataFrame) -> pd.DataFrame:
    """One row per merchant and identifier: its users, how many are flagged, their mean risk.

    Parameters
    ----------
    graph
        The scored graph (its ``PAID`` and ``USED`` relationships say who used what).
    scores
        ``user_id, risk_score, flagged`` for the users of ``graph``.

    Returns
    -------
    pandas.DataFrame
        :data:`ENTITY_RISK_COLUMNS`, with ``entity_type`` ``merchant`` or an identifier
        type; ``risk_score`` is the mean risk of the entity's users. Sorted by type and id.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["t1", "t2"], "timestamp": ["2026-01-01T00:00:00Z"] * 2,
    ...                    "user_id": ["a", "b"], "amount": [5.0, 7.0], "merchant_id": ["m", "m"],
    ...                    "device_id": ["d", None]})
    >>> graph = build_graph(tx)[0]
    >>> scores = pd.DataFrame({"user_id": ["a", "b"], "risk_score": [0.9, 0.1], "flagged": [True, False]})
    >>> print(entity_risk(graph, scores)[["entity_type", "entity_id", "flagged_users", "risk_score"]].to_string(index=False))
    entity_type entity_id  flagged_users  risk_score
         device         d              1         0.9
       merchant         m              1         0.5
    """
    by_user = scores.assign(user_id=scores["user_id"].astype(str)).set_index("user_id")
    edges = pd.concat([
        graph.paid[["src", "dst"]].assign(entity_type="merchant"),
        graph.used[["entity_type", "src", "dst"]],
    ], ignore_index=True)
    edges["src"] = edges["src"].astype(str)
    edges = edges.drop_duplicates(["entity_type", "src", "dst"])
    edges["risk"] = by_user["risk_score"].reindex(edges["src"]).to_numpy(dtype=float)
    edges["flagged"] = by_user["flagged"].reindex(edges["src"]).fillna(False).to_numpy(dtype=bool)
    table = edges.groupby(["entity_type", "dst"], sort=True).agg(
        users=("src", "size"), flagged_users=("flagged", "sum"), risk_score=("risk", "mean")
    ).reset_index().rename(columns={"dst": "entity_id"})
    table["entity_type"] = table["entity_type"].astype(str)
    table["entity_id"] = table["entity_id"].astype(str)
    table["flagged_users"] = table["flagged_users"].astype("int64")
    return table[ENTITY_RISK_COLUMNS]
