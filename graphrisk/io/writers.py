"""Writing result tables (features, scores, rings) as Parquet or CSV, chosen by suffix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from graphrisk.errors import InputError

__all__ = ["write_table", "writable", "TABLE_SUFFIXES"]

#: Suffixes :func:`write_table` understands.
TABLE_SUFFIXES = (".parquet", ".csv")


def write_table(table: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``table`` to ``.parquet`` or ``.csv`` (by suffix), creating the folder.

    Parquet keeps list columns as lists; CSV writes them ``|``-joined.

    Raises
    ------
    InputError
        Any other suffix, or the file or its folder cannot be written (a ``ValueError`` too).

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
        raise InputError(f"unsupported output {path.name!r}: use .parquet or .csv")
    with writable(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".parquet":
            table.to_parquet(path, index=index)
            return path
        flat = table.copy()
        for column in flat.columns:
            # a plain bool array: mapping an empty string column keeps the string dtype, which has no any()
            if np.asarray(flat[column].map(lambda v: isinstance(v, list)), dtype=bool).any():
                flat[column] = flat[column].map(lambda v: "|".join(map(str, v)) if isinstance(v, list) else v)
        flat.to_csv(path, index=index)
    return path


@contextmanager
def writable(path: str | Path) -> Iterator[None]:
    """Turn a failure to write ``path`` (permission denied, a folder in the way, disk full) into one clear error.

    Raises
    ------
    InputError
        An :class:`OSError` was raised inside; the message names the path and the reason.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> try:
    ...     with writable(folder):
    ...         _ = folder.write_text("a folder is in the way")
    ... except InputError as e:
    ...     print(str(e) == f"{folder}: cannot write: Is a directory")
    True
    """
    try:
        yield
    except OSError as e:
        raise InputError(f"{path}: cannot write: {e.strerror or type(e).__name__}") from e
