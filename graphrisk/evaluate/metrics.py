"""Detection metrics on one scored test set: AUC-PR, AUC-ROC, precision/recall at k, ring recall.

Every input is a :class:`pandas.Series` indexed by ``user_id``; they are aligned on the
index of ``truth``, so each system can return scores for whatever users it likes. A user in
``truth`` without a score gets score 0 and is not flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from graphrisk.errors import InputError

__all__ = ["detection_metrics", "ring_recall", "align_scores", "check_truth"]


def check_truth(truth: pd.Series) -> pd.Series:
    """Validate ground truth (``user_id -> 0/1``) and return it as ``int`` values.

    Raises
    ------
    ValueError
        Duplicated users, missing values, or values other than 0/1.
    InputError
        Only one class present (a ``ValueError`` too).

    Examples
    --------
    >>> check_truth(pd.Series([True, False], index=["a", "b"])).tolist()
    [1, 0]
    """
    if not isinstance(truth, pd.Series):
        raise TypeError(f"truth must be a pandas Series (user_id -> 0/1), got {type(truth).__name__}")
    if truth.index.has_duplicates:
        raise ValueError("truth has duplicated user ids; give one label per user")
    if truth.isna().any():
        raise ValueError(f"truth has {int(truth.isna().sum())} missing labels; drop those users first")
    values = truth.astype(int)
    if not values.isin([0, 1]).all() or not (values == truth).all():
        raise ValueError(f"truth must hold only 0/1 (or booleans), got values {list(pd.unique(truth))[:5]}")
    positives = int(values.sum())
    if positives == 0 or positives == len(values):
        kind = "no fraudster (positive)" if positives == 0 else "no legitimate user (negative)"
        raise InputError(f"truth has {kind} among its {len(values)} users; metrics need both classes")
    return values


def align_scores(truth: pd.Series, scores: pd.Series) -> np.ndarray:
    """Scores in the order of ``truth.index``; users without a score get 0.

    Raises
    ------
    ValueError
        ``scores`` has duplicated users, or a missing (NaN) score for a user in ``truth``.

    Examples
    --------
    >>> truth = pd.Series([1, 0, 0], index=["a", "b", "c"])
    >>> align_scores(truth, pd.Series({"c": 0.5, "a": 0.9})).tolist()
    [0.9, 0.0, 0.5]
    """
    if not isinstance(scores, pd.Series):
        raise TypeError(f"scores must be a pandas Series (user_id -> score), got {type(scores).__name__}")
    if scores.index.has_duplicates:
        raise ValueError("scores has duplicated user ids; give one score per user")
    present = truth.index.isin(scores.index)
    aligned = scores.reindex(truth.index).astype(float)
    if aligned[present].isna().any():
        raise ValueError(f"scores has {int(aligned[present].isna().sum())} NaN values for users in truth")
    return aligned.fillna(0.0).to_numpy()


def _top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` highest values (ties broken by position, first wins)."""
    order = np.argsort(-values, kind="stable")
    mask = np.zeros(len(values), dtype=bool)
    mask[order[:k]] = True
    return mask


def ring_recall(rings: pd.Series, flagged: pd.Series, *, min_share: float = 0.5) -> float:
    """Share of rings with at least ``min_share`` of their members flagged.

    Parameters
    ----------
    rings
        ``user_id -> ring id``; empty strings and missing values mean "in no ring".
    flagged
        ``user_id -> bool``; users absent from it count as not flagged.
    min_share
        A ring is caught when ``flagged members / members >= min_share``.

    Returns
    -------
    float
        Caught rings / rings, or NaN when ``rings`` names no ring.

    Examples
    --------
    >>> rings = pd.Series({"a": "r1", "b": "r1", "c": "r2", "d": "r2", "e": "r2", "f": ""})
    >>> ring_recall(rings, pd.Series({"a": True, "c": True}))
    0.5
    """
    if not 0.0 < min_share <= 1.0:
        raise ValueError(f"min_share must be in (0, 1], got {min_share}")
    ids = rings.astype("string").fillna("")
    ids = ids[ids != ""]
    if ids.empty:
        return float("nan")
    hit = flagged.reindex(ids.index).fillna(False).astype(bool)
    share = hit.groupby(ids.to_numpy()).mean()
    return float((share >= min_share).mean())


def detection_metrics(
    truth: pd.Series,
    scores: pd.Series,
    flagged: pd.Series | None = None,
    rings: pd.Series | None = None,
) -> dict[str, float | int]:
    """Ranking and ring-level metrics of one system on one test set.

    Parameters
    ----------
    truth
        ``user_id -> 0/1`` for the evaluated users; it sets which users count.
    scores
        ``user_id -> score`` (higher = more suspicious). Users of ``truth`` missing here get 0.
    flagged
        ``user_id -> bool``: the users the system would send to review. ``None``: the top-k
        users by score, with k the number of fraudsters in ``truth``.
    rings
        ``user_id -> ring id`` (empty or NaN: in no ring); only users in ``truth`` count.

    Returns
    -------
    dict
        ``auc_pr`` (average precision), ``auc_roc``, ``precision_at_k`` and ``recall_at_k``
        (k = ``n_fraud``; equal to each other by construction, kept both for reports),
        ``ring_recall`` (share of rings with at least half their members flagged; NaN when
        ``rings`` is ``None`` or names no ring), ``n_users``, ``n_fraud``, ``n_rings``,
        ``n_flagged``.

    Raises
    ------
    ValueError
        ``truth`` lacks a positive or a negative, has duplicates or non-0/1 values; or
        ``scores`` has duplicates or NaN for evaluated users.

    Examples
    --------
    >>> truth = pd.Series([1, 1, 0, 0], index=["a", "b", "c", "d"])
    >>> scores = pd.Series([0.9, 0.2, 0.8, 0.1], index=["a", "b", "c", "d"])
    >>> m = detection_metrics(truth, scores, rings=pd.Series({"a": "r1", "b": "r1"}))
    >>> m["precision_at_k"], m["auc_roc"], m["ring_recall"], m["n_rings"]
    (0.5, 0.75, 1.0, 1)
    """
    y = check_truth(truth).to_numpy()
    s = align_scores(truth, scores)
    k = int(y.sum())
    hits = int(y[_top_k(s, k)].sum())
    if flagged is None:
        flags = pd.Series(_top_k(s, k), index=truth.index)
    else:
        flags = flagged.reindex(truth.index).fillna(False).astype(bool)
    ring_ids = (
        pd.Series("", index=truth.index, dtype="string")
        if rings is None
        else rings.reindex(truth.index).astype("string").fillna("")
    )
    return {
        "auc_pr": float(average_precision_score(y, s)),
        "auc_roc": float(roc_auc_score(y, s)),
        "precision_at_k": hits / k,
        "recall_at_k": hits / k,
        "ring_recall": ring_recall(ring_ids, flags),
        "n_users": int(len(y)),
        "n_fraud": k,
        "n_rings": int(ring_ids[ring_ids != ""].nunique()),
        "n_flagged": int(flags.sum()),
    }
