"""Turn DataFrame columns into plain Python rows the Bolt driver can send."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["to_rows", "to_values"]


def _column_values(column: pd.Series) -> np.ndarray:
    """An object array of Python values with ``None`` for every missing value.

    Timestamps become integer epoch milliseconds (Cypher turns them into ``datetime``).
    """
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column.dtype):
        missing = column.isna().to_numpy()
        millis = column.dt.tz_localize(None) if isinstance(column.dtype, pd.DatetimeTZDtype) else column
        values = (millis.to_numpy(dtype="datetime64[ns]").view("int64") // 1_000_000).astype(object)
    else:
        missing = column.isna().to_numpy()
        if pd.api.types.is_float_dtype(column.dtype):
            values = column.to_numpy(dtype="float64", na_value=np.nan).astype(object)
        elif pd.api.types.is_integer_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
            values = column.astype("Int64").astype(object).to_numpy()
        else:
            values = column.astype(object).to_numpy()
    values = values.copy()
    values[missing] = None
    return values


def to_values(column: pd.Series) -> list:
    """One column as a list of Python values (``None`` where missing)."""
    return _column_values(column).tolist()


def to_rows(frame: pd.DataFrame, columns: list[str]) -> list[list]:
    """Rows of ``frame[columns]`` as lists of Python values (``None`` where missing).

    Examples
    --------
    >>> frame = pd.DataFrame({"a": pd.array(["x", None], dtype="string"), "b": [1.5, np.nan]})
    >>> to_rows(frame, ["a", "b"])
    [['x', 1.5], [None, None]]
    """
    if not len(frame):
        return []
    stacked = np.empty((len(frame), len(columns)), dtype=object)
    for position, name in enumerate(columns):
        stacked[:, position] = _column_values(frame[name])
    return stacked.tolist()
