"""Behaviour over time: counts, amounts, velocity, burstiness, account age, co-activity."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["temporal_features"]

DAY_SECONDS = 86_400.0


def _coactivity(tx: pd.DataFrame, window_seconds: float, hub_cap: int) -> pd.DataFrame:
    """Per user: other payments at the same merchant within the window, partners and concentration.

    ``coactive_payments`` counts, for each of the user's payments, the other payments at the
    same merchant within ``window_seconds`` (any merchant; no pairs are built). Partners and
    concentration (share of co-activity with the most frequent partner) are computed only at
    merchants with at most ``hub_cap`` distinct payers, so their cost stays bounded.
    """
    paid = tx.loc[tx["merchant_id"].notna(), ["user_id", "merchant_id", "t"]].sort_values(["merchant_id", "t"])
    if paid.empty:
        return pd.DataFrame(columns=["coactive_payments", "coactive_partners", "coactivity_concentration"], dtype=float)
    merchant = paid["merchant_id"].astype("category").cat.codes.to_numpy(dtype=np.int64)
    t = paid["t"].to_numpy(dtype=np.float64)
    # sort key that keeps merchants apart: merchant * (span + 2 window) + t
    span = t.max() - t.min() + 2 * window_seconds + 1
    key = merchant * span + (t - t.min())
    left = np.searchsorted(key, key - window_seconds, side="left")
    right = np.searchsorted(key, key + window_seconds, side="right")
    paid = paid.assign(nearby=right - left - 1)
    out = paid.groupby("user_id")["nearby"].sum().astype(float).to_frame("coactive_payments")

    payers = paid.groupby("merchant_id", observed=True)["user_id"].transform("nunique")
    small = paid[payers.to_numpy() <= hub_cap]
    if small.empty:
        out["coactive_partners"] = 0.0
        out["coactivity_concentration"] = 0.0
        return out
    positions = np.flatnonzero(payers.to_numpy() <= hub_cap)
    users = paid["user_id"].to_numpy()
    a, b = [], []
    for i in positions:
        for j in range(int(left[i]), int(right[i])):
            if j != i and users[j] != users[i]:
                a.append(users[i])
                b.append(users[j])
    if not a:
        out["coactive_partners"] = 0.0
        out["coactivity_concentration"] = 0.0
        return out
    pairs = pd.DataFrame({"user": a, "partner": b}).value_counts().rename("n").reset_index()
    grouped = pairs.groupby("user")["n"]
    out["coactive_partners"] = pairs.groupby("user").size().astype(float)
    out["coactivity_concentration"] = (grouped.max() / grouped.sum()).astype(float)
    return out.fillna(0.0)


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
    tx["t"] = (tx["timestamp"] - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()
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
        end = tx["t"].max()
        out["age_at_first_tx_days"] = account_age_days.reindex(out.index) - (end - first.reindex(out.index)) / DAY_SECONDS
    out = out.join(_coactivity(tx, window_seconds, hub_cap))
    if "counterparty_id" in transactions.columns:
        out["quick_forward_share"] = _quick_forward_share(transactions, FORWARD_WINDOW_SECONDS)
    return out.fillna(0.0).astype(float)


#: A transfer sent this soon after one received counts as forwarded (mule behaviour).
FORWARD_WINDOW_SECONDS = 6 * 3600.0


def _quick_forward_share(transactions: pd.DataFrame, window_seconds: float) -> pd.Series:
    """Share of a user's outgoing transfers sent within the window after a transfer it received."""
    counterparty = transactions["counterparty_id"].astype("string").fillna("")
    transfers = transactions.loc[counterparty != "", ["user_id", "timestamp"]].assign(
        receiver=counterparty[counterparty != ""])
    if transfers.empty:
        return pd.Series(dtype=float)
    seconds = (transfers["timestamp"] - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()
    outgoing = pd.DataFrame({"user": transfers["user_id"].astype(str), "t": seconds}).sort_values("t")
    incoming = pd.DataFrame({"user": transfers["receiver"].astype(str), "t": seconds, "received": 1.0}).sort_values("t")
    matched = pd.merge_asof(outgoing, incoming, on="t", by="user", direction="backward",
                            tolerance=window_seconds, allow_exact_matches=False)
    return matched["received"].notna().groupby(matched["user"]).mean()
