"""Outlier score over the graph features: an isolation forest (Liu, Ting and Zhou, ICDM 2008).

Accounts whose structure, flow, community, centrality and behaviour features are unlike
everybody else's are isolated by fewer random splits. Counts and amounts are heavy-tailed,
so every feature is compressed with ``sign(x) * log1p(|x|)`` first (the forest splits
uniformly between a feature's minimum and maximum, and a raw tail would take most splits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

__all__ = ["OutlierModel"]


def _matrix(features: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The compressed feature matrix, columns in ``columns`` order (absent or missing: 0)."""
    values = features.reindex(columns=columns).to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    return np.sign(values) * np.log1p(np.abs(values))


class OutlierModel:
    """An isolation forest over user features, fitted on one graph and applied to any.

    Parameters
    ----------
    n_estimators
        Trees of the forest.
    seed
        Seed of the forest.

    Attributes
    ----------
    columns_
        The feature columns fitted on, in order.
    forest_
        The fitted :class:`sklearn.ensemble.IsolationForest`.

    Examples
    --------
    >>> features = pd.DataFrame({"x": [1.0, 1.1, 0.9, 1.0, 50.0]}, index=list("abcde"))
    >>> OutlierModel(seed=0).fit(features).score(features).idxmax()
    'e'
    """

    def __init__(self, *, n_estimators: int = 200, seed: int = 0) -> None:
        self.n_estimators, self.seed = n_estimators, seed

    def fit(self, features: pd.DataFrame) -> OutlierModel:
        """Fit the forest on ``features`` (one row per user, numeric columns)."""
        if features.empty or not len(features.columns):
            raise ValueError("the outlier score needs at least one user and one feature column")
        self.columns_ = [str(c) for c in features.columns]
        self.forest_ = IsolationForest(n_estimators=self.n_estimators, random_state=self.seed)
        self.forest_.fit(_matrix(features, self.columns_))
        return self

    def score(self, features: pd.DataFrame) -> pd.Series:
        """Anomaly score per row of ``features`` (higher: more isolated), indexed like ``features``."""
        if not len(features):
            return pd.Series(dtype=float, index=features.index, name="outlier_score")
        raw = -self.forest_.score_samples(_matrix(features, self.columns_))
        return pd.Series(raw, index=features.index, name="outlier_score")
