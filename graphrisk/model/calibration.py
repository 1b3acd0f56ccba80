"""Calibrated risk: logits -> probabilities fitted on validation users, reliability figures, points.

The network is trained with the rare fraud class up-weighted (see
:func:`graphrisk.model.training.train_network`), so the plain sigmoid of its logit ranks
users well but overstates their risk. A :class:`Calibrator` fitted on the validation users'
logits and labels turns a logit into the probability that a user like this one is labelled
fraud:

* ``"platt"`` (default): a logistic regression on the logit, ``sigmoid(a * logit + b)``
  with ``a > 0``. Strictly increasing, so the ranking, AUC-PR and the flagged set do not
  change; only the numbers do.
* ``"isotonic"``: a monotone step function (:class:`sklearn.isotonic.IsotonicRegression`,
  values beyond the fitted range clipped). More flexible, but it can tie users that the
  network ranked apart, and it needs more validation fraud to be stable.
* ``"none"``: the plain sigmoid (also what a model saved before calibration existed uses).

:func:`reliability` measures how far probabilities are from observed rates (Brier score,
expected calibration error and a per-bin table for a reliability diagram);
:func:`calibration_statistics` gives those before and after calibration on the validation
users. :func:`risk_points` maps a probability to a credit-style points scale.

Caveat: the validation users also choose the early-stopping epoch and the flag threshold,
so a calibrator fitted on them is slightly optimistic there. The reported *after* figures
are therefore cross-fitted (each half of the validation users is calibrated by a
calibrator fitted on the other half); the deployed calibrator uses all of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logit
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import precision_recall_curve

from graphrisk.model.settings import CALIBRATIONS

__all__ = ["Calibrator", "CALIBRATIONS", "reliability", "calibration_statistics", "risk_points", "f1_threshold"]

#: Bins of the reliability table (equal width over [0, 1]).
RELIABILITY_BINS = 10


def _finite_floats(values: object, name: str = "logits") -> np.ndarray:
    """``values`` as a flat float64 array, refused when any is NaN or infinite."""
    array = np.asarray(values, dtype=np.float64).ravel()
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite numbers; found NaN or infinity")
    return array


def _truth(values: object, size: int) -> np.ndarray:
    truth = np.asarray(values).ravel()
    if len(truth) != size:
        raise ValueError(f"truth has {len(truth)} values for {size} logits; give one 0/1 label per logit")
    if not np.isin(truth, (0, 1)).all():
        raise ValueError("truth must hold 0 (legitimate) or 1 (fraud) only")
    return truth.astype(np.float64)


class Calibrator:
    """Logits -> calibrated fraud probabilities (``"platt"``, ``"isotonic"`` or ``"none"``).

    Parameters
    ----------
    method
        One of :data:`CALIBRATIONS` (see the module notes).

    Attributes
    ----------
    slope_, intercept_ : float
        Platt's ``a`` and ``b`` in ``sigmoid(a * logit + b)`` (``1`` and ``0`` otherwise).
    knots_ : tuple[numpy.ndarray, numpy.ndarray] or None
        Isotonic: logits and probabilities between which :meth:`transform` interpolates
        linearly (clipped at both ends).

    Examples
    --------
    >>> logits = np.array([-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])
    >>> truth = np.array([0, 0, 0, 1, 0, 0, 1, 1])
    >>> calibrator = Calibrator("platt").fit(logits, truth)
    >>> risk = calibrator.transform(logits)
    >>> bool((np.diff(risk) > 0).all())
    True
    >>> Calibrator.from_dict(calibrator.to_dict()).transform(logits).tolist() == risk.tolist()
    True
    """

    def __init__(self, method: str = "platt") -> None:
        if method not in CALIBRATIONS:
            raise ValueError(f"unknown calibration {method!r}; choose from {', '.join(CALIBRATIONS)}")
        self.method = method
        self.slope_, self.intercept_ = 1.0, 0.0
        self.knots_: tuple[np.ndarray, np.ndarray] | None = None
        self._fitted = method == "none"

    def fit(self, logits: np.ndarray, truth: np.ndarray) -> Calibrator:
        """Fit on logits and 0/1 labels (both classes needed, except for ``"none"``).

        Raises
        ------
        ValueError
            Non-finite logits, labels other than 0/1, of another length, or of a single class.
        """
        z = _finite_floats(logits)
        y = _truth(truth, len(z))
        if self.method == "none":
            return self
        if len(np.unique(y)) < 2:
            raise ValueError("calibration needs fraud (1) and legitimate (0) users among the validation users")
        if self.method == "platt":
            self.slope_, self.intercept_ = _platt(z, y)
        else:
            model = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(z, y)
            self.knots_ = (np.asarray(model.X_thresholds_, dtype=np.float64),
                           np.asarray(model.y_thresholds_, dtype=np.float64))
        self._fitted = True
        return self

    def transform(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (float64, in [0, 1]) of ``logits``."""
        if not self._fitted:
            raise ValueError(f"this {self.method} Calibrator is not fitted: call fit() or Calibrator.from_dict()")
        z = _finite_floats(logits)
        if self.method == "isotonic":
            x, y = self.knots_
            return np.interp(z, x, y)  # constant beyond the ends: out_of_bounds="clip"
        return expit(self.slope_ * z + self.intercept_)

    def to_dict(self) -> dict:
        """A JSON-ready description (``model.json`` keeps it under ``calibration``)."""
        out: dict = {"method": self.method}
        if self.method == "platt":
            out.update(slope=float(self.slope_), intercept=float(self.intercept_))
        elif self.method == "isotonic" and self.knots_ is not None:
            out.update(logits=self.knots_[0].tolist(), probabilities=self.knots_[1].tolist())
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> Calibrator:
        """The calibrator :meth:`to_dict` described.

        Raises
        ------
        ValueError
            An unknown method, missing or non-finite parameters, a Platt slope that is not
            positive, or isotonic knots that are unsorted, of unequal length or outside [0, 1].
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"calibration must be a mapping, got {type(data).__name__}")
        calibrator = cls(str(data.get("method")))
        try:
            if calibrator.method == "platt":
                slope, intercept = float(data["slope"]), float(data["intercept"])
                if not (math.isfinite(slope) and math.isfinite(intercept) and slope > 0):
                    raise ValueError(f"Platt calibration needs a finite slope > 0 and a finite intercept, "
                                     f"got {slope} and {intercept}")
                calibrator.slope_, calibrator.intercept_ = slope, intercept
            elif calibrator.method == "isotonic":
                x = _finite_floats(data["logits"], "isotonic logits")
                y = _finite_floats(data["probabilities"], "isotonic probabilities")
                if len(x) != len(y) or not len(x) or np.any(np.diff(x) < 0) or np.any(np.diff(y) < 0) \
                        or y.min() < 0 or y.max() > 1:
                    raise ValueError("isotonic calibration needs equally long, sorted logits and "
                                     "probabilities in [0, 1]")
                calibrator.knots_ = (x, y)
        except KeyError as e:
            raise ValueError(f"{calibrator.method} calibration lacks {e}") from None
        calibrator._fitted = True
        return calibrator

    def __repr__(self) -> str:
        if self.method == "platt":
            return f"Calibrator('platt', slope={self.slope_:.4g}, intercept={self.intercept_:.4g})"
        return f"Calibrator({self.method!r})"


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt's fit of ``sigmoid(a z + b)`` with his smoothed targets, ``a`` kept positive.

    The targets ``(N+ + 1) / (N+ + 2)`` and ``1 / (N- + 2)`` instead of 1 and 0 keep the
    fit finite when the validation users are perfectly separated (Platt 1999).
    """
    positives, negatives = y.sum(), len(y) - y.sum()
    target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = params
        s = a * z + b
        # cross-entropy with soft targets, written with logaddexp so no exp overflows
        value = float(np.sum(np.logaddexp(0.0, s) - target * s))
        residual = expit(s) - target
        return value, np.array([np.sum(residual * z), np.sum(residual)])

    start = np.array([1.0, math.log((positives + 1) / (negatives + 1))])
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=[(1e-6, None), (None, None)],
                      options={"maxiter": 500, "gtol": 1e-10, "ftol": 1e-15})
    a, b = (float(v) for v in result.x)
    return a, b


def reliability(truth: np.ndarray, probability: np.ndarray, *, bins: int = RELIABILITY_BINS) -> dict:
    """How well probabilities match observed fraud rates: Brier score, ECE and a per-bin table.

    Parameters
    ----------
    truth
        0/1 per user.
    probability
        Predicted fraud probability per user.
    bins
        Equal-width bins over [0, 1] (the last one includes 1).

    Returns
    -------
    dict
        ``brier`` (mean squared error of the probabilities), ``ece`` (expected
        calibration error: the user-weighted mean of ``|mean predicted - observed rate|``
        over the bins), ``users`` and ``bins``: one record per non-empty bin with
        ``lower, upper, count, mean_predicted, observed_rate``. JSON-ready.

    Examples
    --------
    >>> stats = reliability(np.array([0, 0, 1, 1]), np.array([0.1, 0.1, 0.9, 0.9]))
    >>> round(stats["brier"], 3), round(stats["ece"], 3), [b["count"] for b in stats["bins"]]
    (0.01, 0.1, [2, 2])
    """
    p = _finite_floats(probability, "probability")
    y = _truth(truth, len(p))
    if len(p) and (p.min() < 0 or p.max() > 1):
        raise ValueError("probability must lie in [0, 1]")
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    table, gap = [], 0.0
    for i in range(bins):
        inside = which == i
        count = int(inside.sum())
        if not count:
            continue
        predicted, observed = float(p[inside].mean()), float(y[inside].mean())
        gap += count * abs(predicted - observed)
        table.append({"lower": float(edges[i]), "upper": float(edges[i + 1]), "count": count,
                      "mean_predicted": predicted, "observed_rate": observed})
    users = len(p)
    return {"users": users, "brier": float(np.mean((p - y) ** 2)) if users else float("nan"),
            "ece": gap / users if users else float("nan"), "bins": table}


def calibration_statistics(
    logits: np.ndarray, truth: np.ndarray, *, method: str = "platt", bins: int = RELIABILITY_BINS, seed: int = 0
) -> dict:
    """Reliability of the validation users before and after calibration (``validation_["calibration"]``).

    *Before* is the plain sigmoid of the logits. *After* is cross-fitted: the users are
    split in two halves (stratified by label, ``seed``), and each half is calibrated by a
    ``method`` calibrator fitted on the other half, so no user's calibrated risk was fitted
    on its own label. When a half would hold a single class the calibrator is fitted and
    measured on all users instead (``cross_fitted`` is then ``False``, and *after* is
    optimistic).

    Returns
    -------
    dict
        ``method, users, fraud, cross_fitted, before, after`` (each as :func:`reliability`).
    """
    z = _finite_floats(logits)
    y = _truth(truth, len(z))
    calibrated = np.empty_like(z)
    rng = np.random.default_rng(seed)
    half = np.zeros(len(z), dtype=bool)
    for label in (0.0, 1.0):
        members = np.flatnonzero(y == label)
        half[rng.permutation(members)[: len(members) // 2]] = True
    cross_fitted = method != "none" and all(len(np.unique(y[side])) == 2 for side in (half, ~half))
    if cross_fitted:
        for side in (half, ~half):
            calibrated[side] = Calibrator(method).fit(z[~side], y[~side]).transform(z[side])
    else:
        calibrated = Calibrator(method).fit(z, y).transform(z)
    return {"method": method, "users": int(len(z)), "fraud": int(y.sum()), "cross_fitted": bool(cross_fitted),
            "before": reliability(y, expit(z), bins=bins), "after": reliability(y, calibrated, bins=bins)}


def risk_points(
    probability: float | np.ndarray,
    *,
    base_points: float = 600.0,
    base_odds: float = 50.0,
    points_to_double: float = 20.0,
    lowest: float = 300.0,
    highest: float = 900.0,
) -> int | np.ndarray:
    """A credit-style points scale for fraud probabilities: more points = safer.

    ``points = base_points + points_to_double / ln 2 * ln(odds / base_odds)`` with
    ``odds = (1 - p) / p``, the odds of legitimate to fraud, rounded to whole points and
    clipped to ``[lowest, highest]``. With the defaults a user at 600 points has 50 : 1
    odds of being legitimate (a fraud probability of 1/51, about 2%); every 20 points
    more doubles the odds (620: 100 : 1, 640: 200 : 1) and every 20 points fewer halves
    them (580: 25 : 1; 487: even odds, p = 0.5). Points are only as meaningful as the
    probabilities: use a calibrated model.

    Parameters
    ----------
    probability
        Fraud probability (a number or an array of them, each in [0, 1]).
    base_points, base_odds
        The points at which the odds of legitimate to fraud are ``base_odds`` : 1.
    points_to_double
        Points that double the odds ("PDO").
    lowest, highest
        Clip range (0 and 1 would otherwise give minus and plus infinity).

    Returns
    -------
    int or numpy.ndarray
        Whole points: an ``int`` for a number, an int64 array for an array-like.

    Raises
    ------
    ValueError
        A probability outside [0, 1] or not a number, ``base_odds`` or
        ``points_to_double`` not positive, or ``lowest > highest``.

    Examples
    --------
    >>> risk_points(1 / 51), risk_points(1 / 101), risk_points(0.5)
    (600, 620, 487)
    >>> risk_points([0.0, 0.02, 0.1, 0.9, 1.0]).tolist()
    [900, 599, 551, 424, 300]
    """
    if not base_odds > 0 or not points_to_double > 0:
        raise ValueError(f"base_odds and points_to_double must be positive, got {base_odds} and {points_to_double}")
    if lowest > highest:
        raise ValueError(f"lowest ({lowest}) must not exceed highest ({highest})")
    p = np.asarray(probability, dtype=np.float64)
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("probability must lie in [0, 1]; give calibrated risk scores")
    log_odds = -logit(p)  # ln((1 - p) / p): +inf at p = 0, -inf at p = 1, no warning
    points = base_points + points_to_double / math.log(2.0) * (log_odds - math.log(base_odds))
    points = np.rint(np.clip(points, lowest, highest)).astype(np.int64)
    return int(points) if points.ndim == 0 else points


def f1_threshold(truth: np.ndarray, risk: np.ndarray) -> float:
    """The risk cut with the best F1 on ``truth`` (0.5 when there is no positive).

    Examples
    --------
    >>> f1_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.35
    """
    truth = np.asarray(truth)
    if truth.sum() == 0:
        return 0.5
    precision, recall, thresholds = precision_recall_curve(truth, risk)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1[:-1]))])
