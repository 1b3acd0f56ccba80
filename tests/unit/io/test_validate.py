"""Row validation: every kind of bad row is rejected with its reason; good rows come out typed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.io.schema import LINKS, TRANSACTIONS
from graphrisk.io.validate import Validator


def _tx(**overrides) -> pd.DataFrame:
    row = {"transaction_id": "t1", "timestamp": "2024-01-01T00:00:00Z", "user_id": "u1", "amount": "10"}
    row.update(overrides)
    return pd.DataFrame([row])


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"transaction_id": ""}, "empty transaction_id"),
        ({"user_id": "   "}, "empty user_id"),
        ({"timestamp": "yesterday"}, "unparseable timestamp"),
        ({"timestamp": ""}, "empty timestamp"),
        ({"timestamp": "1e30"}, "unparseable timestamp"),
        ({"amount": "ten"}, "unparseable amount"),
        ({"amount": ""}, "unparseable amount"),
        ({"amount": "inf"}, "unparseable amount"),
        ({"amount": "-0.01"}, "negative amount"),
        ({"is_fraud": "2"}, "is_fraud must be 0 or 1"),
    ],
)
def test_bad_row_is_rejected_with_reason(overrides, reason):
    out = Validator(TRANSACTIONS, "tx.csv").validate(_tx(**overrides), lines=[2])
    assert out.rows.empty
    assert out.rejects[["source", "line", "reason"]].values.tolist() == [["tx.csv", 2, reason]]


def test_all_reasons_of_a_row_are_reported():
    out = Validator(TRANSACTIONS, "tx.csv").validate(_tx(user_id="", amount="-1"), lines=[9])
    assert out.rejects["reason"].tolist() == ["empty user_id; negative amount"]


def test_rejected_record_keeps_the_original_values():
    out = Validator(TRANSACTIONS, "tx.csv").validate(_tx(amount="1,5"), lines=[2])
    assert '"amount": "1,5"' in out.rejects["record"].iloc[0]


def test_duplicates_are_rejected_within_and_across_chunks():
    validator = Validator(TRANSACTIONS, "tx.csv")
    first = validator.validate(pd.concat([_tx(), _tx()], ignore_index=True), lines=[2, 3])
    second = validator.validate(_tx(), lines=[4])
    assert len(first.rows) == 1
    assert first.rejects["reason"].tolist() == ["duplicate transaction_id (first on line 2)"]
    assert second.rejects["reason"].tolist() == ["duplicate transaction_id (first on line 2)"]


def test_first_valid_row_wins_over_an_earlier_bad_one():
    raw = pd.concat([_tx(amount="bad"), _tx(amount="3")], ignore_index=True)
    out = Validator(TRANSACTIONS, "tx.csv").validate(raw, lines=[2, 3])
    assert out.rows["amount"].tolist() == [3.0]
    assert out.rejects["reason"].tolist() == ["unparseable amount"]


def test_timestamps_in_mixed_formats_become_utc():
    raw = pd.concat(
        [
            _tx(transaction_id="a", timestamp="2024-03-01T11:30:00+01:00"),
            _tx(transaction_id="b", timestamp="1709290800"),
            _tx(transaction_id="c", timestamp="2024-03-01 10:30:00"),
            _tx(transaction_id="d", timestamp="1709290800.5"),
        ],
        ignore_index=True,
    )
    out = Validator(TRANSACTIONS, "tx.csv").validate(raw, lines=np.arange(2, 6))
    expected = pd.to_datetime(
        ["2024-03-01T10:30:00Z", "2024-03-01T11:00:00Z", "2024-03-01T10:30:00Z", "2024-03-01T11:00:00.5Z"],
        format="ISO8601",
    )
    assert out.rejects.empty
    assert out.rows["timestamp"].tolist() == list(expected)
    assert str(out.rows["timestamp"].dtype) == "datetime64[ns, UTC]"


def test_optional_ids_are_stripped_and_empty_means_missing():
    out = Validator(TRANSACTIONS, "tx.csv").validate(_tx(merchant_id=" m1 ", device_id=""), lines=[2])
    assert out.rows["merchant_id"].tolist() == ["m1"]
    assert out.rows["device_id"].isna().all()


def test_typed_parquet_values_are_accepted():
    raw = pd.DataFrame(
        {
            "transaction_id": [1, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "user_id": [10, 11],
            "amount": [1.5, 2.5],
            "is_fraud": [0, 1],
        }
    )
    out = Validator(TRANSACTIONS, "tx.parquet").validate(raw, lines=[1, 2])
    assert out.rows["transaction_id"].tolist() == ["1", "2"]
    assert out.rows["is_fraud"].tolist() == [0, 1]
    assert out.rows["timestamp"].dt.tz is not None


def test_link_entity_types_are_checked_and_normalised():
    raw = pd.DataFrame({"user_id": ["u1", "u2"], "entity_type": [" Email", "fax"], "entity_id": ["e", "f"]})
    out = Validator(LINKS, "links.csv").validate(raw, lines=[2, 3])
    assert out.rows["entity_type"].tolist() == ["email"]
    assert out.rejects["reason"].str.startswith("entity_type must be one of").tolist() == [True]


def test_out_of_range_parquet_timestamps_are_rejected(tmp_path):
    frame = pd.DataFrame({
        "transaction_id": ["a", "b"],
        "timestamp": pd.Series(pd.to_datetime(["2024-01-01", "9999-12-31"])).astype("datetime64[us]"),
        "user_id": ["u", "v"], "amount": [1.0, 2.0],
    })
    frame.to_parquet(tmp_path / "tx.parquet")
    _, report = build_graph(tmp_path / "tx.parquet")
    assert report.rejects[["line", "reason"]].values.tolist() == [[2, "unparseable timestamp"]]


def test_compact_iso_dates_are_dates_not_seconds():
    frame = pd.DataFrame({"transaction_id": ["a", "b"], "timestamp": ["20240115", "1700000000"],
                          "user_id": ["u", "u"], "amount": ["1", "1"]})
    tx = build_graph(frame)[0].transactions
    assert tx["timestamp"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-15", "2023-11-14"]
