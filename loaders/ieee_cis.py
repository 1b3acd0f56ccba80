"""IEEE-CIS fraud detection (Vesta, Kaggle 2019) style transactions, one CSV or Parquet file.

The Kaggle data comes as ``train_transaction.csv`` and ``train_identity.csv``; ``DeviceInfo``
lives in the identity file, so join it on ``TransactionID`` first to get devices. Only
:data:`IEEE_COLUMNS` are required; ``DeviceInfo``, ``P_emaildomain`` and ``isFraud`` are
optional (the test files have no ``isFraud``), and every other column is ignored.

Mapping
-------
=====================  =====================================================================
canonical              IEEE-CIS
=====================  =====================================================================
``transaction_id``     ``TransactionID``
``timestamp``          :data:`IEEE_REFERENCE` + ``TransactionDT`` seconds. The data only says
                       ``TransactionDT`` is a time delta from a reference; 2017-12-01 is the
                       reference most competition notebooks use (the first delta is 86,400 s).
``user_id``            ``card1|card2|card3|card5``: there is no account id, and the card
                       columns (issuer, bank, country-like codes) are the usual client proxy.
                       It over-merges clients that share those codes; finer proxies
                       (``card1`` + ``addr1`` + the ``D1`` account age) need columns this
                       loader does not read. Missing parts stay empty; no ``card1``, no user
                       (the row is rejected).
``card_id``            ``card1|card2|card3|card4|card5|card6``: the user key plus network
                       (``card4``) and debit/credit (``card6``), so one client can hold a
                       debit and a credit card
``device_id``          ``DeviceInfo`` (a device model string such as ``SM-G960U``; generic
                       values like ``Windows`` are hubs, which hub caps are for)
``amount``             ``TransactionAmt``
``is_fraud``           ``isFraud``
=====================  =====================================================================

``P_emaildomain`` (the purchaser's e-mail *domain*, e.g. ``gmail.com``) is not an identifier:
it would join a large share of all users into one hub. It becomes the user attribute
``email_domain`` (the user's most frequent domain, ties to the alphabetically first).
Labels: one per user, ``is_fraud = 1`` when any of its transactions is fraud (the
competition's labels already mark a client's transactions after a chargeback as fraud).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from graphrisk.loaders._read import as_amounts, as_flags, as_ids, as_numbers, as_times_after, read_source
from graphrisk.loaders.tables import CanonicalTables, payer_labels

__all__ = ["load_ieee_cis", "IEEE_COLUMNS", "IEEE_REFERENCE", "USER_KEY", "CARD_KEY"]

#: Card columns that make the user proxy, and the card identifier.
USER_KEY: tuple[str, ...] = ("card1", "card2", "card3", "card5")
CARD_KEY: tuple[str, ...] = ("card1", "card2", "card3", "card4", "card5", "card6")

#: Columns an IEEE-CIS file must have.
IEEE_COLUMNS: tuple[str, ...] = ("TransactionID", "TransactionDT", "TransactionAmt", *CARD_KEY)

#: The reference time of ``TransactionDT`` (a convention; see the module notes).
IEEE_REFERENCE = pd.Timestamp("2017-12-01T00:00:00Z")


def load_ieee_cis(
    path: str | Path, *, limit: int | None = None, reference: pd.Timestamp | str = IEEE_REFERENCE,
) -> CanonicalTables:
    """Map an IEEE-CIS style transaction file to canonical tables.

    Parameters
    ----------
    path
        A CSV or Parquet file with at least :data:`IEEE_COLUMNS`.
    limit
        Read only the first ``limit`` rows.
    reference
        The time ``TransactionDT`` counts from; naive means UTC.

    Returns
    -------
    CanonicalTables
        ``transactions``, ``users`` (``email_domain``, when the file has ``P_emaildomain``)
        and ``labels`` (when it has ``isFraud``).

    Raises
    ------
    InputError
        The file is missing or lacks one of :data:`IEEE_COLUMNS` (all missing ones are named).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "train.csv"
    >>> _ = f.write_text("TransactionID,isFraud,TransactionDT,TransactionAmt,card1,card2,card3,card4,card5,card6\\n"
    ...                  "2987000,0,86400,68.5,13926,,150.0,discover,142.0,credit\\n")
    >>> tx = load_ieee_cis(f).transactions
    >>> tx[["transaction_id", "user_id", "card_id"]].iloc[0].tolist()
    ['2987000', '13926||150|142', '13926||150|discover|142|credit']
    >>> str(tx["timestamp"][0])
    '2017-12-02 00:00:00+00:00'
    """
    reference = pd.Timestamp(reference)
    reference = reference.tz_localize("UTC") if reference.tzinfo is None else reference.tz_convert("UTC")
    raw = read_source(path, format_name="ieee", required=IEEE_COLUMNS,
                      optional=("DeviceInfo", "P_emaildomain", "isFraud"),
                      text=("TransactionID", "card4", "card6", "DeviceInfo", "P_emaildomain"), limit=limit)
    transactions = pd.DataFrame(
        {
            "transaction_id": as_ids(raw["TransactionID"]),
            "timestamp": _after(reference, as_numbers(raw["TransactionDT"])),
            "user_id": _key(raw, USER_KEY),
            "amount": as_amounts(raw["TransactionAmt"]),
            "card_id": _key(raw, CARD_KEY),
        }
    )
    if "DeviceInfo" in raw.columns:
        transactions["device_id"] = as_ids(raw["DeviceInfo"])
    if "isFraud" in raw.columns:
        transactions["is_fraud"] = as_flags(raw["isFraud"])
    users = _email_domains(transactions["user_id"], raw["P_emaildomain"]) if "P_emaildomain" in raw.columns else None
    return CanonicalTables(transactions, users=users, labels=payer_labels(transactions))


def _after(reference: pd.Timestamp, seconds: pd.Series) -> pd.Series:
    """``reference`` plus a number of seconds, as UTC timestamps (NaT where the number is missing or out of range)."""
    return as_times_after(reference, seconds, "s")


def _key(raw: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """The columns joined with ``|`` (missing parts empty); ``<NA>`` where ``card1`` is missing."""
    parts = [_key_part(raw[c]) for c in columns]
    key = parts[0].fillna("")
    for part in parts[1:]:
        key = key + "|" + part.fillna("")
    return key.mask(parts[0].isna())


def _key_part(values: pd.Series) -> pd.Series:
    """Text of one key column; whole numbers without a decimal part (``150.0`` and ``150`` agree)."""
    numeric = pd.api.types.is_numeric_dtype(values.dtype)
    text = values.astype("string").str.strip() if not numeric else as_ids(values)
    numbers = values.astype("float64") if numeric else as_numbers(text)
    whole = (numbers.notna() & (numbers == numbers.round()) & (numbers.abs() < 2**53)).to_numpy()
    if whole.any():
        text = text.copy()
        text[whole] = numbers[whole].astype("int64").astype("string")
    return text.mask(text == "")


def _email_domains(user_ids: pd.Series, domains: pd.Series) -> pd.DataFrame:
    """``user_id, email_domain``: each user's most frequent domain (ties: alphabetically first)."""
    seen = pd.DataFrame({"user_id": user_ids, "email_domain": as_ids(domains).str.lower()}).dropna()
    counts = seen.value_counts(["user_id", "email_domain"]).rename("n").reset_index()
    counts = counts.sort_values(["user_id", "n", "email_domain"], ascending=[True, False, True])
    users = counts.drop_duplicates("user_id")[["user_id", "email_domain"]].reset_index(drop=True)
    return users.astype({"user_id": "string", "email_domain": "string"})
