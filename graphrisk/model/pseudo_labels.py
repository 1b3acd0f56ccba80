"""Pseudo-labels: the training users the cold-start scorer is most sure of, taken as fraud.

Where labels are scarce (chargebacks: partial, late, a few dozen fraudsters), the network
has too few positives to learn what a card farm or a cash-out relay looks like. The
cold-start scorer (:mod:`graphrisk.unsupervised`) finds those patterns without any label.
``RiskDetector(pseudo_labels=share)`` takes the ``share`` of all users it ranks riskiest
and, among the detector's **training** users labelled 0, counts them as fraud in the loss.

No leakage: the cold-start ranking reads no label at all, and only the training side's
labels change. The validation users keep their given labels, so early stopping, the
calibration, the flag threshold and ``head="auto"``'s choice are judged on real labels
only; users outside the labels (a test side) are never labelled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["confident_fraud", "with_pseudo_labels"]


def confident_fraud(graph: TransactionGraph, share: float, *, inputs: dict[str, pd.DataFrame] | None = None,
                    seed: int = 0) -> pd.Index:
    """The user ids the cold-start scorer ranks in its top ``share`` of every user of ``graph``.

    Parameters
    ----------
    graph
        The whole graph; no label is read.
    share
        Share of the users to return, in (0, 0.5) as :class:`DetectorSettings` allows; at least one user.
    inputs
        The raw node inputs when already computed (:meth:`GraphEncoder.node_inputs`).
    seed
        Seed of the scorer's outlier forest.
    """
    from graphrisk.unsupervised import ColdStartScorer

    risk = ColdStartScorer(seed=seed).fit_parts(graph, inputs=inputs)["risk_score"]
    count = max(1, int(round(share * len(risk))))
    ranked = risk.sort_index().sort_values(ascending=False, kind="stable")  # ties by user id: the same users each time
    return pd.Index(ranked.index[:count].astype(str), name="user_id")


def with_pseudo_labels(user_ids: pd.Index, labels: np.ndarray, confident: pd.Index) -> tuple[np.ndarray, int]:
    """``labels`` of ``user_ids`` with every confident user labelled 0 set to 1, and how many changed.

    Examples
    --------
    >>> labels, changed = with_pseudo_labels(pd.Index(["a", "b", "c"]), np.array([0, 1, 0]), pd.Index(["b", "c", "z"]))
    >>> labels.tolist(), changed
    ([0, 1, 1], 1)
    """
    labels = np.asarray(labels).copy()
    taken = user_ids.astype(str).isin(confident) & (labels == 0)
    labels[taken] = 1
    return labels, int(taken.sum())
