"""The body of ``POST /score``: one canonical transaction, checked like a row of a file.

Two layers: pydantic checks the JSON shape (types, lengths, the amount's range, no
unknown field), then :func:`canonical_row` applies the file rules to the values (trimmed
ids, ISO-8601 or epoch timestamps). Either way a bad field gets a 422 answer whose
``loc`` names it.
"""

from __future__ import annotations

import re

import pandas as pd
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from graphrisk.io.schema import MAX_AMOUNT, TRANSACTIONS, ColumnKind
from graphrisk.io.validate import parse_timestamps

__all__ = ["TransactionRequest", "canonical_row", "MAX_ID_LENGTH"]

#: ``2024-03-01``, ``2024-03-01T12:00``, ``2024-03-01 12:00:00.123Z``, ``...+02:00`` (a zone only after a time,
#: as the file rule reads them): read by pd.Timestamp.
_PLAIN_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?")
_FAST_FIRST, _FAST_LAST = pd.Timestamp("1700-01-01", tz="UTC"), pd.Timestamp("2200-01-01", tz="UTC")
#: epoch seconds below this (year 2191) are converted directly; beyond, nanoseconds near the int64 limit: the file rule
_FAST_EPOCH = 7e9

#: Longest identifier accepted (an id is a key, not a document).
MAX_ID_LENGTH = 256

_Id = Field(max_length=MAX_ID_LENGTH)  # an empty id is refused with the file's reason below
_OptionalId = Field(default=None, max_length=MAX_ID_LENGTH)


class TransactionRequest(BaseModel):
    """One transaction in the canonical schema (see :mod:`graphrisk.io.schema`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "transaction_id": "T-1001", "timestamp": "2024-03-01T12:00:00Z", "user_id": "U42", "amount": 59.9,
            "merchant_id": "M7", "device_id": "D9", "card_id": "C3", "ip": "10.0.0.7",
        }]},
    )

    transaction_id: str = _Id
    timestamp: str | float = Field(description="ISO-8601 (no zone: UTC) or epoch seconds")
    user_id: str = Field(max_length=MAX_ID_LENGTH, description="paying account")
    amount: float = Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False, strict=True,
                          description="a JSON number from 0 to 1e15")
    merchant_id: str | None = _OptionalId
    device_id: str | None = _OptionalId
    counterparty_id: str | None = Field(default=None, max_length=MAX_ID_LENGTH,
                                        description="receiving account of a transfer")
    card_id: str | None = _OptionalId
    ip: str | None = _OptionalId
    is_fraud: int | None = Field(default=None, ge=0, le=1, description="accepted for the schema; not used to score")


def canonical_row(request: TransactionRequest) -> dict:
    """The validated, typed row (``None`` for empty optional fields).

    Pydantic has checked the types, the amount's range and the lengths; this applies the
    rest of the file rules to the one row: ids trimmed (an empty required id is refused),
    the timestamp read by :func:`~graphrisk.io.validate.parse_timestamps`. A test checks
    that it accepts and refuses exactly what :class:`~graphrisk.io.validate.Validator`
    does, without its per-table overhead.

    Raises
    ------
    RequestValidationError
        ``loc`` names the field, ``msg`` gives the reason a rejects file would.
    """
    fields = request.model_dump()
    row: dict = {}
    errors = []
    for column in TRANSACTIONS.columns:
        value = fields.get(column.name)
        if column.kind is ColumnKind.ID:
            value = None if value is None else (value.strip() or None)
            if value is None and column.required:
                errors.append((column.name, f"empty {column.name}"))
        elif column.kind is ColumnKind.TIMESTAMP:
            value, bad = _timestamp(value)
            if bad:
                errors.append((column.name, f"unparseable {column.name}"))
            elif value is None:
                errors.append((column.name, f"empty {column.name}"))
        row[column.name] = value
    if errors:
        raise RequestValidationError([
            {"loc": ("body", name), "msg": reason, "type": "value_error", "input": fields.get(name)}
            for name, reason in errors
        ])
    return row


def _timestamp(value: str | float) -> tuple[pd.Timestamp | None, bool]:
    """``(timestamp, bad)`` by the file rule; plain ISO-8601 and ordinary epoch seconds take a fast path.

    :func:`~graphrisk.io.validate.parse_timestamps` costs milliseconds per call, most of
    a request's budget; the fast path gives the same value for the common shapes and
    anything else goes to it.
    """
    if isinstance(value, str) and _PLAIN_ISO.fullmatch(value.strip()):
        try:
            stamp = pd.Timestamp(value.strip())
        except ValueError:  # e.g. month 13: the file rule decides
            stamp = None
        if stamp is not None:
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            if _FAST_FIRST <= stamp <= _FAST_LAST:
                return stamp.as_unit("ns"), False
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < _FAST_EPOCH:
        return pd.Timestamp(int(round(value * 1e9)), unit="ns", tz="UTC"), False
    stamps, bad = parse_timestamps(pd.Series([value], dtype=object if isinstance(value, str) else "float64"))
    stamp = stamps.iloc[0]
    return (None if pd.isna(stamp) else stamp), bool(bad.iloc[0])
