"""Writing result tables (features, scores, rings) as Parquet or CSV, chosen by suffix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_table", "TABLE_SUFFIXES"]

#: Suffixes :func:`write_table` understands.
TABLE_SUFFIXES = (".parquet", ".csv")


def write_table(table: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``table`` to ``.parquet`` or ``.csv`` (by suffix), creating the folder.

    Parquet keeps list columns as lists; CSV writes them ``|``-joined.

    Raises
    ------
    ValueError
        Any other suffix.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = write_table(pd.DataFrame({"ring_id": ["r1"], "members": [["a", "b"]]}), folder / "rings.csv")
    >>> path.read_text().splitlines()
    ['ring_id,members', 'r1,a|b']
    """
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise ValueError(f"unsupported output {path.name!r}: use .parquet or .csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        table.to_parquet(path, index=index)
        return path
    flat = table.copy()
    for column in flat.columns:
        if flat[column].map(lambda v: isinstance(v, list)).any():
            flat[column] = flat[column].map(lambda v: "|".join(map(str, v)) if isinstance(v, list) else v)
    flat.to_csv(path, index=index)
    return path
