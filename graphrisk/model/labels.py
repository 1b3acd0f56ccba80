"""Training labels as the detector reads them: ``is_fraud`` per user, ``ring_id`` when known."""

from __future__ import annotations

import pandas as pd

from graphrisk.errors import InputError
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["read_labels"]


def read_labels(
    labels: pd.DataFrame | pd.Series, graph: TransactionGraph
) -> tuple[pd.Series, pd.Series | None]:
    """``is_fraud`` per labelled user and, when given, ``ring_id`` per user (``""`` outside a ring).

    Parameters
    ----------
    labels
        ``user_id, is_fraud[, ring_id]``, or a 0/1 Series indexed by user id. A user listed
        twice keeps its last row.
    graph
        The graph the labelled users must belong to.

    Raises
    ------
    InputError
        A column is missing, ``is_fraud`` is not 0/1, a labelled user is not in the graph,
        or only one class is present.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2"], "timestamp": ["2024-01-01"] * 2,
    ...                    "user_id": ["a", "b"], "amount": [1.0, 2.0], "merchant_id": ["m", "m"]})
    >>> truth, rings = read_labels(pd.Series({"a": 1, "b": 0}), build_graph(tx)[0])
    >>> truth.to_dict(), rings
    ({'a': 1, 'b': 0}, None)
    """
    if isinstance(labels, pd.Series):
        labels = pd.DataFrame({"user_id": labels.index, "is_fraud": labels.to_numpy()})
    if not isinstance(labels, pd.DataFrame):
        raise TypeError(f"labels must be a DataFrame or a Series, got {type(labels).__name__}")
    missing = {"user_id", "is_fraud"} - set(labels.columns)
    if missing:
        raise InputError(f"labels need columns user_id and is_fraud; missing {sorted(missing)}")
    table = labels.assign(user_id=labels["user_id"].astype(str)).drop_duplicates("user_id", keep="last")
    table = table.set_index("user_id")
    truth = pd.to_numeric(table["is_fraud"], errors="coerce")
    if not truth.isin([0, 1]).all():
        raise InputError("is_fraud must be 0 or 1 for every labelled user")
    unknown = truth.index.difference(pd.Index(graph.users["user_id"].astype(str)))
    if len(unknown):
        raise InputError(f"{len(unknown)} labelled users are not in the graph (e.g. {unknown[0]!r})")
    if truth.nunique() < 2:
        raise InputError("labels need both fraud (1) and legitimate (0) users")
    rings = table["ring_id"].astype("string").fillna("") if "ring_id" in table.columns else None
    return truth.astype(int).rename("is_fraud"), rings
