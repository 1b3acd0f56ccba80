"""Features of merchants, devices and other identifiers (node inputs for the GNN)."""

from __future__ import annotations

import pandas as pd

from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["entity_features", "entity_statistics"]

DAY_SECONDS = 86_400.0


#: Two users whose first use of an entity is this close count as arriving together.
SYNCHRONY_SECONDS = 2 * 3600.0


def _synchronous_first_share(edges: pd.DataFrame) -> pd.Series:
    """Per entity: share of its users whose first use falls within the window of another user's."""
    first = edges[["dst", "first_seen"]].sort_values(["dst", "first_seen"])
    seconds = (first["first_seen"] - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()
    same_before = first["dst"].eq(first["dst"].shift())
    same_after = first["dst"].eq(first["dst"].shift(-1))
    before = seconds.diff().where(same_before)
    after = (-seconds.diff(-1)).where(same_after)
    close = (before <= SYNCHRONY_SECONDS) | (after <= SYNCHRONY_SECONDS)
    return close.groupby(first["dst"]).mean()


def entity_statistics(edges: pd.DataFrame, index: pd.Index, *, links: bool = False) -> pd.DataFrame:
    """The features of the entities in ``index`` from their edges (``dst`` the entity).

    Each entity's row only depends on its own edges, so entities may be processed in parts
    (the Spark engine does so). ``links`` adds the sightings outside payments (identifiers).
    """
    grouped = edges.groupby("dst")
    per_user_amount = (edges["amount"] / edges["count"].where(edges["count"] > 0)).groupby(edges["dst"])
    span = (grouped["last_seen"].max() - grouped["first_seen"].min()).dt.total_seconds() / DAY_SECONDS
    out = pd.DataFrame(
        {
            "users": grouped.size(),
            "transactions": grouped["count"].sum(),
            "amount_sum": grouped["amount"].sum(),
            "amount_per_transaction": grouped["amount"].sum() / grouped["count"].sum().where(lambda c: c > 0),
            "max_user_share": grouped["count"].max() / grouped["count"].sum().where(lambda c: c > 0),
            "span_days": span,
            # colluding shops see the same price from every ring member (honest ones: spread)
            "user_amount_cv": per_user_amount.std(ddof=0) / per_user_amount.mean(),
            "synchronous_first_share": _synchronous_first_share(edges),
        }
    )
    if links:
        out["links"] = grouped["link_count"].sum()
    return out.reindex(index).fillna(0.0).astype(float)


def entity_features(graph: TransactionGraph) -> dict[str, pd.DataFrame]:
    """Per merchant and per identifier type: users, transactions, amounts, concentration, active span, synchrony.

    ``max_user_share`` is the share of the entity's transactions made by its busiest user
    (1.0 for a personal device, low for a kiosk or a busy shop). ``user_amount_cv`` is the
    coefficient of variation of the users' mean amounts there (near 0 when every user pays
    the same price, as at a colluding shop) and ``synchronous_first_share`` the share of
    users whose first use comes within two hours of another user's (lockstep arrivals). Identifier tables also
    have ``links`` (sightings outside payments).

    Returns
    -------
    dict
        ``{"merchant": DataFrame indexed by merchant_id, "device": ... indexed by entity_id, ...}``
        for the merchant and every identifier type.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2", "3"], "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"],
    ...                    "user_id": ["a", "a", "b"], "amount": [1.0, 2.0, 3.0], "merchant_id": ["m", "m", "m"]})
    >>> entity_features(build_graph(tx)[0])["merchant"].loc["m", ["users", "transactions", "max_user_share", "span_days"]].tolist()
    [2.0, 3.0, 0.6666666666666666, 2.0]
    """
    out = {"merchant": entity_statistics(graph.paid, pd.Index(graph.merchants["merchant_id"], name="merchant_id"))}
    for kind in IDENTIFIER_TYPES:
        used = graph.used[graph.used["entity_type"] == kind]
        out[kind] = entity_statistics(used, pd.Index(graph.identifiers[kind]["entity_id"], name="entity_id"), links=True)
    return out
