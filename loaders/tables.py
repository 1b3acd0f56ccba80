"""The result of every loader: canonical tables ready for :func:`graphrisk.build_graph`."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

__all__ = ["CanonicalTables", "payer_labels"]


@dataclass(frozen=True, eq=False)
class CanonicalTables:
    """The four canonical tables (see :mod:`graphrisk.io.schema`) produced by a loader.

    The frames are not validated here: :func:`graphrisk.build_graph` does that row by row
    and sends bad rows to the rejects. Extra columns a loader keeps on ``transactions``
    (for example ``fraud_scenario``) are for analysis in Python; ``build_graph`` ignores them.

    Parameters
    ----------
    transactions
        Canonical transactions.
    links, users, labels
        Optional canonical tables; ``None`` when the format has no such information.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"transaction_id": ["t1"], "timestamp": [0], "user_id": ["u1"], "amount": [2.5]})
    >>> tables = CanonicalTables(tx)
    >>> tables.describe()
    'transactions 1 (fraud n/a), links -, users -, labels -'
    >>> sorted(tables.as_kwargs())
    ['labels', 'links', 'transactions', 'users']
    """

    transactions: pd.DataFrame
    links: pd.DataFrame | None = None
    users: pd.DataFrame | None = None
    labels: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name != "transactions":
                continue
            if not isinstance(value, pd.DataFrame):
                raise TypeError(f"CanonicalTables.{f.name} must be a pandas DataFrame, got {type(value).__name__}")

    def as_kwargs(self) -> dict[str, pd.DataFrame | None]:
        """The tables as keyword arguments of :func:`graphrisk.build_graph`.

        Examples
        --------
        >>> import graphrisk
        >>> tx = pd.DataFrame({"transaction_id": ["t1"], "timestamp": [0], "user_id": ["u1"], "amount": [2.5]})
        >>> graph, report = graphrisk.build_graph(**CanonicalTables(tx).as_kwargs())
        >>> report.rows_rejected
        0
        """
        return {"transactions": self.transactions, "links": self.links, "users": self.users, "labels": self.labels}

    def describe(self) -> str:
        """One line: rows per table and the share of fraud among labelled transactions and users."""
        parts = [f"transactions {len(self.transactions):,} ({_fraud_share(self.transactions)})"]
        for name in ("links", "users", "labels"):
            table = getattr(self, name)
            if table is None:
                parts.append(f"{name} -")
            elif name == "labels":
                parts.append(f"{name} {len(table):,} ({_fraud_share(table)})")
            else:
                parts.append(f"{name} {len(table):,}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"CanonicalTables({self.describe()})"


def _fraud_share(table: pd.DataFrame) -> str:
    if "is_fraud" not in table.columns:
        return "fraud n/a"
    flags = pd.to_numeric(table["is_fraud"], errors="coerce")
    known = int(flags.notna().sum())
    if known == 0:
        return "fraud n/a"
    return f"fraud {int((flags == 1).sum()):,} = {(flags == 1).sum() / known:.2%}"


def payer_labels(transactions: pd.DataFrame, ring_ids: pd.Series | None = None) -> pd.DataFrame | None:
    """User labels derived from transaction labels: a payer is fraud when any of its transactions is.

    Only payers (``user_id``) are labelled; counterparties that never pay stay unlabelled.
    Transactions with an unknown ``is_fraud`` are ignored; a payer with none known gets no label.

    Parameters
    ----------
    transactions
        Canonical transactions with ``user_id`` and ``is_fraud``.
    ring_ids
        Optional ring id per user (index: ``user_id``); users missing from it get ``<NA>``.

    Returns
    -------
    pandas.DataFrame or None
        ``user_id``, ``is_fraud`` (``Int8``) and, with ``ring_ids``, ``ring_id``, sorted by
        ``user_id``; ``None`` when ``transactions`` has no ``is_fraud`` column.

    Examples
    --------
    >>> tx = pd.DataFrame({"user_id": ["b", "a", "b"], "is_fraud": [0, 0, 1]})
    >>> payer_labels(tx).to_dict("list")
    {'user_id': ['a', 'b'], 'is_fraud': [0, 1]}
    """
    if "is_fraud" not in transactions.columns:
        return None
    known = transactions[["user_id", "is_fraud"]].dropna()
    flags = pd.to_numeric(known["is_fraud"], errors="coerce")
    by_user = (flags == 1).groupby(known["user_id"], sort=True).any()
    labels = pd.DataFrame({"user_id": by_user.index.astype("string"), "is_fraud": by_user.to_numpy().astype("int8")})
    labels["is_fraud"] = labels["is_fraud"].astype("Int8")
    if ring_ids is not None:
        labels["ring_id"] = labels["user_id"].map(ring_ids).astype("string")
    return labels

