"""Fraud Detection Handbook simulated card transactions (Le Borgne et al.).

The simulator's transactions, joined into one Parquet (or CSV) file, with the columns
``TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT, TX_TIME_SECONDS,
TX_TIME_DAYS, TX_FRAUD, TX_FRAUD_SCENARIO``.

Mapping
-------
========================  ================================================================
canonical                 handbook
========================  ================================================================
``transaction_id``        ``TRANSACTION_ID``
``timestamp``             ``TX_DATETIME`` (naive; read as UTC, the simulator has no zone)
``user_id``               ``CUSTOMER_ID`` (a customer is a card holder)
``merchant_id``           ``TERMINAL_ID``
``amount``                ``TX_AMOUNT``
``is_fraud``              ``TX_FRAUD``
``fraud_scenario``        ``TX_FRAUD_SCENARIO``, kept as an extra column (0 none, 1 amount
                          > 220, 2 compromised terminal, 3 compromised customer);
                          :func:`graphrisk.build_graph` ignores it
========================  ================================================================

There are no devices, cards, IPs or user attributes, so ``links`` and ``users`` are ``None``.

Labels (one per customer that pays in the rows read): ``is_fraud = 1`` for a customer with
at least one fraudulent transaction. In every scenario the customer is the *victim*, so a
positive label means "compromised card", not "fraudster". ``ring_id`` is
``terminal:<TERMINAL_ID>`` for customers hit by scenario 2, the only collective fraud in the
simulator: a compromised terminal that many victims pass through. A customer hit at several
compromised terminals (about half of them) gets the one where most of its scenario-2 fraud
happened, ties going to the earliest.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from graphrisk.loaders._read import as_amounts, as_flags, as_ids, read_source
from graphrisk.loaders.tables import CanonicalTables, payer_labels

__all__ = ["load_handbook", "HANDBOOK_COLUMNS", "COMPROMISED_TERMINAL"]

#: Columns that identify a handbook file (the others are derived from TX_DATETIME).
HANDBOOK_COLUMNS: tuple[str, ...] = (
    "TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD", "TX_FRAUD_SCENARIO",
)

#: ``TX_FRAUD_SCENARIO`` of a compromised terminal, the handbook's ring.
COMPROMISED_TERMINAL = 2


def load_handbook(path: str | Path, *, limit: int | None = None) -> CanonicalTables:
    """Map a Fraud Detection Handbook transactions file to canonical tables.

    Parameters
    ----------
    path
        The ``.parquet`` (or ``.csv``) file with the handbook's columns.
    limit
        Read only the first ``limit`` rows (batch by batch for Parquet).

    Returns
    -------
    CanonicalTables
        ``transactions`` (with the extra ``fraud_scenario`` column) and ``labels``.

    Raises
    ------
    InputError
        The file is missing or lacks a handbook column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "transactions.csv"
    >>> _ = f.write_text("TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_FRAUD,TX_FRAUD_SCENARIO\\n"
    ...                  "0,2018-04-01 00:00:31,596,3156,57.16,0,0\\n1,2018-04-01 00:02:10,4961,3412,81.51,1,2\\n")
    >>> tables = load_handbook(f)
    >>> tables.labels.to_dict("list")
    {'user_id': ['4961', '596'], 'is_fraud': [1, 0], 'ring_id': ['terminal:3412', None]}
    """
    raw = read_source(path, format_name="handbook", required=HANDBOOK_COLUMNS,
                      text=("TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID"), limit=limit)
    stamps = raw["TX_DATETIME"]
    if not pd.api.types.is_datetime64_any_dtype(stamps.dtype):
        stamps = pd.to_datetime(stamps, format="ISO8601", errors="coerce")
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("UTC")
    transactions = pd.DataFrame(
        {
            "transaction_id": as_ids(raw["TRANSACTION_ID"]),
            "timestamp": stamps.astype("datetime64[ns, UTC]"),
            "user_id": as_ids(raw["CUSTOMER_ID"]),
            "merchant_id": as_ids(raw["TERMINAL_ID"]),
            "amount": as_amounts(raw["TX_AMOUNT"]),
            "is_fraud": as_flags(raw["TX_FRAUD"]),
            "fraud_scenario": pd.to_numeric(raw["TX_FRAUD_SCENARIO"], errors="coerce").astype("Int8"),
        }
    )
    return CanonicalTables(transactions, labels=payer_labels(transactions, _terminal_rings(transactions)))


def _terminal_rings(transactions: pd.DataFrame) -> pd.Series:
    """``terminal:<id>`` per customer hit by scenario 2: the terminal with most of its fraud there."""
    hit = transactions[(transactions["fraud_scenario"] == COMPROMISED_TERMINAL).fillna(False)]
    per_pair = (
        hit.groupby(["user_id", "merchant_id"], observed=True)
        .agg(frauds=("timestamp", "size"), first=("timestamp", "min"))
        .reset_index()
        .sort_values(["user_id", "frauds", "first"], ascending=[True, False, True])
        .drop_duplicates("user_id")
    )
    return pd.Series(("terminal:" + per_pair["merchant_id"]).to_numpy(), index=per_pair["user_id"].to_numpy())
