"""Which accounts to flag: the flag policy, and the validation curve it is chosen on.

A policy says what the investigators need from the flags:

========================= ===============================================================
``f1``                    the risk cut with the best F1 on the validation users (default)
``f2``                    the best F2: recall weighs twice as much as precision
``precision:P``           the lowest cut whose validation precision is at least ``P``
                          (the most recall at that precision)
``budget:N``              the ``N`` riskiest accounts of each scoring, whatever their risk
                          (a review team's capacity)
========================= ===============================================================

The cuts come from the precision-recall curve of the validation users, which the model
keeps (:class:`ValidationCurve`, at most :data:`CURVE_POINTS` points), so a policy can be
changed at scoring time without retraining (``graphrisk score --flag-policy``).

Examples
--------
>>> curve = ValidationCurve.from_scores(np.array([0, 0, 1, 1, 0, 1]), np.array([.1, .4, .35, .8, .7, .9]))
>>> [FlagPolicy.parse(text).threshold(curve) for text in ("f1", "f2", "precision:0.6", "precision:1")]
[0.8, 0.35, 0.35, 0.8]
>>> FlagPolicy.parse("budget:2").flags(np.array([.2, .9, .5, .9]))
array([False,  True, False,  True])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import precision_recall_curve

from graphrisk.errors import InputError

__all__ = ["FlagPolicy", "ValidationCurve", "FLAG_POLICIES", "CURVE_POINTS"]

#: The policy kinds, as written before the colon.
FLAG_POLICIES = ("f1", "f2", "precision", "budget")

#: Most points of the validation curve a model keeps (evenly spread over its cuts).
CURVE_POINTS = 2_000


@dataclass(frozen=True)
class ValidationCurve:
    """Precision and recall of the validation users at each risk cut (flag when risk >= cut).

    Attributes
    ----------
    thresholds, precision, recall
        One entry per cut, cuts increasing.
    positives
        Fraud labels among the validation users (0: no cut can be chosen on them).
    """

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    positives: int

    @classmethod
    def from_scores(cls, truth: np.ndarray, risk: np.ndarray) -> ValidationCurve:
        """The curve of ``risk`` against ``truth`` (0/1), thinned to at most :data:`CURVE_POINTS` cuts."""
        truth = np.asarray(truth).astype(int)
        positives = int(truth.sum())
        if positives == 0:
            return cls(np.array([0.5]), np.array([0.0]), np.array([0.0]), 0)
        precision, recall, thresholds = precision_recall_curve(truth, np.asarray(risk, dtype=np.float64))
        precision, recall = precision[:-1], recall[:-1]  # the last point has no cut
        if len(thresholds) > CURVE_POINTS:
            keep = np.unique(np.linspace(0, len(thresholds) - 1, CURVE_POINTS).round().astype(int))
            thresholds, precision, recall = thresholds[keep], precision[keep], recall[keep]
        return cls(thresholds.astype(np.float64), precision.astype(np.float64), recall.astype(np.float64), positives)

    def to_dict(self) -> dict:
        """Plain lists, for the model's manifest."""
        return {"thresholds": self.thresholds.tolist(), "precision": self.precision.tolist(),
                "recall": self.recall.tolist(), "positives": self.positives}

    @classmethod
    def from_dict(cls, data: dict) -> ValidationCurve:
        """The curve :meth:`to_dict` wrote."""
        return cls(np.asarray(data["thresholds"], dtype=np.float64), np.asarray(data["precision"], dtype=np.float64),
                   np.asarray(data["recall"], dtype=np.float64), int(data["positives"]))


@dataclass(frozen=True)
class FlagPolicy:
    """How the flag cut is chosen; :meth:`parse` reads ``f1``, ``f2``, ``precision:P`` or ``budget:N``.

    Attributes
    ----------
    kind
        One of :data:`FLAG_POLICIES`.
    value
        ``P`` (in (0, 1]) for ``precision``, ``N`` (at least 1) for ``budget``; ``None`` otherwise.
    """

    kind: str
    value: float | int | None = None

    @classmethod
    def parse(cls, text: str) -> FlagPolicy:
        """The policy written as on the command line.

        Raises
        ------
        InputError
            Not one of the forms above (the message shows them).
        """
        kind, _, value = str(text).strip().lower().partition(":")
        forms = "f1, f2, precision:P (0 < P <= 1) or budget:N (N >= 1)"
        try:
            if kind in ("f1", "f2") and not value:
                return cls(kind)
            if kind == "precision" and 0.0 < float(value) <= 1.0:
                return cls(kind, float(value))
            if kind == "budget" and int(value) >= 1:
                return cls(kind, int(value))
        except ValueError:
            pass
        raise InputError(f"flag policy must be {forms}, got {text!r}")

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value:g}"

    @property
    def uses_a_cut(self) -> bool:
        """Whether the policy flags by a risk cut (all but ``budget``)."""
        return self.kind != "budget"

    def threshold(self, curve: ValidationCurve) -> float:
        """The risk cut this policy chooses on ``curve`` (for ``budget``: the F1 cut, shown for reference).

        ``precision:P`` that no cut reaches takes the cut with the best precision.
        """
        if curve.positives == 0:
            return float(curve.thresholds[0])
        p, r = curve.precision, curve.recall
        if self.kind == "precision":
            reached = np.flatnonzero(p >= float(self.value))
            index = int(reached[0]) if len(reached) else int(np.argmax(p))
        else:
            beta2 = 4.0 if self.kind == "f2" else 1.0
            score = (1 + beta2) * p * r / np.maximum(beta2 * p + r, 1e-12)
            index = int(np.argmax(score))
        return float(curve.thresholds[index])

    def flags(self, risk: np.ndarray, threshold: float | None = None) -> np.ndarray:
        """Which of ``risk`` to flag: at or above ``threshold``, or the ``N`` riskiest for ``budget``.

        A budget breaks ties at its edge by position (the first in the input first), so it
        flags exactly ``min(N, len(risk))`` accounts.
        """
        risk = np.asarray(risk, dtype=np.float64)
        if self.uses_a_cut:
            if threshold is None:
                raise ValueError(f"the {self} policy needs its threshold")
            return risk >= threshold
        chosen = np.zeros(len(risk), dtype=bool)
        chosen[np.argsort(-risk, kind="stable")[: int(self.value)]] = True
        return chosen
