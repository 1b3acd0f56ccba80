"""Per-transaction features over sliding time windows, for scoring transactions.

The card-fraud classics (Le Borgne et al., *Fraud Detection Handbook*, chapter 3): for each
transaction, the paying user's number of transactions and mean amount over the last 1, 7
and 30 days, and the merchant's (terminal's) number of transactions and share of known
fraud over the same windows **shifted back by a label delay** (fraud is only known after
investigation, so the last ``delay_days`` of labels cannot be used), plus weekend and night
flags. graphrisk adds what a ring-aware analyst looks at next: how far the amount departs
from the user's own habit, and how much of the user's recent spending goes to merchants
with known fraud.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["transaction_window_features", "BASELINE_COLUMNS"]

#: The handbook's baseline inputs, in its order (names in graphrisk's vocabulary).
BASELINE_COLUMNS = (
    "amount", "weekend", "night",
    "user_tx_1d", "user_mean_amount_1d", "user_tx_7d", "user_mean_amount_7d", "user_tx_30d", "user_mean_amount_30d",
    "merchant_tx_1d", "merchant_risk_1d", "merchant_tx_7d", "merchant_risk_7d", "merchant_tx_30d", "merchant_risk_30d",
)


def _rolling(frame: pd.DataFrame, key: str, columns: list[str], days: int, how: str) -> np.ndarray:
    """Per-``key`` rolling ``how`` of ``columns`` over ``days`` (current row included), in ``frame`` order.

    ``frame`` must be sorted by ``key`` then ``timestamp``.
    """
    rolled = frame.set_index("timestamp").groupby(key, sort=False, dropna=False)[columns].rolling(f"{days}D")
    return getattr(rolled, how)().to_numpy()


def transaction_window_features(
    transactions: pd.DataFrame,
    *,
    windows: Sequence[int] = (1, 7, 30),
    delay_days: int = 7,
) -> pd.DataFrame:
    """Window features for every transaction (indexed like ``transactions``).

    Parameters
    ----------
    transactions
        Canonical transactions: ``timestamp`` (UTC), ``user_id``, ``merchant_id``,
        ``amount`` and, for the merchant risk windows, ``is_fraud`` (0/1; missing = 0).
    windows
        Window lengths in days.
    delay_days
        Labels younger than this are not used: merchant risk over window ``w`` counts the
        transactions between ``t - delay - w`` and ``t - delay``.

    Returns
    -------
    pandas.DataFrame
        :data:`BASELINE_COLUMNS` plus ``amount_to_user_mean_30d`` (amount over the user's
        30-day mean), ``user_median_amount_90d`` and ``amount_to_user_median_90d`` (the
        amount over the user's 90-day median), ``amount_z_30d`` (its distance in the user's
        30-day deviations) and
        ``user_exposure_30d`` (the user's mean ``merchant_risk_30d`` over the last 30 days).

    Examples
    --------
    >>> tx = pd.DataFrame({"timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 23:00", "2024-01-20 10:00"], utc=True),
    ...                    "user_id": ["a", "a", "a"], "merchant_id": ["m", "m", "m"], "amount": [10.0, 30.0, 20.0],
    ...                    "is_fraud": [1, 0, 0]})
    >>> f = transaction_window_features(tx)
    >>> f[["user_tx_1d", "user_mean_amount_1d", "merchant_tx_7d", "merchant_risk_30d"]].values.tolist()
    [[1.0, 10.0, 0.0, 0.0], [2.0, 20.0, 0.0, 0.0], [1.0, 20.0, 0.0, 0.5]]
    """
    columns = ["timestamp", "user_id", "merchant_id", "amount"]
    tx = transactions[columns].copy()
    # transfers have no merchant: they form their own group with no merchant history
    tx["merchant_id"] = tx["merchant_id"].astype("string").fillna("")
    fraud = transactions["is_fraud"] if "is_fraud" in transactions.columns else pd.Series(0, index=tx.index)
    tx["fraud"] = pd.to_numeric(fraud, errors="coerce").fillna(0).astype(float)
    tx["one"] = 1.0
    out = pd.DataFrame(index=transactions.index)
    out["amount"] = tx["amount"].astype(float)
    out["weekend"] = (tx["timestamp"].dt.day_of_week >= 5).astype(float)
    out["night"] = (tx["timestamp"].dt.hour <= 6).astype(float)

    by_user = tx.sort_values(["user_id", "timestamp"], kind="stable")
    for days in windows:
        sums = _rolling(by_user, "user_id", ["one", "amount"], days, "sum")
        out.loc[by_user.index, f"user_tx_{days}d"] = sums[:, 0]
        out.loc[by_user.index, f"user_mean_amount_{days}d"] = sums[:, 1] / sums[:, 0]
    std = _rolling(by_user, "user_id", ["amount"], 30, "std")[:, 0]
    out.loc[by_user.index, "user_std_amount_30d"] = np.nan_to_num(std, nan=0.0)
    # the median resists the inflated amounts of a compromised card better than the mean
    out.loc[by_user.index, "user_median_amount_90d"] = _rolling(by_user, "user_id", ["amount"], 90, "median")[:, 0]

    by_merchant = tx.sort_values(["merchant_id", "timestamp"], kind="stable")
    recent = _rolling(by_merchant, "merchant_id", ["one", "fraud"], delay_days, "sum")
    for days in windows:
        longer = _rolling(by_merchant, "merchant_id", ["one", "fraud"], delay_days + days, "sum")
        count, fraud = longer[:, 0] - recent[:, 0], longer[:, 1] - recent[:, 1]
        out.loc[by_merchant.index, f"merchant_tx_{days}d"] = count
        out.loc[by_merchant.index, f"merchant_risk_{days}d"] = np.divide(fraud, count, out=np.zeros_like(fraud),
                                                                          where=count > 0)

    out["amount_to_user_mean_30d"] = out["amount"] / out["user_mean_amount_30d"].where(out["user_mean_amount_30d"] > 0)
    out["amount_to_user_median_90d"] = out["amount"] / out["user_median_amount_90d"].where(
        out["user_median_amount_90d"] > 0)
    out["amount_z_30d"] = (out["amount"] - out["user_mean_amount_30d"]) / out["user_std_amount_30d"].where(
        out["user_std_amount_30d"] > 0)
    exposure = by_user.assign(risk=out.loc[by_user.index, "merchant_risk_30d"].to_numpy())
    out.loc[by_user.index, "user_exposure_30d"] = _rolling(exposure, "user_id", ["risk"], 30, "mean")[:, 0]
    out = out.drop(columns="user_std_amount_30d")
    first = [c for c in BASELINE_COLUMNS if c in out.columns]
    return out[first + [c for c in out.columns if c not in first]].fillna(0.0).astype(float)
