"""Synchrony evidence: accounts acting in lockstep, at the same merchants or along transfer chains.

Two kinds of lockstep, each counted per user:

``lockstep_partners``
    Distinct accounts that paid the same small merchant (at most ``hub_cap`` payers) within
    the co-activity window of the user's own payment: the ``coactive_partners`` feature of
    :mod:`graphrisk.features.temporal` (CopyCatch, Beutel et al. 2013; SynchroTrap, Cao et
    al. 2014). It is read from the node inputs when they hold it.
``relayed_transfers``
    Outgoing transfers sent within ``window_hours`` after a received one, for about the same
    amount (within ``tolerance``): money passed on along a chain or a cycle of mules (the
    AMLSim typologies, Weber et al. 2018). Honest people rarely forward what they were sent,
    the same day, at the same amount.

No label is read: only who paid or sent what, when, and how much.
"""

from __future__ import annotations

import pandas as pd

from graphrisk.features.temporal import seconds_since_epoch
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["relayed_transfers", "synchrony_evidence", "SYNCHRONY_COLUMNS"]

#: Columns of :func:`synchrony_evidence`.
SYNCHRONY_COLUMNS = ("lockstep_partners", "relayed_transfers")


def relayed_transfers(transactions: pd.DataFrame, *, window_hours: float = 6.0, tolerance: float = 0.2) -> pd.Series:
    """Per user: outgoing transfers that pass on a transfer received shortly before, for about its amount.

    Each outgoing transfer is matched with the user's latest transfer received before it,
    at most ``window_hours`` earlier; it is a relay when its amount is within
    ``tolerance`` (a share) of the received amount.

    Parameters
    ----------
    transactions
        Canonical transactions (``user_id``, ``timestamp`` in UTC, ``amount`` and
        ``counterparty_id``; rows without a counterparty are payments and are ignored).
    window_hours
        How soon after receiving a transfer a forward must leave.
    tolerance
        Largest relative difference between the amounts received and sent on.

    Returns
    -------
    pandas.Series
        ``user_id`` -> number of relayed transfers (users with none are absent), float.

    Raises
    ------
    ValueError
        ``window_hours`` not positive or ``tolerance`` negative.

    Examples
    --------
    >>> tx = pd.DataFrame({"user_id": ["a", "b", "c"], "counterparty_id": ["b", "c", "d"], "amount": [100.0, 97.0, 20.0],
    ...                    "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 11:00", "2024-01-01 12:00"], utc=True)})
    >>> relayed_transfers(tx).to_dict()  # b passes a's 100 on as 97; c sends on only 20 of 97
    {'b': 1.0}
    """
    if not window_hours > 0:
        raise ValueError(f"window_hours must be > 0, got {window_hours!r}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    if "counterparty_id" not in transactions.columns:
        return pd.Series(dtype=float)
    receiver = transactions["counterparty_id"].astype("string").fillna("")
    transfers = transactions.loc[receiver != ""]
    if transfers.empty:
        return pd.Series(dtype=float)
    seconds = seconds_since_epoch(transfers["timestamp"]).to_numpy()
    amount = transfers["amount"].to_numpy(dtype=float)
    sent = pd.DataFrame({"user": transfers["user_id"].astype(str).to_numpy(), "t": seconds, "amount": amount})
    received = pd.DataFrame({"user": receiver[receiver != ""].astype(str).to_numpy(), "t": seconds, "received": amount})
    matched = pd.merge_asof(sent.sort_values("t", kind="stable"), received.sort_values("t", kind="stable"), on="t",
                            by="user", direction="backward", tolerance=window_hours * 3600.0,
                            allow_exact_matches=False)
    relay = matched["received"].notna() & (
        (matched["amount"] - matched["received"]).abs() <= tolerance * matched["received"].abs())
    counts = relay.groupby(matched["user"]).sum().astype(float)
    return counts[counts > 0].rename_axis("user_id")


def synchrony_evidence(
    graph: TransactionGraph, user_inputs: pd.DataFrame | None = None, *, window_hours: float = 6.0,
    tolerance: float = 0.2,
) -> tuple[pd.DataFrame, list[str]]:
    """Per user: :data:`SYNCHRONY_COLUMNS`, and notes on what could not be measured.

    Parameters
    ----------
    graph
        The transaction graph; lockstep needs its transactions (``keep_transactions=True``).
    user_inputs
        The user node inputs (:func:`graphrisk.features.node_inputs.node_inputs` ``["user"]``);
        ``coactive_partners`` is read from them. Computed here when absent.
    window_hours, tolerance
        Of :func:`relayed_transfers`.

    Returns
    -------
    evidence, notes
        ``evidence`` indexed by ``user_id`` (every user of the graph; 0 where nothing was
        measured); ``notes`` says which kind could not be measured and why.
    """
    users = pd.Index(graph.users["user_id"].astype(str), name="user_id")
    out = pd.DataFrame(0.0, index=users, columns=list(SYNCHRONY_COLUMNS))
    notes: list[str] = []
    if graph.transactions is None:
        notes.append("synchrony not measured: the graph holds no transactions (build it with keep_transactions=True)")
        return out, notes
    if user_inputs is None or "coactive_partners" not in user_inputs.columns:
        from graphrisk.features.temporal import temporal_features

        user_inputs = temporal_features(graph.transactions, users)
    partners = user_inputs["coactive_partners"]
    out["lockstep_partners"] = pd.Series(partners.to_numpy(dtype=float), index=partners.index.astype(str)) \
        .reindex(users).fillna(0.0)
    relays = relayed_transfers(graph.transactions, window_hours=window_hours, tolerance=tolerance)
    out["relayed_transfers"] = relays.reindex(users).fillna(0.0)
    return out, notes
