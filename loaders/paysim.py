"""PaySim-style mobile-money transactions (Lopez-Rojas et al.), one CSV or Parquet file.

Columns ``step, type, amount, nameOrig, oldbalanceOrg, newbalanceOrig, nameDest,
oldbalanceDest, newbalanceDest, isFraud, isFlaggedFraud``; only :data:`PAYSIM_COLUMNS` are required.

Mapping
-------
=====================  =====================================================================
canonical              PaySim
=====================  =====================================================================
``transaction_id``     the 1-based data row number (``"1"`` is the row under the header):
                       PaySim has no transaction id, and the row number is also what the
                       rejects file reports for these rows. Stable only for the same file.
``timestamp``          :data:`PAYSIM_ORIGIN` + ``step`` hours (a step is one simulated hour;
                       the simulation names no calendar date, so the origin is a convention)
``user_id``            ``nameOrig``
``merchant_id``        ``nameDest`` when it starts with ``M`` (PaySim's merchants)
``counterparty_id``    ``nameDest`` otherwise (a customer account receiving a transfer)
``amount``             ``amount``
``is_fraud``           ``isFraud``
``type``               kept as an extra column (CASH_IN, CASH_OUT, DEBIT, PAYMENT, TRANSFER),
                       with ``step`` and, when present, ``is_flagged_fraud`` (``isFlaggedFraud``)
=====================  =====================================================================

The balance columns are dropped: they are per-transaction snapshots, not graph input (and in
PaySim they are known to give the label away). There are no links or user attributes.
Labels: one per payer, ``is_fraud = 1`` when any transaction it made is fraud (in PaySim the
payer of a fraudulent transaction is an account taken over); receivers are left unlabelled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from graphrisk.loaders._read import as_amounts, as_flags, as_ids, as_numbers, as_times_after, read_source
from graphrisk.loaders.tables import CanonicalTables, payer_labels

__all__ = ["load_paysim", "PAYSIM_COLUMNS", "PAYSIM_ORIGIN"]

#: Columns a PaySim file must have.
PAYSIM_COLUMNS: tuple[str, ...] = ("step", "type", "amount", "nameOrig", "nameDest", "isFraud")

#: The time of step 0 (a convention: PaySim counts hours from the start of its 30-day run).
PAYSIM_ORIGIN = pd.Timestamp("2016-01-01T00:00:00Z")


def load_paysim(
    path: str | Path, *, limit: int | None = None, origin: pd.Timestamp | str = PAYSIM_ORIGIN,
) -> CanonicalTables:
    """Map a PaySim CSV (or Parquet) file to canonical tables.

    Parameters
    ----------
    path
        The file.
    limit
        Read only the first ``limit`` rows.
    origin
        The time of step 0; naive means UTC.

    Returns
    -------
    CanonicalTables
        ``transactions`` (with ``type``, ``step`` and maybe ``is_flagged_fraud``) and ``labels``.

    Raises
    ------
    InputError
        The file is missing or lacks one of :data:`PAYSIM_COLUMNS`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "paysim.csv"
    >>> _ = f.write_text("step,type,amount,nameOrig,nameDest,isFraud\\n"
    ...                  "1,PAYMENT,9.5,C1,M9,0\\n2,TRANSFER,181.0,C2,C3,1\\n")
    >>> tx = load_paysim(f).transactions
    >>> tx[["transaction_id", "user_id", "merchant_id", "counterparty_id"]].to_dict("list")
    {'transaction_id': ['1', '2'], 'user_id': ['C1', 'C2'], 'merchant_id': ['M9', None], 'counterparty_id': [None, 'C3']}
    >>> str(tx["timestamp"][1])
    '2016-01-01 02:00:00+00:00'
    """
    origin = pd.Timestamp(origin)
    origin = origin.tz_localize("UTC") if origin.tzinfo is None else origin.tz_convert("UTC")
    raw = read_source(path, format_name="paysim", required=PAYSIM_COLUMNS, optional=("isFlaggedFraud",),
                      text=("type", "nameOrig", "nameDest"), limit=limit)
    destination = as_ids(raw["nameDest"])
    is_merchant = destination.str.startswith("M").fillna(False).astype(bool)
    step = as_numbers(raw["step"])
    transactions = pd.DataFrame(
        {
            "transaction_id": pd.Series(np.arange(1, len(raw) + 1), dtype="string"),
            "timestamp": as_times_after(origin, step, "h"),
            "user_id": as_ids(raw["nameOrig"]),
            "merchant_id": destination.where(is_merchant),
            "counterparty_id": destination.where(~is_merchant),
            "amount": as_amounts(raw["amount"]),
            "is_fraud": as_flags(raw["isFraud"]),
            "type": raw["type"].astype("string").str.strip(),
            "step": raw["step"],
        }
    )
    if "isFlaggedFraud" in raw.columns:
        transactions["is_flagged_fraud"] = as_flags(raw["isFlaggedFraud"])
    return CanonicalTables(transactions, labels=payer_labels(transactions))
