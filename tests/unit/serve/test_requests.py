"""A request body is read by the same rules as a row of a transactions file."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from fastapi.exceptions import RequestValidationError
from fuzz_strategies import id_texts, timestamp_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from graphrisk.io.schema import TRANSACTIONS
from graphrisk.io.validate import Validator
from graphrisk.serve.requests import MAX_ID_LENGTH, TransactionRequest, canonical_row

_IDS = ["T1", "U1", "M1", "D1", " padded ", "x'}) DETACH DELETE n //"]
_OPTIONAL = ("merchant_id", "device_id", "counterparty_id", "card_id", "ip")


def _file_rule(fields: dict) -> tuple[dict | None, list[str]]:
    """``(row, reasons)`` the file validator gives the same values as one CSV row (all text)."""
    raw = pd.DataFrame({name: pd.Series([value], dtype=object) for name, value in fields.items()})
    out = Validator(TRANSACTIONS, "request").validate(raw, lines=[2])
    if len(out.rejects):
        return None, out.rejects["reason"].iloc[0].split("; ")
    return out.rows.iloc[0].to_dict(), []


def _request_rule(fields: dict) -> tuple[dict | None, list[str]]:
    try:
        return canonical_row(TransactionRequest(**fields)), []
    except RequestValidationError as e:
        return None, [error["msg"] for error in e.errors()]


def _same(served, filed) -> bool:
    """A served value equals the file's (``None`` where the file has a missing value)."""
    if not isinstance(filed, (str, pd.Timestamp)) and pd.isna(filed):
        return served is None
    return served == filed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    transaction_id=id_texts(_IDS), user_id=id_texts(_IDS), timestamp=timestamp_texts(),
    amount=st.floats(0, 1e15, allow_nan=False, allow_infinity=False),
    optional=st.fixed_dictionaries({}, optional={name: id_texts(_IDS) for name in _OPTIONAL}),
)
def test_a_request_is_accepted_or_refused_exactly_like_the_same_row_in_a_file(
    transaction_id, user_id, timestamp, amount, optional
):
    fields = {"transaction_id": transaction_id, "timestamp": timestamp.raw, "user_id": user_id, "amount": amount,
              **optional}
    served, served_reasons = _request_rule(fields)
    filed, filed_reasons = _file_rule({**fields, "amount": repr(amount)})
    assert served_reasons == filed_reasons
    if filed is not None:
        for name in ("transaction_id", "user_id", "timestamp", *_OPTIONAL):
            assert _same(served[name], filed[name]), (name, served[name], filed[name])
        assert served["amount"] == filed["amount"]


@settings(max_examples=200, deadline=None)
@given(seconds=st.one_of(st.integers(-10**10, 10**10), st.floats(-1e10, 1e10, allow_nan=False),
                         st.sampled_from([7e9, 9.2e9, 9.3e9, -9.3e9, 9.9e9, 1e300])))
def test_epoch_seconds_as_a_json_number_read_like_the_same_number_in_a_typed_file(seconds):
    raw = pd.DataFrame({"transaction_id": ["T"], "timestamp": pd.Series([seconds], dtype="float64"),
                        "user_id": ["U"], "amount": [1.0]})
    out = Validator(TRANSACTIONS, "request").validate(raw, lines=[2])
    request = TransactionRequest(transaction_id="T", timestamp=seconds, user_id="U", amount=1.0)
    if len(out.rejects):
        with pytest.raises(RequestValidationError, match="unparseable timestamp"):
            canonical_row(request)
    else:
        assert canonical_row(request)["timestamp"] == out.rows["timestamp"].iloc[0]


def test_timestamps_without_a_zone_are_utc_and_zones_are_converted():
    def stamp(text):
        return canonical_row(TransactionRequest(transaction_id="T", timestamp=text, user_id="U", amount=1))["timestamp"]

    assert stamp("2024-03-01T12:00:00") == pd.Timestamp("2024-03-01 12:00", tz="UTC")
    assert stamp("2024-03-01T14:00:00+02:00") == pd.Timestamp("2024-03-01 12:00", tz="UTC")
    assert stamp(" 2024-03-01 ") == pd.Timestamp("2024-03-01", tz="UTC")
    assert stamp(1_709_294_400) == pd.Timestamp("2024-03-01 12:00", tz="UTC")


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"timestamp": "2024-03-05Z"}, "timestamp", "unparseable timestamp"),
    ({"timestamp": "2024-02-30"}, "timestamp", "unparseable timestamp"),
    ({"timestamp": "yesterday"}, "timestamp", "unparseable timestamp"),
    ({"timestamp": "  "}, "timestamp", "empty timestamp"),
    ({"timestamp": 1e300}, "timestamp", "unparseable timestamp"),
    ({"user_id": " \t"}, "user_id", "empty user_id"),
    ({"user_id": ""}, "user_id", "empty user_id"),
    ({"transaction_id": "\u3000"}, "transaction_id", "empty transaction_id"),
])
def test_values_a_file_would_reject_are_named_with_the_files_reason(fields, field, reason):
    body = {"transaction_id": "T", "timestamp": "2024-03-01", "user_id": "U", "amount": 1.0, **fields}
    with pytest.raises(RequestValidationError) as caught:
        canonical_row(TransactionRequest(**body))
    assert [(e["loc"], e["msg"]) for e in caught.value.errors()] == [(("body", field), reason)]


@pytest.mark.parametrize(("fields", "field"), [
    ({"amount": -0.01}, "amount"),
    ({"amount": 2e15}, "amount"),
    ({"amount": math.inf}, "amount"),
    ({"amount": math.nan}, "amount"),
    ({"amount": "12.5"}, "amount"),  # a JSON number, not text: the schema says so
    ({"user_id": 42}, "user_id"),
    ({"device_id": "d" * (MAX_ID_LENGTH + 1)}, "device_id"),
    ({"is_fraud": 2}, "is_fraud"),
    ({"surprise": 1}, "surprise"),
])
def test_the_request_shape_is_checked_before_the_values(fields, field):
    body = {"transaction_id": "T", "timestamp": "2024-03-01", "user_id": "U", "amount": 1.0, **fields}
    with pytest.raises(ValidationError) as caught:
        TransactionRequest(**body)
    assert {e["loc"][0] for e in caught.value.errors()} == {field}


def test_an_integer_amount_and_missing_optional_ids_are_fine():
    row = canonical_row(TransactionRequest(transaction_id=" T ", timestamp="2024-03-01", user_id="U", amount=5))
    assert row["transaction_id"] == "T" and row["amount"] == 5.0
    assert all(row[name] is None for name in _OPTIONAL)
