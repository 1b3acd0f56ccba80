"""Standardisation of node inputs, with statistics that travel with the model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["FeatureScaler"]


class FeatureScaler:
    """Signed ``log1p`` then standardise each column with the training mean and deviation.

    Counts, amounts and degrees are heavy-tailed (a kiosk has thousands of users, a
    typical device one); the log squashes them before standardising so one hub does not
    flatten every other value. Missing and infinite values become the training mean (0
    after scaling), and columns that were constant in training map to 0.

    Parameters
    ----------
    columns
        Feature names, in the order of the model's input.
    mean, scale
        Per column statistics of the log-transformed values (from :meth:`fit`).

    Examples
    --------
    >>> table = pd.DataFrame({"users": [1.0, 1.0, 3.0, 1000.0]})
    >>> scaler = FeatureScaler.fit(table)
    >>> [round(float(v), 2) for v in scaler.transform(table).ravel()]
    [-0.66, -0.66, -0.4, 1.72]
    >>> FeatureScaler.from_dict(scaler.to_dict()).transform(table).shape
    (4, 1)
    """

    def __init__(self, columns: Sequence[str], mean: Sequence[float], scale: Sequence[float]) -> None:
        self.columns = [str(c) for c in columns]
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        if not (len(self.columns) == len(self.mean) == len(self.scale)):
            raise ValueError("columns, mean and scale must have the same length")

    @staticmethod
    def _log(table: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
        values = table.reindex(columns=list(columns)).to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        values[~np.isfinite(values)] = np.nan
        return np.sign(values) * np.log1p(np.abs(values))

    @classmethod
    def fit(cls, table: pd.DataFrame) -> FeatureScaler:
        """Statistics of every column of ``table``."""
        columns = [str(c) for c in table.columns]
        values = cls._log(table, columns)
        with np.errstate(all="ignore"):
            mean = np.nanmean(values, axis=0) if len(values) else np.zeros(len(columns))
            scale = np.nanstd(values, axis=0) if len(values) else np.ones(len(columns))
        mean = np.nan_to_num(mean, nan=0.0)
        scale = np.where(np.isfinite(scale) & (scale > 1e-12), scale, 1.0)
        return cls(columns, mean, scale)

    def missing(self, table: pd.DataFrame) -> list[str]:
        """Columns the scaler needs that ``table`` lacks."""
        return [c for c in self.columns if c not in table.columns]

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        """Scaled values as float32, columns in the fitted order (missing values become 0)."""
        values = (self._log(table, self.columns) - self.mean) / self.scale
        return np.nan_to_num(values, nan=0.0).astype(np.float32)

    def to_dict(self) -> dict:
        """JSON-ready statistics."""
        return {"columns": self.columns, "mean": self.mean.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, state: dict) -> FeatureScaler:
        """The scaler saved by :meth:`to_dict`."""
        return cls(state["columns"], state["mean"], state["scale"])
