"""Behaviour over time: counts, amounts, velocity, burstiness, account age, co-activity."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["temporal_features", "behaviour_features", "coactivity_parts", "coactivity_summary",
           "quick_forward_share", "COACTIVITY_COLUMNS", "FORWARD_WINDOW_SECONDS"]

DAY_SECONDS = 86_400.0


#: Columns of :func:`coactivity_summary`.
COACTIVITY_COLUMNS = ("coactive_payments", "coactive_partners", "coactivity_concentration")


def coactivity_parts(paid: pd.DataFrame, window_seconds: float, hub_cap: int) -> tuple[pd.Series, pd.DataFrame]:
    """Per user, the other payments near its own at the same merchants; and the co-active pairs.

    ``paid`` holds ``user_id, merchant_id, t`` (seconds) of payments at merchants. The result
    only depends on each merchant's own payments, so payments grouped by merchant may be
    processed in parts and the parts added up (the Spark engine does so).

    Returns
    -------
    nearby, pairs
        ``nearby``: per user, the sum over its payments of the other payments at the same
        merchant within ``window_seconds``. ``pairs``: ``user, partner, n`` for merchants with
        at most ``hub_cap`` distinct payers, ``n`` the co-active payments of the pair there.
    """
    pairs_empty = pd.DataFrame({"user": pd.Series(dtype=object), "partner": pd.Series(dtype=object),
                                "n": pd.Series(dtype="int64")})
    paid = paid.loc[paid["merchant_id"].notna(), ["user_id", "merchant_id", "t"]].sort_values(["merchant_id", "t"])
    if paid.empty:
        return pd.Series(dtype=float), pairs_empty
    merchant = paid["merchant_id"].astype("category").cat.codes.to_numpy(dtype=np.int64)
    t = paid["t"].to_numpy(dtype=np.float64)
    # sort key that keeps merchants apart: merchant * (span + 2 window) + t
    span = t.max() - t.min() + 2 * window_seconds + 1
    key = merchant * span + (t - t.min())
    left = np.searchsorted(key, key - window_seconds, side="left")
    right = np.searchsorted(key, key + window_seconds, side="right")
    nearby = pd.Series(right - left - 1, index=paid.index).groupby(paid["user_id"]).sum().astype(float)

    payers = paid.groupby("merchant_id", observed=True)["user_id"].transform("nunique")
    positions = np.flatnonzero(payers.to_numpy() <= hub_cap)
    users = paid["user_id"].to_numpy()
    a, b = [], []
    for i in positions:
        for j in range(int(left[i]), int(right[i])):
            if j != i and users[j] != users[i]:
                a.append(users[i])
                b.append(users[j])
    if not a:
        return nearby, pairs_empty
    pairs = pd.DataFrame({"user": a, "partner": b}).value_counts().rename("n").reset_index()
    return nearby, pairs


def coactivity_summary(nearby: pd.Series, pairs: pd.DataFrame) -> pd.DataFrame:
    """:data:`COACTIVITY_COLUMNS` per user from :func:`coactivity_parts` (parts summed first).

    ``coactive_payments`` is ``nearby``; ``coactive_partners`` the distinct partners and
    ``coactivity_concentration`` the share of co-activity with the most frequent partner.
    """
    out = nearby.rename("coactive_payments").to_frame()
    if pairs.empty:
        out["coactive_partners"] = 0.0
        out["coactivity_concentration"] = 0.0
        return out
    grouped = pairs.groupby("user")["n"]
    out = out.join(grouped.size().astype(float).rename("coactive_partners"), how="outer")
    out["coactivity_concentration"] = (grouped.max() / grouped.sum()).astype(float)
    return out.fillna(0.0)


def _coactivity(tx: pd.DataFrame, window_seconds: float, hub_cap: int) -> pd.DataFrame:
    """Per user: other payments at the same merchant within the window, partners and concentration.

    ``coactive_payments`` counts, for each of the user's payments, the other payments at the
    same merchant within ``window_seconds`` (any merchant; no pairs are built). Partners and
    concentration (share of co-activity with the most frequent partner) are computed only at
    merchants with at most ``hub_cap`` distinct payers, so their cost stays bounded.
    """
    nearby, pairs = coactivity_parts(tx, window_seconds, hub_cap)
    if nearby.empty:
        return pd.DataFrame(columns=list(COACTIVITY_COLUMNS), dtype=float)
    return coactivity_summary(nearby, pairs)


def seconds_since_epoch(timestamps: pd.Series) -> pd.Series:
    """UTC timestamps as float seconds since 1970."""
    return (timestamps - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()


def behaviour_features(
    transactions: pd.DataFrame, users: pd.Index, *, end_seconds: float,
    account_age_days: pd.Series | None = None,
) -> pd.DataFrame:
    """The temporal columns that depend on each user's own payments only.

    Counts, amounts, active days, velocity, burstiness and (with ``account_age_days``) the
    age at the first payment, ``end_seconds`` being the time of the last payment of the
    whole data. Users may be processed in parts (the Spark engine does so).
    """
    tx = transactions[["user_id", "amount", "timestamp"]].copy()
    tx["t"] = seconds_since_epoch(tx["timestamp"])
    tx = tx.sort_values(["user_id", "t"])
    grouped = tx.groupby("user_id")
    out = pd.DataFrame(index=pd.Index(users, name="user_id"))
    out["tx_count"] = grouped.size()
    out["amount_sum"] = grouped["amount"].sum()
    out["amount_mean"] = grouped["amount"].mean()
    out["amount_max"] = grouped["amount"].max()
    out["amount_std"] = grouped["amount"].std(ddof=0)
    first, last = grouped["t"].min(), grouped["t"].max()
    span_days = (last - first) / DAY_SECONDS
    days = pd.DataFrame({"user_id": tx["user_id"], "day": np.floor(tx["t"] / DAY_SECONDS)}).drop_duplicates()
    out["active_days"] = days.groupby("user_id").size()
    out["velocity_per_day"] = out["tx_count"] / np.maximum(span_days.reindex(out.index), 1.0)
    gaps = tx["t"].diff().where(tx["user_id"].eq(tx["user_id"].shift()))
    by_user = gaps.groupby(tx["user_id"])
    gap_mean, gap_sd = by_user.mean(), by_user.std(ddof=0)
    burst = (gap_sd - gap_mean) / (gap_sd + gap_mean)
    out["burstiness"] = burst.where(grouped.size() >= 3)
    if account_age_days is not None:
        out["age_at_first_tx_days"] = (account_age_days.reindex(out.index)
                                       - (end_seconds - first.reindex(out.index)) / DAY_SECONDS)
    return out


def temporal_features(
    transactions: pd.DataFrame,
    users: pd.Index,
    *,
    account_age_days: pd.Series | None = None,
    window: str = "1h",
    hub_cap: int = 50,
) -> pd.DataFrame:
    """Per-user behaviour over time from validated canonical transactions.

    Parameters
    ----------
    transactions
        Validated transactions (``graph.transactions``), with UTC ``timestamp``.
    users
        Users to report (users without payments get zeros).
    account_age_days
        Optional account age at the end of the data, per user; gives ``age_at_first_tx_days``.
    window
        Co-activity window (pandas offset, e.g. ``"1h"``).
    hub_cap
        Merchants with more distinct payers are left out of partner counts.

    Examples
    --------
    >>> tx = pd.DataFrame({"user_id": ["a", "a", "b"], "amount": [1.0, 3.0, 2.0], "merchant_id": ["m", "m", "m"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-03 10:00", "2024-01-01 10:30"], utc=True)})
    >>> f = temporal_features(tx, pd.Index(["a", "b", "c"]))
    >>> f.loc["a", ["tx_count", "amount_mean", "coactive_payments"]].tolist()
    [2.0, 2.0, 1.0]
    """
    window_seconds = pd.Timedelta(window).total_seconds()
    if window_seconds <= 0:
        raise ValueError(f"window must be positive, got {window!r}")
    tx = transactions[["user_id", "amount", "merchant_id", "timestamp"]].copy()
    tx["t"] = seconds_since_epoch(tx["timestamp"])
    out = behaviour_features(tx, users, end_seconds=tx["t"].max(), account_age_days=account_age_days)
    out = out.join(_coactivity(tx, window_seconds, hub_cap))
    if "counterparty_id" in transactions.columns:
        out["quick_forward_share"] = quick_forward_share(transactions, FORWARD_WINDOW_SECONDS)
    return out.fillna(0.0).astype(float)


#: A transfer sent this soon after one received counts as forwarded (mule behaviour).
FORWARD_WINDOW_SECONDS = 6 * 3600.0


def quick_forward_share(transactions: pd.DataFrame, window_seconds: float) -> pd.Series:
    """Share of a user's outgoing transfers sent within the window after a transfer it received."""
    counterparty = transactions["counterparty_id"].astype("string").fillna("")
    transfers = transactions.loc[counterparty != "", ["user_id", "timestamp"]].assign(
        receiver=counterparty[counterparty != ""])
    if transfers.empty:
        return pd.Series(dtype=float)
    seconds = seconds_since_epoch(transfers["timestamp"])
    outgoing = pd.DataFrame({"user": transfers["user_id"].astype(str), "t": seconds}).sort_values("t")
    incoming = pd.DataFrame({"user": transfers["receiver"].astype(str), "t": seconds, "received": 1.0}).sort_values("t")
    matched = pd.merge_asof(outgoing, incoming, on="t", by="user", direction="backward",
                            tolerance=window_seconds, allow_exact_matches=False)
    return matched["received"].notna().groupby(matched["user"]).mean()
