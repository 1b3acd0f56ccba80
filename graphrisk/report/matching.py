"""How much of each found ring is a true ring: :func:`match_rings`."""

from __future__ import annotations

import pandas as pd

__all__ = ["match_rings", "MATCH_COLUMNS"]

#: Columns of :func:`match_rings`.
MATCH_COLUMNS = ["ring_id", "size", "fraud_members", "true_ring", "overlap", "purity", "coverage"]


def match_rings(rings: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Match each found ring to the true ring it shares most members with.

    Parameters
    ----------
    rings
        Found rings: ``ring_id`` and ``members`` (lists of user ids), as in
        :attr:`graphrisk.rings.Rings.table`.
    labels
        Ground truth: ``user_id, is_fraud`` and optionally ``ring_id`` (empty or missing
        outside a ring).

    Returns
    -------
    pandas.DataFrame
        One row per found ring, in the order of ``rings``, with :data:`MATCH_COLUMNS`:
        ``fraud_members`` (members labelled fraud); ``true_ring`` (the true ring holding
        most members, ties to the smaller id; ``""`` when no member is in a true ring);
        ``overlap`` (members in it); ``purity`` (``overlap / size``) and ``coverage``
        (``overlap`` / size of the true ring), both 0 without a match.

    Examples
    --------
    >>> rings = pd.DataFrame({"ring_id": ["r1", "r2"], "members": [["a", "b", "c"], ["x", "y"]]})
    >>> labels = pd.DataFrame({"user_id": ["a", "b", "c", "d", "x", "y"], "is_fraud": [1, 1, 0, 1, 0, 0],
    ...                        "ring_id": ["T", "T", "", "T", "", ""]})
    >>> match_rings(rings, labels)[["ring_id", "fraud_members", "true_ring", "overlap", "coverage"]]
      ring_id  fraud_members true_ring  overlap  coverage
    0      r1              2         T        2  0.666667
    1      r2              0                  0  0.000000
    """
    labels = labels.drop_duplicates("user_id")
    users = labels["user_id"].astype(str).to_numpy()
    is_fraud = pd.Series(labels["is_fraud"].fillna(0).astype(int).to_numpy(), index=users)
    if "ring_id" in labels:
        truth = pd.Series(labels["ring_id"].astype("string").fillna("").to_numpy(dtype=object), index=users)
    else:
        truth = pd.Series("", index=users, dtype=object)
    truth = truth[truth != ""]
    true_sizes = truth.value_counts()
    rows = []
    for ring, members in zip(rings["ring_id"], rings["members"]):
        members = [str(m) for m in members]
        size = len(members)
        counts = truth.reindex(members).dropna().value_counts()
        best, overlap = "", 0
        if len(counts):
            top = counts[counts == counts.max()]
            best, overlap = str(min(top.index)), int(counts.max())
        rows.append({
            "ring_id": str(ring),
            "size": size,
            "fraud_members": int(is_fraud.reindex(members).fillna(0).sum()),
            "true_ring": best,
            "overlap": overlap,
            "purity": overlap / size if size else 0.0,
            "coverage": overlap / int(true_sizes[best]) if best else 0.0,
        })
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)
