"""Feedback labels over training labels: reading a labels file and merging, feedback first."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import pandas as pd

from graphrisk.errors import InputError
from graphrisk.feedback.resolve import LABEL_COLUMNS
from graphrisk.io.readers import TableSource, check_required_columns, read_chunks, source_name
from graphrisk.io.schema import LABELS
from graphrisk.io.validate import Validator

__all__ = ["LabelMerge", "read_labels", "merge_labels"]


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """``user_id`` text, ``is_fraud`` int, ``ring_id`` text (empty when none), sorted by user."""
    out = pd.DataFrame({
        "user_id": table["user_id"].astype(str).to_numpy(),
        "is_fraud": pd.to_numeric(table["is_fraud"]).astype(int).to_numpy(),
        "ring_id": (table["ring_id"].astype("string").fillna("") if "ring_id" in table.columns
                    else pd.Series("", index=table.index, dtype="string")).astype(str).to_numpy(),
    }, columns=LABEL_COLUMNS)
    return out.sort_values("user_id", ignore_index=True)


def read_labels(source: TableSource) -> pd.DataFrame:
    """Read a labels file (``user_id,is_fraud[,ring_id]``), strictly: any bad row stops.

    Meant for files graphrisk wrote (``graphrisk feedback --out``); a hand-made labels file
    goes through ``--labels``, whose bad rows go to the rejects instead.

    Raises
    ------
    InputError
        The file is missing or unreadable, lacks a column, or has a bad row (named by line
        and reason).

    Examples
    --------
    >>> read_labels(pd.DataFrame({"user_id": ["u2", "u1"], "is_fraud": ["0", "1"]})).values.tolist()
    [['u1', 1, ''], ['u2', 0, '']]
    """
    check_required_columns(source, LABELS)
    validator = Validator(LABELS, source_name(source))
    parts = []
    for raw, lines in read_chunks(source):
        chunk = validator.validate(raw, lines=lines)
        if len(chunk.rejects):
            first = chunk.rejects.iloc[0]
            raise InputError(f"{source_name(source)}: line {first['line']}: {first['reason']} "
                             f"({len(chunk.rejects)} bad rows in this chunk)")
        parts.append(chunk.rows)
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({"user_id": pd.Series(dtype=str), "is_fraud": pd.Series(dtype=int),
                             "ring_id": pd.Series(dtype=str)})
    return _typed(pd.concat(parts, ignore_index=True))


@dataclass
class LabelMerge:
    """The merged labels and what the feedback changed.

    Attributes
    ----------
    labels
        ``user_id, is_fraud, ring_id``, sorted by user.
    added
        Feedback users that had no label.
    overridden
        Feedback users that had a label (the feedback's is kept).
    changed
        Of those, the users whose ``is_fraud`` changed.
    not_in_graph
        Feedback users that are not in the graph: left out.
    cleared
        Feedback users labelled 0: a verdict, not a missing chargeback, so training must
        never relabel them (``RiskDetector.fit(cleared=...)`` keeps them out of pseudo-labels).
    """

    labels: pd.DataFrame
    added: int
    overridden: int
    changed: int
    not_in_graph: int
    cleared: pd.Index = field(default_factory=lambda: pd.Index([], dtype=str, name="user_id"))

    def summary(self) -> str:
        """One line for the command output."""
        text = (f"feedback: {self.added:,} labels added, {self.overridden:,} overridden "
                f"({self.changed:,} changed is_fraud); {len(self.labels):,} labels in all")
        if self.not_in_graph:
            text += f"; {self.not_in_graph:,} feedback users are not in the graph (left out)"
        return text


def merge_labels(
    labels: pd.DataFrame | None, feedback: pd.DataFrame, *, users: Collection[str] | None = None
) -> LabelMerge:
    """Feedback labels over ``labels``: for a user in both, the feedback wins.

    Parameters
    ----------
    labels
        ``user_id, is_fraud[, ring_id]`` (``None``: no labels yet).
    feedback
        Labels from verdicts (:func:`graphrisk.feedback.resolve_verdicts`, or :func:`read_labels`
        of a ``graphrisk feedback --out`` file). An overriding row keeps the earlier ``ring_id``
        unless it names one.
    users
        The graph's users; feedback on anyone else is left out. ``None``: keep all.

    Examples
    --------
    >>> base = pd.DataFrame({"user_id": ["u1", "u2"], "is_fraud": [0, 0], "ring_id": ["", ""]})
    >>> merge = merge_labels(base, pd.DataFrame({"user_id": ["u2", "u3"], "is_fraud": [1, 0]}))
    >>> merge.labels["is_fraud"].tolist(), merge.added, merge.overridden, merge.changed
    ([0, 1, 0], 1, 1, 1)
    >>> merge.cleared.tolist()
    ['u3']
    """
    new = _typed(feedback)
    not_in_graph = 0
    if users is not None:
        inside = new["user_id"].isin(set(map(str, users)))
        not_in_graph = int((~inside).sum())
        new = new[inside]
    cleared = pd.Index(new.loc[new["is_fraud"] == 0, "user_id"], dtype=str, name="user_id")
    if labels is None or len(labels) == 0:
        return LabelMerge(labels=new.reset_index(drop=True), added=len(new), overridden=0, changed=0,
                          not_in_graph=not_in_graph, cleared=cleared)
    old = _typed(labels).set_index("user_id")
    new = new.set_index("user_id")
    both = new.index.intersection(old.index)
    changed = int((old.loc[both, "is_fraud"] != new.loc[both, "is_fraud"]).sum())
    # a user still labelled fraud keeps the ring the labels gave; one relabelled legit leaves it
    keep_ring = (new.loc[both, "ring_id"] == "") & (new.loc[both, "is_fraud"] == 1)
    new.loc[both[keep_ring.to_numpy()], "ring_id"] = old.loc[both[keep_ring.to_numpy()], "ring_id"]
    merged = pd.concat([old.drop(index=both), new]).reset_index()
    return LabelMerge(labels=_typed(merged), added=len(new) - len(both), overridden=len(both), changed=changed,
                      not_in_graph=not_in_graph, cleared=cleared)
