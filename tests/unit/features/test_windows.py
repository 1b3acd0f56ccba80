"""Transaction window features: handbook definitions, and no label younger than the delay."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk.features.windows import BASELINE_COLUMNS, transaction_window_features


def _tx(fraud_on_day_10: int) -> pd.DataFrame:
    days = [0, 1, 2, 10, 12]
    return pd.DataFrame({
        "timestamp": pd.to_datetime([f"2024-01-{1 + d:02d} 12:00" for d in days], utc=True),
        "user_id": ["a", "b", "a", "c", "a"],
        "merchant_id": ["m"] * 5,
        "amount": [10.0, 20.0, 30.0, 40.0, 300.0],
        "is_fraud": [1, 0, 0, fraud_on_day_10, 0],
    })


def test_windows_follow_the_handbook_definitions():
    f = transaction_window_features(_tx(0), delay_days=7)
    assert list(f.columns[: len(BASELINE_COLUMNS)]) == list(BASELINE_COLUMNS)
    last = f.iloc[4]  # user a on day 12
    assert last["user_tx_30d"] == 3 and last["user_mean_amount_30d"] == pytest.approx(340 / 3)
    assert last["user_tx_7d"] == 1  # days 0 and 2 are older than 7 days
    # merchant risk over 30 days, 7-day delay: transactions of days -25..5, i.e. days 0, 1, 2
    assert last["merchant_tx_30d"] == 3 and last["merchant_risk_30d"] == pytest.approx(1 / 3)
    assert last["amount_to_user_median_90d"] == pytest.approx(300 / 30)


def test_labels_younger_than_the_delay_change_nothing():
    """Day 10's label is 2 days old on day 12: with a 7-day delay it must not be seen."""
    clean, flipped = transaction_window_features(_tx(0)), transaction_window_features(_tx(1))
    pd.testing.assert_frame_equal(clean, flipped)
    # with a 1-day delay it is known, and the merchant's risk moves
    assert not transaction_window_features(_tx(0), delay_days=1).equals(transaction_window_features(_tx(1), delay_days=1))


def test_transfers_without_merchant_and_data_without_labels():
    tx = _tx(0).drop(columns="is_fraud")
    tx.loc[1, "merchant_id"] = None  # a transfer: no merchant
    f = transaction_window_features(tx)
    assert len(f) == len(tx) and f.notna().all().all()
    assert (f["merchant_risk_30d"] == 0).all()  # no label column: no known fraud
    assert f.loc[1, "merchant_tx_30d"] == 0  # no merchant history for a transfer
