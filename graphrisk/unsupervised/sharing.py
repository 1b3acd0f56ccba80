"""Shared-identifier evidence: how many other accounts share a user's devices, cards and identifiers.

An account that shares a device or a card with a handful of others is a classic sign of a
fraud ring (device aggregation in Alipay's GEM, Liu et al. 2018); so are phones and
addresses shared by synthetic identities. Honest sharing exists too, and is discounted:

* **arrival**: every co-user counts ``background``; those who first used the identifier
  within ``window_days`` of the user (accounts opened together, the same week) count
  fully, beyond the number that chance brings that close over the period of the data;
* **hubs**: an identifier's evidence is divided by ``1 + (others / hub_size)**2``, so a
  kiosk or a public Wi-Fi used by 40 unrelated people says less than a device shared by 5
  accounts opened the same week, and a hub of thousands says almost nothing.

Only identifiers count (:data:`~graphrisk.graph.model.IDENTIFIER_TYPES`); merchants are the
synchrony part's business (:mod:`graphrisk.unsupervised.synchrony`). No label is read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphrisk.features.temporal import seconds_since_epoch
from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["shared_identifier_evidence", "SHARING_COLUMNS", "DAY_SECONDS"]

DAY_SECONDS = 86_400.0

#: Columns of :func:`shared_identifier_evidence`.
SHARING_COLUMNS = ("shared_evidence", "shared_identifier", "shared_with", "shared_synced")


def _arrivals(graph: TransactionGraph) -> pd.DataFrame:
    """One row per (identifier, user): the day the user first used it (identifiers with 2+ users only)."""
    used = graph.used[graph.used["entity_type"].isin(IDENTIFIER_TYPES)]
    rows = pd.DataFrame({
        "identifier": (used["entity_type"].astype(str) + ":" + used["dst"].astype(str)).to_numpy(),
        "user": used["src"].astype(str).to_numpy(),
        "day": (seconds_since_epoch(used["first_seen"]) / DAY_SECONDS).to_numpy(dtype=np.float64),
    })
    rows = rows.groupby(["identifier", "user"], as_index=False, sort=False)["day"].min()
    rows["others"] = rows.groupby("identifier")["user"].transform("size").to_numpy() - 1
    return rows[rows["others"] >= 1].sort_values(["identifier", "day", "user"], ignore_index=True)


def _synced_counts(rows: pd.DataFrame, window_days: float) -> np.ndarray:
    """Per row: the other users of the same identifier who arrived within ``window_days``.

    ``rows`` are sorted by identifier then day; a use with no date is synchronous with nobody.
    """
    synced = np.zeros(len(rows), dtype=np.int64)
    dated = np.flatnonzero(rows["day"].notna().to_numpy())
    if not len(dated):
        return synced
    codes = pd.factorize(rows["identifier"])[0][dated].astype(np.float64)
    day = rows["day"].to_numpy()[dated]
    start = day.min()
    key = codes * (day.max() - start + 2 * window_days + 1) + (day - start)  # identifiers kept apart, days in order
    low = np.searchsorted(key, key - window_days, side="left")
    high = np.searchsorted(key, key + window_days, side="right")
    synced[dated] = high - low - 1
    return synced


def shared_identifier_evidence(
    graph: TransactionGraph, *, window_days: float = 7.0, hub_size: float = 10.0, background: float = 0.25
) -> pd.DataFrame:
    """Per user: the hub-discounted, arrival-weighted number of accounts sharing its identifiers.

    For each identifier a user shares with ``others`` accounts, ``synced`` of which first
    used it within ``window_days`` of the user, the evidence is::

        (background * others + (1 - background) * max(synced - chance * others, 0)) / (1 + (others / hub_size)**2)

    where ``chance = min(1, 2 * window_days / span)`` is the share of co-users that would
    arrive that close by chance over the span of all first uses in the graph (1 when the
    data spans less than two windows: arrival then tells nothing, and every co-user counts
    ``background``). A user's evidence is the sum over its identifiers.

    Parameters
    ----------
    graph
        The transaction graph (:func:`graphrisk.build_graph`); ``used`` gives who used what, and when first.
    window_days
        Co-users arriving this close to the user count fully (accounts opened together).
    hub_size
        Scale of the hub discount: an identifier with ``hub_size`` other users keeps half its evidence.
    background
        Weight of every co-user, in [0, 1]; arrivals within the window beyond chance count
        ``1`` (0: only they count; 1: arrival does not matter).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``user_id`` (every user of the graph), columns :data:`SHARING_COLUMNS`:
        ``shared_evidence`` (0 for users sharing nothing), and the identifier giving the
        most evidence (``shared_identifier``, ``"type:id"`` or ``""``) with its other users
        (``shared_with``) and those who arrived within the window (``shared_synced``).

    Raises
    ------
    ValueError
        A parameter out of range (``window_days`` and ``hub_size`` > 0, ``background`` in [0, 1]).

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": list("1234"), "user_id": ["a", "b", "c", "d"], "amount": [1.0] * 4,
    ...                    "timestamp": ["2024-01-01", "2024-01-02", "2024-06-01", "2024-06-01"],
    ...                    "device_id": ["d1", "d1", "d2", "d3"]})
    >>> evidence = shared_identifier_evidence(build_graph(tx)[0])
    >>> evidence.loc["a", "shared_identifier"], int(evidence.loc["a", "shared_with"])
    ('device:d1', 1)
    >>> float(evidence.loc["c", "shared_evidence"])
    0.0
    """
    if not window_days > 0:
        raise ValueError(f"window_days must be > 0, got {window_days!r}")
    if not hub_size > 0:
        raise ValueError(f"hub_size must be > 0, got {hub_size!r}")
    if not 0.0 <= background <= 1.0:
        raise ValueError(f"background must be in [0, 1], got {background!r}")
    users = pd.Index(graph.users["user_id"].astype(str), name="user_id")
    out = pd.DataFrame({"shared_evidence": 0.0, "shared_identifier": "", "shared_with": 0, "shared_synced": 0},
                       index=users)
    rows = _arrivals(graph)
    if rows.empty:
        return out
    synced = _synced_counts(rows, window_days)
    others = rows["others"].to_numpy(dtype=np.float64)
    span = float(np.nanmax(rows["day"]) - np.nanmin(rows["day"])) if rows["day"].notna().any() else 0.0
    chance = min(1.0, 2.0 * window_days / span) if span > 0 else 1.0
    beyond_chance = np.maximum(synced - chance * others, 0.0)
    rows["evidence"] = (background * others + (1.0 - background) * beyond_chance) / (1.0 + (others / hub_size) ** 2)
    rows["synced"] = synced
    out["shared_evidence"] = rows.groupby("user")["evidence"].sum().reindex(users).fillna(0.0)
    best = rows.sort_values(["user", "evidence", "identifier"], ascending=[True, False, True]).drop_duplicates("user")
    best = best.set_index("user").reindex(users)
    found = best["identifier"].notna()
    out.loc[found, "shared_identifier"] = best.loc[found, "identifier"]
    out.loc[found, "shared_with"] = best.loc[found, "others"].astype(int)
    out.loc[found, "shared_synced"] = best.loc[found, "synced"].astype(int)
    return out
