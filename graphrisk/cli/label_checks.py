"""The labels that ``train`` and ``evaluate`` learn from or compare against: built, summarised and checked.

A labels file in which no row names a user of the other inputs is almost certainly the
wrong file (another data set, another export, ids with a prefix). Those commands stop
with one line naming the file, instead of training on nothing or reporting that every
row was rejected. A file in which only some rows name unknown users is used: those rows
go to the rejects file with their reason, and the summary shows how many there were.
"""

from __future__ import annotations

import pandas as pd

from graphrisk.graph.build import UNKNOWN_USER_REASON, InputReport, unusable_labels

__all__ = ["check_labels"]


def check_labels(report: InputReport, labels: str | pd.DataFrame) -> None:
    """Stop when the labels table was read but none of its rows names a known user.

    Parameters
    ----------
    report
        What :func:`~graphrisk.graph.build.build_graph` read (with a labels table).
    labels
        The labels file (or frame), named in the message.

    Raises
    ------
    InputError
        No label row was kept: every row names an unknown user (the wrong file), or every
        row was rejected for some reason.

    Examples
    --------
    >>> import pandas as pd
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["t1"], "timestamp": ["2024-01-01"], "user_id": ["u1"], "amount": [5.0]})
    >>> _, report = build_graph(tx, labels=pd.DataFrame({"user_id": ["ghost"], "is_fraud": [1]}))
    >>> check_labels(report, "labels.csv")
    Traceback (most recent call last):
    ...
    graphrisk.errors.InputError: labels.csv: no label row names a user of the other inputs (1 of 1 rows have ...
    """
    counts = next((t for t in report.tables if t.table == "labels"), None)
    if counts is None or counts.rows_loaded:
        return
    name = "<DataFrame>" if isinstance(labels, pd.DataFrame) else str(labels)
    rejects = report.rejects
    unknown = int(((rejects["table"] == "labels") & (rejects["reason"] == UNKNOWN_USER_REASON)).sum())
    raise unusable_labels(name, counts, unknown)
