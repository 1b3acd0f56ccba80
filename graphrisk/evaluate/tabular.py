"""The tabular baseline: gradient boosting on per-user transaction statistics, no graph.

It answers "could a user solve this in an afternoon without graphrisk?". A detector is
only worth its graph if it beats this number on the same ring-aware split.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from graphrisk.evaluate.boosting import gradient_boosting_scores
from graphrisk.model.splits import ring_aware_split

__all__ = ["user_transaction_stats", "tabular_baseline"]


def user_transaction_stats(transactions: pd.DataFrame, users: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-user statistics of a canonical transaction table (indexed by ``user_id``).

    Counts, amount statistics, distinct merchants/devices/cards, transfers sent and
    received, active days and the busiest day, plus the numeric columns of ``users``.
    """
    tx = transactions.copy()
    tx["timestamp"] = pd.to_datetime(tx["timestamp"], utc=True, format="ISO8601")
    tx["day"] = tx["timestamp"].dt.floor("D")
    grouped = tx.groupby("user_id")
    stats = pd.DataFrame(
        {
            "tx_count": grouped.size(),
            "amount_sum": grouped["amount"].sum(),
            "amount_mean": grouped["amount"].mean(),
            "amount_std": grouped["amount"].std().fillna(0.0),
            "amount_max": grouped["amount"].max(),
            "merchants": grouped["merchant_id"].nunique(),
            "devices": grouped["device_id"].nunique(),
            "cards": grouped["card_id"].nunique(),
            "transfers_sent": tx["counterparty_id"].fillna("").ne("").groupby(tx["user_id"]).sum(),
            "active_days": grouped["day"].nunique(),
            "busiest_day": tx.groupby(["user_id", "day"]).size().groupby(level=0).max(),
            "span_days": (grouped["timestamp"].max() - grouped["timestamp"].min()).dt.total_seconds() / 86_400,
        }
    )
    received = tx.loc[tx["counterparty_id"].fillna("") != ""].groupby("counterparty_id").size()
    stats["transfers_received"] = received.reindex(stats.index).fillna(0.0)
    if users is not None:
        numeric = users.set_index("user_id").select_dtypes("number")
        stats = stats.join(numeric, how="outer")
    stats.index.name = "user_id"
    return stats.fillna(0.0)


def tabular_baseline(
    transactions: pd.DataFrame,
    labels: pd.DataFrame,
    users: pd.DataFrame | None = None,
    *,
    test_size: float = 0.3,
    seed: int = 0,
) -> dict[str, float]:
    """Train gradient boosting on per-user statistics and score a ring-aware test split.

    Parameters
    ----------
    transactions
        Canonical transactions.
    labels
        ``user_id``, ``is_fraud`` and ``ring_id`` (rings are kept on one side of the split).
    users
        Optional user attributes (numeric columns are used).

    Returns
    -------
    dict
        ``auc_pr`` (average precision), ``auc_roc``, ``test_users``, ``test_fraud``.
    """
    features = user_transaction_stats(transactions, users)
    train, test = ring_aware_split(labels, test_size=test_size, seed=seed)
    y = labels.set_index("user_id")["is_fraud"].astype(int)
    scores = gradient_boosting_scores(features, y, train, test, seed=seed).to_numpy()
    truth = y.loc[test].to_numpy()
    return {
        "auc_pr": float(average_precision_score(truth, scores)),
        "auc_roc": float(roc_auc_score(truth, scores)),
        "test_users": int(len(test)),
        "test_fraud": int(truth.sum()),
        "fraud_rate": float(np.mean(truth)),
    }
